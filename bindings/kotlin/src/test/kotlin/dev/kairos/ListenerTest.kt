package dev.kairos

import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** Listeners: delivery, cancellation, failures and re-entrancy. */
class ListenerTest {
    @TempDir
    lateinit var dir: Path
    private lateinit var engine: Engine
    private val start = Fixtures.NINE_AM

    @BeforeEach
    fun open() {
        engine = Fixtures.open(dir, stepGoal = 1000)
    }

    @AfterEach
    fun close() = engine.close()

    @Test
    fun `every listener receives every event any call returns`() {
        val (a, b) = Recorder() to Recorder()
        val subs = listOf(engine.subscribe(a), engine.subscribe(b))
        val returned = engine.recordLocations(Fixtures.morning(start)).events +
            engine.recordSteps(Fixtures.interval(start, 20, 1200)) +
            engine.tick(start.plus(Duration.ofHours(3)))
        assertTrue(returned.any { it is KairosEvent.StepGoalReached } && returned.any { it is KairosEvent.VisitEnded })
        assertEquals(returned, a.events)
        assertEquals(returned, b.events)
        subs.forEach { it.close() }
    }

    @Test
    fun `cancel stops delivery and is idempotent`() {
        val recorder = Recorder()
        val sub = engine.subscribe(recorder)
        assertTrue(sub.isActive())
        engine.recordSteps(Fixtures.interval(start, 20, 1200))
        sub.cancel()
        sub.cancel()
        assertFalse(sub.isActive())
        engine.recordLocations(Fixtures.morning(start))
        assertIs<KairosEvent.StepGoalReached>(recorder.events.single())
        sub.close()
    }

    @Test
    fun `closing the subscription with use stops delivery`() {
        val recorder = Recorder()
        engine.subscribe(recorder).use {
            engine.recordSteps(Fixtures.interval(start, 20, 1200))
        }
        engine.recordLocations(Fixtures.morning(start))
        assertEquals(1, recorder.events.size)
    }

    @Test
    fun `a throwing listener breaks neither the call nor other listeners`() {
        // The exception crosses into Rust as a ListenerError, which the
        // engine logs and drops: it must not reach this caller.
        val thrower = object : EventListener {
            var calls = 0
            override fun onEvents(events: List<KairosEvent>) {
                calls++
                throw IllegalStateException("listener bug")
            }
        }
        val recorder = Recorder()
        val subs = listOf(engine.subscribe(thrower), engine.subscribe(recorder))
        val events = engine.recordSteps(Fixtures.interval(start, 20, 1200))
        assertIs<KairosEvent.StepGoalReached>(events.single())
        assertEquals(events, recorder.events)
        assertEquals(1, thrower.calls)
        assertEquals(1200L, engine.today(start).steps, "the call's data was recorded")
        subs.forEach { it.close() }
    }

    @Test
    fun `a listener may call back into the engine`() {
        val seen = CopyOnWriteArrayList<Long>()
        val sub = engine.subscribe(object : EventListener {
            override fun onEvents(events: List<KairosEvent>) {
                seen.add(engine.today(start).steps)
            }
        })
        engine.recordSteps(Fixtures.interval(start, 20, 1200))
        assertEquals(listOf(1200L), seen)
        sub.close()
    }

    @Test
    fun `closing the engine ends its subscriptions`() {
        val other = Fixtures.open(dir.resolve("other"))
        val sub = other.subscribe(Recorder())
        assertTrue(sub.isActive())
        other.close()
        assertFalse(sub.isActive())
        sub.close()
    }
}
