package dev.kairos.demo.tracking

import android.annotation.SuppressLint
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.location.LocationManager
import dev.kairos.EngineInterface
import dev.kairos.demo.logic.WakeRegionPlanner
import dev.kairos.demo.service

/**
 * Registers the nearest catalog places with the OS as proximity alerts (the platform's geofences,
 * `LocationManager.addProximityAlert`), so the OS wakes [GeofenceReceiver] near a shop.
 * Google Play services' `GeofencingClient` does the same with less battery; it is not on Maven
 * Central, and the demo sticks to the platform (see README).
 */
class WakeRegions(private val context: Context) {
    private val planner = WakeRegionPlanner(limit = LIMIT)
    private val locations = context.service<LocationManager>()
    private val registered = mutableListOf<PendingIntent>()

    /** Registers the nearest places again if the shopper moved far enough from the last registration. */
    @SuppressLint("MissingPermission") // Called from TrackingService, which runs only with location granted.
    @Synchronized
    fun refresh(engine: EngineInterface, lat: Double, lon: Double) {
        val plan = planner.planIfMoved(engine, lat, lon) ?: return
        registered.forEach(locations::removeProximityAlert)
        registered.clear()
        plan.regions.forEachIndexed { i, region ->
            val intent = Intent(context, GeofenceReceiver::class.java).putExtra(GeofenceReceiver.EXTRA_PLACE, region.id)
            // Mutable: the system adds KEY_PROXIMITY_ENTERING to the intent.
            val pending = PendingIntent.getBroadcast(context, i, intent, PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_MUTABLE)
            locations.addProximityAlert(region.lat, region.lon, region.radiusM.toFloat(), -1, pending)
            registered += pending
        }
    }

    companion object {
        /** Regions registered at once (the same as iOS's limit; see [WakeRegionPlanner]). */
        const val LIMIT = 20
    }
}
