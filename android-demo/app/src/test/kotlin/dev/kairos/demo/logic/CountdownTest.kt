package dev.kairos.demo.logic

import java.time.Duration
import java.time.Instant
import kotlin.test.Test
import kotlin.test.assertEquals

class CountdownTest {
    private val now = Instant.parse("2026-11-24T18:00:00Z")

    @Test
    fun `claim texts round up to the minute`() {
        assertEquals("claim within 42 min", Countdown.claimText(now.plusSeconds(41 * 60 + 1), now))
        assertEquals("claim within 1 h 05 min", Countdown.claimText(now.plus(Duration.ofMinutes(65)), now))
        assertEquals("claim now: under a minute left", Countdown.claimText(now.plusSeconds(30), now))
        assertEquals("claim window over", Countdown.claimText(now, now))
        assertEquals("claim window over", Countdown.claimText(now.minusSeconds(1), now))
        assertEquals("2 days 3 h", Countdown.duration(Duration.ofHours(51)))
    }
}
