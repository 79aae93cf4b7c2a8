package dev.kairos

import java.nio.file.Path
import java.time.Duration
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue

/** Step samples: the daily summary, the goal event, and what is refused. */
class StepsTest {
    @TempDir
    lateinit var dir: Path
    private val start = Fixtures.NINE_AM

    @Test
    fun `counter samples give the day's steps against the goal`() = Fixtures.open(dir).use { engine ->
        // Android's TYPE_STEP_COUNTER: cumulative since boot; the first reading is the baseline.
        engine.recordSteps(StepSample.Counter(at = start, countSinceBoot = 10_000))
        engine.recordSteps(StepSample.Counter(at = start.plus(Duration.ofMinutes(90)), countSinceBoot = 11_430))
        val today = engine.today(start.plus(Duration.ofMinutes(91)))
        // 1,430 steps over 90 minutes is below the active cadence: no active minute.
        assertEquals(DaySummary(LocalDay(2026, 11, 24), 1430, 7500, 6070, false, null), today)
    }

    @Test
    fun `a reboot resets the counter without losing steps`() = Fixtures.open(dir).use { engine ->
        engine.recordStepSamples(
            listOf(
                StepSample.Counter(start, 5_000),
                StepSample.Counter(start.plus(Duration.ofMinutes(10)), 5_400),
                // Rebooted: the counter starts again from zero.
                StepSample.Counter(start.plus(Duration.ofMinutes(20)), 300),
            ),
        )
        assertEquals(700L, engine.today(start).steps)
    }

    @Test
    fun `the goal reached event fires once a day`() = Fixtures.open(dir, stepGoal = 1000).use { engine ->
        assertEquals(emptyList(), engine.recordSteps(Fixtures.interval(start, 10, 600)))
        val reached = engine.recordSteps(Fixtures.interval(start.plus(Duration.ofMinutes(10)), 10, 600))
        val event = assertIs<KairosEvent.StepGoalReached>(reached.single())
        assertEquals(Triple(LocalDay(2026, 11, 24), 1200L, 1000), Triple(event.day, event.steps, event.goal))
        assertEquals(emptyList(), engine.recordSteps(Fixtures.interval(start.plus(Duration.ofMinutes(20)), 10, 600)))
        val today = engine.today(start)
        assertTrue(today.goalReached)
        assertEquals(0L, today.remaining)
    }

    @Test
    fun `overlapping pedometer intervals never count a step twice`() = Fixtures.open(dir).use { engine ->
        // CMPedometer: re-querying a window that grew reports its whole total again.
        engine.recordSteps(Fixtures.interval(start, 30, 500))
        engine.recordSteps(Fixtures.interval(start, 60, 800))
        assertEquals(800L, engine.today(start).steps)
    }

    @Test
    fun `one invalid sample refuses the whole burst`() = Fixtures.open(dir).use { engine ->
        val backwards = StepSample.Interval(start = start.plusSeconds(60), end = start, steps = 10)
        val e = assertFailsWith<KairosException.InvalidInput> {
            engine.recordStepSamples(listOf(Fixtures.interval(start, 10, 500), backwards))
        }
        assertContains(e.reason, "sample 1")
        assertContains(e.reason, "is not after its start")
        val negative = assertFailsWith<KairosException.InvalidInput> { engine.recordSteps(Fixtures.interval(start, 10, -5)) }
        assertContains(negative.reason, "steps -5 is negative")
        assertEquals(0L, engine.today(start).steps)
    }

    @Test
    fun `an hour seated brings one inactivity nudge from tick`() = Fixtures.open(dir).use { engine ->
        engine.recordSteps(Fixtures.interval(start, 10, 500))
        val activeUntil = start.plus(Duration.ofMinutes(10))
        assertEquals(emptyList(), engine.tick(activeUntil.plus(Duration.ofMinutes(59))))
        val nudge = assertIs<KairosEvent.InactivityNudge>(engine.tick(activeUntil.plus(Duration.ofMinutes(60))).single())
        assertEquals(activeUntil, nudge.sedentarySince)
        assertEquals(60L, nudge.minutes)
        assertEquals(emptyList(), engine.tick(activeUntil.plus(Duration.ofMinutes(75))), "once per stretch")
    }

    @Test
    fun `a tick outside the supported years is refused`() = Fixtures.open(dir).use { engine ->
        val e = assertFailsWith<KairosException.InvalidInput> { engine.tick(java.time.Instant.EPOCH) }
        assertContains(e.reason, "outside 2000..2100")
    }
}
