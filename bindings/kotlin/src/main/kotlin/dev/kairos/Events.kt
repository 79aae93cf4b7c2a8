package dev.kairos

import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow

/**
 * Every event this engine's calls return from now on, as a [Flow]: each collection subscribes
 * a listener ([Engine.subscribe]) when it starts and cancels it when it ends (the collector was
 * cancelled, or an operator such as `take` finished it).
 *
 * Events arrive in the order the calls delivered them, on the collector's dispatcher; none is
 * dropped (the buffer is unbounded, so a slow collector costs memory, not events). Events of
 * calls made before the collection started are not replayed.
 *
 * ```kotlin
 * scope.launch {
 *     engine.events().filterIsInstance<KairosEvent.OfferTriggered>().collect { notifier.show(it) }
 * }
 * ```
 */
fun Engine.events(): Flow<KairosEvent> = callbackFlow {
    val subscription = subscribe(object : EventListener {
        override fun onEvents(events: List<KairosEvent>) {
            // The channel is unbounded: trySend fails only once the flow is closed.
            events.forEach { trySend(it) }
        }
    })
    awaitClose { subscription.cancel() }
}.buffer(Channel.UNLIMITED)
