package dev.kairos.android

import android.location.Location
import android.os.SystemClock
import dev.kairos.LocationFix
import java.time.Instant

/**
 * Android's [Location] as the engine's [LocationFix].
 *
 * The fix's time comes from the monotonic elapsed-realtime clock
 * (`Location.getElapsedRealtimeNanos`), not from `Location.getTime`, which a GNSS chip sets from
 * satellite time and which is wrong now and then (the week-rollover dates): the instant is the
 * wall clock now minus the age of the fix on the monotonic clock. Only a fix without an
 * elapsed-realtime stamp (from a mock provider on old releases) uses `getTime`.
 */
object Fixes {
    /**
     * The engine's fix for [location], or null when the platform gave no horizontal accuracy
     * (`hasAccuracy()` false): the engine needs one to size its hysteresis, so such fixes are
     * dropped (and counted by the caller), never given an invented accuracy.
     * [wallNowMs] and [elapsedNowNanos] are the two clocks read at the same moment.
     */
    fun toFix(
        location: Location,
        wallNowMs: Long = System.currentTimeMillis(),
        elapsedNowNanos: Long = SystemClock.elapsedRealtimeNanos(),
    ): LocationFix? {
        if (!location.hasAccuracy() || location.accuracy <= 0f) return null
        val stamp = location.elapsedRealtimeNanos
        val atMs = if (stamp > 0) wallNowMs - (elapsedNowNanos - stamp) / NANOS_PER_MS else location.time
        return LocationFix(
            at = Instant.ofEpochMilli(atMs),
            lat = location.latitude,
            lon = location.longitude,
            accuracyM = location.accuracy.toDouble(),
            speedMps = if (location.hasSpeed()) location.speed.toDouble() else null,
        )
    }

    /** The wall-clock instant of a sensor or location stamp [elapsedNanos] on the elapsed-realtime clock. */
    fun wallTime(
        elapsedNanos: Long,
        wallNowMs: Long = System.currentTimeMillis(),
        elapsedNowNanos: Long = SystemClock.elapsedRealtimeNanos(),
    ): Instant = Instant.ofEpochMilli(wallNowMs - (elapsedNowNanos - elapsedNanos) / NANOS_PER_MS)

    private const val NANOS_PER_MS = 1_000_000L
}
