package dev.kairos.demo.logic

import dev.kairos.LocationFix
import java.time.Instant
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

class GpxTrackTest {
    @Test
    fun `the bundled drive reads as timed fixes in file order`() {
        val fixes = GpxTrack.parse(Fixtures.asset("tracks/drive-past-drive-thru.gpx").readText())
        assertEquals(75, fixes.size)
        assertEquals(LocationFix(Instant.parse("2026-11-24T20:00:00Z"), 37.33, -121.892, 10.0, null), fixes.first())
        assertEquals(Instant.parse("2026-11-24T20:30:25Z"), fixes.last().at)
        assertEquals(fixes.sortedBy { it.at }, fixes)
    }

    @Test
    fun `track points win over waypoints`() {
        val gpx = """<gpx xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="1" lon="2"><time>2026-11-24T20:00:00Z</time></wpt>
            <trk><trkseg><trkpt lon="-121.5" lat="37.5"><ele>3</ele><time>2026-11-24T20:00:05Z</time></trkpt></trkseg></trk></gpx>"""
        assertEquals(listOf(LocationFix(Instant.parse("2026-11-24T20:00:05Z"), 37.5, -121.5, 10.0, null)), GpxTrack.parse(gpx))
    }

    @Test
    fun `bad points are named`() {
        val untimed = """<gpx><wpt lat="1" lon="2"><time>2026-11-24T20:00:00Z</time></wpt><wpt lat="1" lon="2"/></gpx>"""
        assertContains(assertFailsWith<GpxException> { GpxTrack.parse(untimed) }.message!!, "point 2 has no <time>")
        val badLat = """<gpx><wpt lat="north" lon="2"><time>2026-11-24T20:00:00Z</time></wpt></gpx>"""
        assertContains(assertFailsWith<GpxException> { GpxTrack.parse(badLat) }.message!!, "point 1: bad or missing lat \"north\"")
        assertFailsWith<GpxException> { GpxTrack.parse("timestamp,lat,lon") }
    }

    @Test
    fun `every bundled track parses with the parser its extension names`() {
        for (track in QaTrack.ALL) {
            val fixes = track.parse(Fixtures.asset(track.file).readText())
            assert(fixes.size > 50) { "${track.file}: ${fixes.size} fixes" }
            track.catalog?.let { assert(Fixtures.asset(it).isFile) { "missing $it" } }
        }
    }
}
