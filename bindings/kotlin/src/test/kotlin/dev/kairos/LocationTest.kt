package dev.kairos

import java.nio.file.Path
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Location fixes: visits, places, validation, the batch report. */
class LocationTest {
    @TempDir
    lateinit var dir: Path
    private lateinit var engine: Engine
    private val start = Fixtures.NINE_AM

    @BeforeEach
    fun open() {
        engine = Fixtures.open(dir)
    }

    @AfterEach
    fun close() = engine.close()

    @Test
    fun `a walk with two stays gives two visits at two private places`() {
        val report = engine.recordLocations(Fixtures.morning(start))
        assertEquals(Fixtures.morning(start).size, report.accepted)
        assertEquals(
            listOf("VisitStarted", "VisitEnded", "VisitStarted", "VisitEnded"),
            report.events.map { it::class.simpleName },
        )
        assertEquals(report.events.map { it.time }.sorted(), report.events.map { it.time }, "time order")
        val first = assertIs<KairosEvent.VisitStarted>(report.events[0])
        assertEquals(start, first.arrivedAt)
        val visits = engine.visits(start, start.plusSeconds(86_400))
        assertEquals(2, visits.size)
        assertTrue(visits.all { it.departedAt != null })
        val places = engine.places()
        assertEquals(visits.map { it.placeId }.toSet(), places.map { it.id }.toSet())
        assertTrue(places.all { it.private && it.kind == PlaceKind.OTHER && it.visitCount == 1 })
    }

    @Test
    fun `fixes one at a time start a visit once the dwell is reached`() {
        val events = Fixtures.stay(start, 10, 0.0, 0.0).flatMap { engine.recordLocation(it) }
        val started = assertIs<KairosEvent.VisitStarted>(events.single())
        assertEquals(start, started.arrivedAt)
        assertTrue(started.at >= start.plusSeconds(5 * 60), "not before the 5 minute dwell: ${started.at}")
        assertNull(engine.visits(start, start.plusSeconds(3600)).single().departedAt, "under way")
    }

    @Test
    fun `an invalid fix throws InvalidFix with a typed rejection and a clear message`() {
        val bad = Fixtures.fix(start, 0.0, 0.0).copy(lat = 91.0)
        val e = assertFailsWith<KairosException.InvalidFix> { engine.recordLocation(bad) }
        assertEquals(FixRejection.LatitudeOutOfRange(lat = 91.0), e.rejection)
        assertEquals("invalid location fix: latitude 91 is outside [-90, 90]", e.reason)
        assertContains(e.message, "latitude 91 is outside [-90, 90]")
        val speed = assertFailsWith<KairosException.InvalidFix> { engine.recordLocation(Fixtures.fix(start, 0.0, 0.0, speedMps = -2.0)) }
        assertEquals(FixRejection.InvalidSpeed(speedMps = -2.0), speed.rejection)
    }

    @Test
    fun `an old fix is refused as out of order with its delay`() {
        engine.recordLocation(Fixtures.fix(start.plusSeconds(300), 0.0, 0.0))
        val e = assertFailsWith<KairosException.InvalidFix> { engine.recordLocation(Fixtures.fix(start, 0.0, 0.0)) }
        assertEquals(FixRejection.OutOfOrder(behindMs = 300_000), e.rejection)
    }

    @Test
    fun `a batch reports rejected and duplicate fixes without failing`() {
        val good = Fixtures.stay(start, 2, 0.0, 0.0)
        val nan = Fixtures.fix(start.plusSeconds(5), 0.0, 0.0).copy(lon = Double.NaN)
        val report = engine.recordLocations(good + good[3] + nan)
        assertEquals(good.size, report.accepted)
        assertEquals(1, report.duplicates)
        assertEquals(listOf(RejectedFix(nan.at, FixRejection.NonFiniteCoordinate)), report.rejected)
        assertEquals(0, report.held)
    }

    @Test
    fun `raw fixes come back exactly as recorded`() {
        val fixes = listOf(Fixtures.fix(start, 3.0, 4.0, speedMps = 1.5), Fixtures.fix(start.plusMillis(10_250), 5.0, 6.0))
        engine.recordLocations(fixes)
        assertEquals(fixes, engine.rawFixes(start, start.plusSeconds(60)))
        assertEquals(start.plusMillis(10_250), engine.clock())
    }
}
