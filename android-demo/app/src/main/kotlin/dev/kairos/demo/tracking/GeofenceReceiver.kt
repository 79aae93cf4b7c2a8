package dev.kairos.demo.tracking

import android.annotation.SuppressLint
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.location.LocationManager
import android.os.Build
import android.os.CancellationSignal
import dev.kairos.LocationFix
import dev.kairos.demo.KairosDemoApp
import dev.kairos.demo.service
import kotlinx.coroutines.launch
import java.time.Instant

/**
 * The OS says the phone crossed a wake region: get a fresh fix and give it to the engine, which
 * decides for itself (fences, dwell, caps) whether an offer fires.
 */
class GeofenceReceiver : BroadcastReceiver() {
    @SuppressLint("MissingPermission") // Regions are only registered with location granted.
    override fun onReceive(context: Context, intent: Intent) {
        val app = context.applicationContext as KairosDemoApp
        val locations = context.service<LocationManager>()
        val pending = goAsync()
        fun record(location: android.location.Location?) {
            app.scope.launch {
                try {
                    if (location != null && location.hasAccuracy()) {
                        app.engine.recordLocationsAsync(
                            listOf(LocationFix(Instant.ofEpochMilli(location.time), location.latitude, location.longitude, location.accuracy.toDouble(), null)),
                        )
                    }
                } finally {
                    pending.finish()
                }
            }
        }
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.R) {
            locations.getCurrentLocation(LocationManager.GPS_PROVIDER, CancellationSignal(), context.mainExecutor, ::record)
        } else {
            record(locations.getLastKnownLocation(LocationManager.GPS_PROVIDER))
        }
    }

    companion object {
        /** The catalog place whose region was crossed. */
        const val EXTRA_PLACE = "place_id"
    }
}
