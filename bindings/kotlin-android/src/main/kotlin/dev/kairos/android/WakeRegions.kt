package dev.kairos.android

import android.annotation.SuppressLint
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.location.LocationManager
import dev.kairos.WakeRegion
import kotlin.math.asin
import kotlin.math.cos
import kotlin.math.max
import kotlin.math.sin
import kotlin.math.sqrt

/**
 * The catalog places registered with the platform so that it wakes the app near them: the
 * platform's proximity alerts (`LocationManager.addProximityAlert`, no Play services), one per
 * place of `Engine.wakeRegions`, nearest first. The engine evaluates every fence itself on every
 * fix; these only wake the app ([WakeRegionReceiver]).
 *
 * Registered again when the engine's sensing plan says the regions changed, after a reboot
 * (which clears every alert), and once the phone has moved half way towards the farthest
 * registered place (never for moves under [MIN_REFRESH_M]).
 */
internal class WakeRegions(
    private val context: Context,
    private val manager: LocationManager,
    /** Most regions registered at once. */
    private val limit: Int,
) {
    /** The regions registered now, nearest first. */
    @Volatile
    var registered: List<WakeRegion> = emptyList()
        private set
    private val intents = mutableListOf<PendingIntent>()
    private var lastLat = Double.NaN
    private var lastLon = Double.NaN
    private var refreshAfterM = 0.0

    /** Whether the phone, now at ([lat], [lon]), moved far enough from the last registration to ask again. */
    @Synchronized
    fun due(lat: Double, lon: Double): Boolean =
        lastLat.isNaN() || distanceM(lastLat, lastLon, lat, lon) >= refreshAfterM

    /** Replaces the registered alerts with [regions] (asked for at [lat], [lon]); needs fine location. */
    @SuppressLint("MissingPermission")
    @Synchronized
    fun replace(regions: List<WakeRegion>, lat: Double, lon: Double) {
        clear()
        val chosen = regions.take(limit)
        chosen.forEachIndexed { i, region ->
            val intent = Intent(context, WakeRegionReceiver::class.java)
                .setAction(WakeRegionReceiver.ACTION)
                .putExtra(WakeRegionReceiver.EXTRA_PLACE, region.placeId)
            // Mutable: the platform adds KEY_PROXIMITY_ENTERING to the intent.
            val pending = PendingIntent.getBroadcast(context, REQUEST_CODE_BASE + i, intent, PendingIntent.FLAG_UPDATE_CURRENT or FLAG_MUTABLE)
            manager.addProximityAlert(region.lat, region.lon, region.radiusM.coerceIn(MIN_RADIUS_M, MAX_RADIUS_M).toFloat(), NO_EXPIRY, pending)
            intents += pending
        }
        registered = chosen
        lastLat = lat
        lastLon = lon
        refreshAfterM = max(MIN_REFRESH_M, (chosen.maxOfOrNull { it.distanceM } ?: 0.0) / 2)
    }

    /** Removes every registered alert. */
    @Synchronized
    fun clear() {
        intents.forEach { manager.removeProximityAlert(it); it.cancel() }
        intents.clear()
        registered = emptyList()
        lastLat = Double.NaN
        lastLon = Double.NaN
    }

    companion object {
        /** Never register again for moves under this, in metres. */
        const val MIN_REFRESH_M = 500.0

        /** Smallest radius the platform handles well (Android recommends 100–150 m). */
        const val MIN_RADIUS_M = 100.0

        /** Largest radius registered, in metres. */
        const val MAX_RADIUS_M = 50_000.0

        /** The alerts' request codes: REQUEST_CODE_BASE + rank. */
        const val REQUEST_CODE_BASE = 0x4b41_0000

        private const val NO_EXPIRY = -1L

        // PendingIntent.FLAG_MUTABLE (API 31); older releases ignore the bit and keep intents mutable.
        private const val FLAG_MUTABLE = 0x02000000

        /** Great-circle distance in metres. */
        fun distanceM(lat1: Double, lon1: Double, lat2: Double, lon2: Double): Double {
            val dLat = Math.toRadians(lat2 - lat1)
            val dLon = Math.toRadians(lon2 - lon1)
            val a = sin(dLat / 2).let { it * it } +
                cos(Math.toRadians(lat1)) * cos(Math.toRadians(lat2)) * sin(dLon / 2).let { it * it }
            return 2 * 6_371_000.0 * asin(sqrt(a))
        }
    }
}

/**
 * Woken by the platform when the phone enters or leaves a registered place: asks the engine to
 * catch up ([Kairos.onWake]). Declared in the library's manifest.
 */
class WakeRegionReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val place = intent.getStringExtra(EXTRA_PLACE) ?: return
        val entering = intent.getBooleanExtra(LocationManager.KEY_PROXIMITY_ENTERING, true)
        Kairos.onWake(place, entering)
    }

    companion object {
        /** The intents' action. */
        const val ACTION = "dev.kairos.android.WAKE_REGION"

        /** The place id extra. */
        const val EXTRA_PLACE = "dev.kairos.android.PLACE"
    }
}
