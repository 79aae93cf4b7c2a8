package dev.kairos.android

import android.annotation.SuppressLint
import android.location.Location
import android.location.LocationListener
import android.location.LocationManager
import android.location.LocationRequest
import android.os.Build
import android.os.Looper
import java.util.concurrent.Executor

/** How hard the location provider should work, from the engine's sensing plan. */
enum class LocationAccuracy {
    /** Satellite fixes: near a fence, or while a visit may start. */
    HIGH,

    /** Wi-Fi and cell, satellites now and then: moving about town. */
    BALANCED,

    /** Wi-Fi and cell only: far from every fence. */
    LOW,

    /** Only fixes other apps asked for: at home, at night. */
    PASSIVE,
}

/** What the platform layer asks of the location provider. */
data class LocationSettings(
    /** How hard the provider works. */
    val accuracy: LocationAccuracy,
    /** Time between fixes, in milliseconds. */
    val intervalMs: Long,
    /** No fix until the phone moved this far, in metres. */
    val minDisplacementM: Float,
)

/**
 * Location updates from the platform's `LocationManager` (no Play services): the fused provider
 * where the platform has one (Android 12+, `FUSED_PROVIDER`), with the plan's quality; GPS and
 * network otherwise (network alone for [LocationAccuracy.LOW], the passive provider for
 * [LocationAccuracy.PASSIVE]). Each batch goes to [onLocations] on the main looper.
 */
internal class LocationTracker(
    private val manager: LocationManager,
    private val onLocations: (List<Location>) -> Unit,
) : LocationListener {
    /** The settings in force, or null when stopped. */
    @Volatile
    var settings: LocationSettings? = null
        private set

    /** The providers [settings] use on this device. */
    fun providers(settings: LocationSettings): List<String> {
        val all = manager.allProviders
        if (settings.accuracy == LocationAccuracy.PASSIVE) return listOf(LocationManager.PASSIVE_PROVIDER).filter(all::contains)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S && LocationManager.FUSED_PROVIDER in all) {
            return listOf(LocationManager.FUSED_PROVIDER)
        }
        val wanted = when (settings.accuracy) {
            LocationAccuracy.LOW -> listOf(LocationManager.NETWORK_PROVIDER)
            else -> listOf(LocationManager.GPS_PROVIDER, LocationManager.NETWORK_PROVIDER)
        }
        return wanted.filter(all::contains)
    }

    /** (Re)starts updates with [settings]; needs a location permission (the caller checked). */
    @SuppressLint("MissingPermission")
    @Synchronized
    fun start(settings: LocationSettings) {
        manager.removeUpdates(this)
        for (provider in providers(settings)) {
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
                val request = LocationRequest.Builder(settings.intervalMs)
                    .setQuality(quality(settings.accuracy))
                    .setMinUpdateDistanceMeters(settings.minDisplacementM)
                    .build()
                manager.requestLocationUpdates(provider, request, mainExecutor, this)
            } else {
                manager.requestLocationUpdates(provider, settings.intervalMs, settings.minDisplacementM, this, Looper.getMainLooper())
            }
        }
        this.settings = settings
    }

    /** Stops every update. */
    @Synchronized
    fun stop() {
        manager.removeUpdates(this)
        settings = null
    }

    override fun onLocationChanged(location: Location) = onLocations(listOf(location))

    override fun onLocationChanged(locations: List<Location>) = onLocations(locations)

    // Before Android 11 these were abstract: providers coming and going need nothing here.
    @Deprecated("Deprecated in Java")
    override fun onStatusChanged(provider: String?, status: Int, extras: android.os.Bundle?) = Unit

    override fun onProviderEnabled(provider: String) = Unit

    override fun onProviderDisabled(provider: String) = Unit

    private val mainExecutor = Executor { android.os.Handler(Looper.getMainLooper()).post(it) }

    private fun quality(accuracy: LocationAccuracy): Int = when (accuracy) {
        LocationAccuracy.HIGH -> LocationRequest.QUALITY_HIGH_ACCURACY
        LocationAccuracy.BALANCED -> LocationRequest.QUALITY_BALANCED_POWER_ACCURACY
        LocationAccuracy.LOW, LocationAccuracy.PASSIVE -> LocationRequest.QUALITY_LOW_POWER
    }
}
