package dev.kairos.demo.logic

import dev.kairos.StepSample
import dev.kairos.WakeRegion
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import org.junit.jupiter.api.io.TempDir
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull

class RegionsAndStepsTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `the nearest catalog places are registered, again only after moving far enough`() {
        Fixtures.engine(dir, "catalogs/shop-street.signed.json", Walks.TEN_AM).use { engine ->
            val planner = WakeRegionPlanner(limit = 2)
            val first = assertNotNull(planner.planIfMoved(engine, Walks.CAFE_LAT, Walks.CAFE_LON))
            assertEquals("corner-cafe-main", first.regions.first().id)
            assertEquals(2, first.regions.size)
            assert(first.regions.all { it.radiusM >= 100.0 }) { "radii below the OS's minimum: ${first.regions}" }
            assertEquals(WakeRegionPlanner.MIN_REFRESH_M, first.refreshAfterM)
            assertNull(planner.planIfMoved(engine, Walks.CAFE_LAT + 0.003, Walks.CAFE_LON), "333 m: keep the regions")
            assertNotNull(planner.planIfMoved(engine, Walks.CAFE_LAT + 0.006, Walks.CAFE_LON), "667 m: register again")
        }
    }

    @Test
    fun `a plan keeps the limit and refreshes half way to the farthest region`() {
        val regions = (1..30).map { WakeRegion("p$it", 37.0, -121.0, 40.0 * it, 1000.0 * it) }
        val plan = WakeRegionPlanner(limit = 20).plan(regions)
        assertEquals(20, plan.regions.size)
        assertEquals(listOf(100.0, 100.0, 120.0), plan.regions.take(3).map { it.radiusM })
        assertEquals(10_000.0, plan.refreshAfterM)
        assertEquals(1112.0, WakeRegionPlanner.distanceM(37.0, -121.0, 37.01, -121.0), 1.0)
    }

    @Test
    fun `step counter readings get wall times and leave in batches of a minute`() {
        val buffer = StepBuffer(Duration.ofMinutes(1))
        val now = Instant.parse("2026-11-24T18:00:00Z")
        // The sensor's clock is nanoseconds since boot; this reading was taken 2 s before delivery.
        assertEquals(emptyList(), buffer.add(1000, sensorNanos = 8_000_000_000, elapsedNanos = 10_000_000_000, now = now))
        assertEquals(emptyList(), buffer.add(1010, 38_000_000_000, 40_000_000_000, now.plusSeconds(30)))
        val batch = buffer.add(1025, 69_000_000_000, 70_000_000_000, now.plusSeconds(60))
        assertEquals(
            listOf(
                StepSample.Counter(now.minusSeconds(2), 1000),
                StepSample.Counter(now.plusSeconds(28), 1010),
                StepSample.Counter(now.plusSeconds(59), 1025),
            ),
            batch,
        )
        assertEquals(emptyList(), buffer.drain())
    }
}
