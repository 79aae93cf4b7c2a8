package dev.kairos.demo.logic

import dev.kairos.EngineInterface
import dev.kairos.KairosEvent
import dev.kairos.LocationFix
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import java.time.Duration
import java.time.Instant
import kotlin.coroutines.CoroutineContext

/** Where a replay is. */
data class ReplayProgress(
    /** The track time reached. */
    val trackTime: Instant,
    /** Fixes fed to the engine so far. */
    val fixesSent: Int,
    /** Fixes in the track. */
    val fixesTotal: Int,
    /** Events the engine produced so far. */
    val events: Int,
)

/**
 * QA replay at a chosen speed: feeds a recorded track to an engine window by window, waiting
 * between windows as long as the track took, divided by the speed (1x to 60x), so the events
 * arrive as they would on a walk. The speed is read before every window: a slider can change it
 * during the replay. Cancelling the coroutine stops the replay between two windows.
 *
 * Unlike `Engine.replay`, which runs at full speed, this paces the track for people watching.
 * Replay into its own engine (see [QaSession]): replayed fixes become the profile's history.
 */
class ReplayDriver(
    private val engine: EngineInterface,
    /** How a window's wait is spent; tests pass a recorder instead of [delay]. */
    private val pause: suspend (Duration) -> Unit = { delay(it.toMillis()) },
    /** Where the engine's blocking calls run. */
    private val io: CoroutineContext = Dispatchers.IO,
    /** Track time per window, as a platform batches fixes. */
    private val window: Duration = Duration.ofSeconds(10),
) {
    /** Replays [fixes]; hands each window's events to [onEvents] and returns the final progress. */
    suspend fun play(
        fixes: List<LocationFix>,
        speed: () -> Int,
        onEvents: (List<KairosEvent>) -> Unit,
        onProgress: (ReplayProgress) -> Unit = {},
    ): ReplayProgress {
        val sorted = fixes.sortedBy { it.at }
        val start = sorted.firstOrNull()?.at ?: return ReplayProgress(Instant.EPOCH, 0, 0, 0)
        val windowMs = window.toMillis()
        var progress = ReplayProgress(start, 0, sorted.size, 0)
        var reached = start
        for ((index, batch) in sorted.groupBy { Duration.between(start, it.at).toMillis() / windowMs }) {
            val end = start.plusMillis((index + 1) * windowMs)
            pause(Duration.between(reached, end).dividedBy(clampSpeed(speed()).toLong()))
            reached = end
            val events = withContext(io) { engine.recordLocations(batch).events + engine.tick(end) }
            if (events.isNotEmpty()) onEvents(events)
            progress = ReplayProgress(end, progress.fixesSent + batch.size, sorted.size, progress.events + events.size)
            onProgress(progress)
        }
        return progress
    }

    companion object {
        /** The slowest speed: real time. */
        const val MIN_SPEED = 1

        /** The fastest speed: an hour a minute. */
        const val MAX_SPEED = 60

        /** [speed] within [MIN_SPEED]..[MAX_SPEED]. */
        fun clampSpeed(speed: Int) = speed.coerceIn(MIN_SPEED, MAX_SPEED)
    }
}
