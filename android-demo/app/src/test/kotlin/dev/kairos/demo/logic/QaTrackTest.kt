package dev.kairos.demo.logic

import dev.kairos.KairosException
import dev.kairos.LocationFix
import java.time.Instant
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

class QaTrackTest {
    private val drive = QaTrack.ALL.first { it.file.endsWith(".gpx") }

    @Test
    fun `the bundled GPX drive reads through the engine's parser as timed fixes in order`() {
        val fixes = drive.parse(Fixtures.asset(drive.file).readText())
        assertEquals(75, fixes.size)
        assertEquals(LocationFix(Instant.parse("2026-11-24T20:00:00Z"), 37.33, -121.892, 10.0, null), fixes.first())
        assertEquals(Instant.parse("2026-11-24T20:30:25Z"), fixes.last().at)
        assertEquals(fixes.sortedBy { it.at }, fixes)
    }

    @Test
    fun `a broken track is refused naming the file`() {
        val refused = assertFailsWith<KairosException.InvalidInput> { drive.parse("<gpx><trk><trkseg><trkpt lat=\"1\" lon=\"2\"/></trkseg></trk></gpx>") }
        assertContains(refused.message!!, "drive-past-drive-thru.gpx")
    }
}
