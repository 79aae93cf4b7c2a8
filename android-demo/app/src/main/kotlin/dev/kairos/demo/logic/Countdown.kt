package dev.kairos.demo.logic

import java.time.Duration
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter

/** Short, human texts for times and durations, shared by every screen. */
object Countdown {
    /** "claim within 42 min", "claim within 1 h 05 min", "claim now: under a minute left", "claim window over". */
    fun claimText(expiresAt: Instant, now: Instant): String {
        val left = Duration.between(now, expiresAt)
        return when {
            left.isNegative || left.isZero -> "claim window over"
            left.toSeconds() < 60 -> "claim now: under a minute left"
            else -> "claim within ${duration(left)}"
        }
    }

    /** "under a minute", "42 min", "1 h 05 min", "2 days 3 h". Rounded up to the minute. */
    fun duration(d: Duration): String {
        val minutes = (d.toSeconds() + 59) / 60
        return when {
            d.toSeconds() < 60 -> "under a minute"
            minutes < 60 -> "$minutes min"
            minutes < 24 * 60 -> "%d h %02d min".format(minutes / 60, minutes % 60)
            else -> "${minutes / (24 * 60)} days ${minutes % (24 * 60) / 60} h"
        }
    }

    /** "14:05" in [zone]. */
    fun clock(at: Instant, zone: ZoneId): String = HH_MM.format(at.atZone(zone))

    /** "Tue 24 Nov 14:05" in [zone]. */
    fun dayAndClock(at: Instant, zone: ZoneId): String = DAY_HH_MM.format(at.atZone(zone))

    private val HH_MM = DateTimeFormatter.ofPattern("HH:mm")
    private val DAY_HH_MM = DateTimeFormatter.ofPattern("EEE d MMM HH:mm", java.util.Locale.ENGLISH)
}
