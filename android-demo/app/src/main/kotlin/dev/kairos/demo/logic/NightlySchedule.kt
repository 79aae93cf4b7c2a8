package dev.kairos.demo.logic

import java.time.Duration
import java.time.Instant
import java.time.LocalTime
import java.time.ZoneId

/** When the nightly sync runs: the next [at] local time, on a network, in a [flex] wide window. */
class NightlySchedule(
    private val at: LocalTime = LocalTime.of(2, 0),
    /** How late the OS may run it after [at]. */
    val flex: Duration = Duration.ofHours(3),
) {
    /** The wait from [now] until the next [at] in [zone] (never zero: a sync just run waits a day). */
    fun delayUntilNext(now: Instant, zone: ZoneId): Duration {
        val local = now.atZone(zone)
        var next = local.toLocalDate().atTime(at).atZone(zone)
        if (!next.isAfter(local)) next = local.toLocalDate().plusDays(1).atTime(at).atZone(zone)
        return Duration.between(now, next.toInstant())
    }
}
