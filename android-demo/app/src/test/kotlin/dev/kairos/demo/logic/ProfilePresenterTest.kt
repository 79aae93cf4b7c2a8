package dev.kairos.demo.logic

import dev.kairos.StepSample
import java.nio.file.Path
import java.time.Duration
import java.time.ZoneId
import org.junit.jupiter.api.io.TempDir
import kotlin.test.Test
import kotlin.test.assertEquals

class ProfilePresenterTest {
    @TempDir
    lateinit var dir: Path

    private val zone = ZoneId.of("America/Los_Angeles")

    @Test
    fun `today's steps against the goal, and today's visits`() {
        Fixtures.engine(dir).use { engine ->
            val start = Walks.TEN_AM
            engine.recordStepSamples(listOf(StepSample.Interval(start.minus(Duration.ofHours(1)), start, 4210)))
            engine.recordLocations(Walks.intoCafe(start) + (61..120).map { Walks.fix(start, 190 + it * 10L, 0.0).copy(speedMps = 0.0) } +
                (1..30).map { Walks.fix(start, 1390 + it * 10L, 0.0, east = it * 14.0) })
            val profile = ProfilePresenter(engine, zone).load(start.plus(Duration.ofMinutes(40)))
            assertEquals("4,210 of 7,500 steps", profile.steps)
            assertEquals(56, profile.progressPercent)
            assertEquals("3,290 to go", profile.goalLine)
            assertEquals(1, profile.visits.size, "visits: ${profile.visits}")
            assert(profile.visits.single().matches(Regex("10:0\\d–10:2\\d · a place · \\d+ min"))) { profile.visits.single() }
            assertEquals(emptyList(), profile.routines)
        }
    }

    @Test
    fun `a reached goal says so and caps the bar`() {
        Fixtures.engine(dir).use { engine ->
            engine.recordStepSamples(listOf(StepSample.Interval(Walks.TEN_AM.minusSeconds(3600), Walks.TEN_AM, 9000)))
            val profile = ProfilePresenter(engine, zone).load(Walks.TEN_AM)
            assertEquals(100, profile.progressPercent)
            assertEquals("Goal reached!", profile.goalLine)
        }
    }
}
