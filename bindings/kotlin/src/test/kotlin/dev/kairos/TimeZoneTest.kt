package dev.kairos

import java.nio.file.Path
import java.time.Instant
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

/** `setTimeZone`: a shopper who travels. */
class TimeZoneTest {
    @TempDir
    lateinit var dir: Path

    /** 07:30 UTC on 25 November: the 24th in Los Angeles, the 25th in Paris. */
    private val morningInParis = Instant.parse("2026-11-25T07:30:00Z")

    @Test
    fun `after setTimeZone days are cut in the new zone`() {
        val engine = Fixtures.open(dir)
        assertEquals(LocalDay(2026, 11, 24), engine.today(morningInParis).day)
        engine.setTimeZone("Europe/Paris")
        assertEquals(LocalDay(2026, 11, 25), engine.today(morningInParis).day)
    }

    @Test
    fun `an unknown zone is an InvalidInput naming it and the zone stays`() {
        val engine = Fixtures.open(dir)
        val e = assertFailsWith<KairosException.InvalidInput> { engine.setTimeZone("Mars/Olympus") }
        assertContains(e.reason, "Mars/Olympus")
        assertEquals(LocalDay(2026, 11, 24), engine.today(morningInParis).day)
    }
}
