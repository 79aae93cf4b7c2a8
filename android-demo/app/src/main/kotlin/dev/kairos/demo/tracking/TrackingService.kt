package dev.kairos.demo.tracking

import android.Manifest
import android.annotation.SuppressLint
import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.app.Service
import android.content.Context
import android.content.Intent
import android.content.pm.ServiceInfo
import android.hardware.Sensor
import android.hardware.SensorEvent
import android.hardware.SensorEventListener
import android.hardware.SensorManager
import android.location.Location
import android.location.LocationListener
import android.location.LocationManager
import android.os.Build
import android.os.IBinder
import android.os.Looper
import android.os.SystemClock
import dev.kairos.LocationFix
import dev.kairos.demo.KairosDemoApp
import dev.kairos.demo.logic.StepBuffer
import dev.kairos.demo.service
import dev.kairos.demo.ui.MainActivity
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import java.time.Instant

/**
 * The foreground service that runs while the shopper has tracking on: location from the platform
 * provider, steps from `TYPE_STEP_COUNTER`, a `tick` every few minutes, and the nearest catalog
 * places registered as wake regions as the shopper moves. Everything goes to the app's engine.
 */
class TrackingService : Service(), LocationListener, SensorEventListener {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
    private val steps = StepBuffer()
    private lateinit var wakeRegions: WakeRegions
    private var ticker: Job? = null

    private val app get() = application as KairosDemoApp

    override fun onBind(intent: Intent?): IBinder? = null

    override fun onCreate() {
        super.onCreate()
        wakeRegions = WakeRegions(this)
    }

    @SuppressLint("MissingPermission") // MainActivity starts the service only once location is granted.
    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
            startForeground(NOTIFICATION_ID, notification(), ServiceInfo.FOREGROUND_SERVICE_TYPE_LOCATION)
        } else {
            startForeground(NOTIFICATION_ID, notification())
        }
        val locations = service<LocationManager>()
        locations.requestLocationUpdates(provider(locations), INTERVAL_MS, MIN_DISTANCE_M, this, Looper.getMainLooper())
        val sensors = service<SensorManager>()
        sensors.getDefaultSensor(Sensor.TYPE_STEP_COUNTER)?.let {
            // Let the hardware batch readings for up to a minute: fewer wake-ups.
            sensors.registerListener(this, it, SensorManager.SENSOR_DELAY_NORMAL, 60_000_000)
        }
        if (ticker == null) {
            ticker = scope.launch {
                while (isActive) {
                    runCatching { app.engine.tick(Instant.now()) }
                    delay(TICK_MS)
                }
            }
        }
        return START_STICKY
    }

    override fun onDestroy() {
        service<LocationManager>().removeUpdates(this)
        service<SensorManager>().unregisterListener(this)
        val last = steps.drain()
        scope.launch { if (last.isNotEmpty()) app.engine.recordStepSamples(last) }
        scope.launch { scope.cancel() }
        super.onDestroy()
    }

    override fun onLocationChanged(location: Location) = onLocationChanged(listOf(location))

    override fun onLocationChanged(locations: List<Location>) {
        val fixes = locations.filter { it.hasAccuracy() }.map {
            LocationFix(
                Instant.ofEpochMilli(it.time), it.latitude, it.longitude, it.accuracy.toDouble(),
                if (it.hasSpeed()) it.speed.toDouble() else null,
            )
        }
        if (fixes.isEmpty()) return
        val last = fixes.last()
        scope.launch {
            app.engine.recordLocationsAsync(fixes)
            wakeRegions.refresh(app.engine, last.lat, last.lon)
        }
    }

    override fun onSensorChanged(event: SensorEvent) {
        val batch = steps.add(event.values[0].toLong(), event.timestamp, SystemClock.elapsedRealtimeNanos(), Instant.now())
        if (batch.isNotEmpty()) scope.launch { app.engine.recordStepSamples(batch) }
    }

    override fun onAccuracyChanged(sensor: Sensor, accuracy: Int) = Unit

    private fun provider(locations: LocationManager): String =
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S && locations.hasProvider(LocationManager.FUSED_PROVIDER)) {
            LocationManager.FUSED_PROVIDER
        } else {
            LocationManager.GPS_PROVIDER
        }

    private fun notification(): Notification {
        val manager = service<NotificationManager>()
        manager.createNotificationChannel(NotificationChannel(CHANNEL, "Tracking", NotificationManager.IMPORTANCE_LOW))
        val open = PendingIntent.getActivity(this, 0, Intent(this, MainActivity::class.java), PendingIntent.FLAG_IMMUTABLE)
        return Notification.Builder(this, CHANNEL)
            .setSmallIcon(android.R.drawable.ic_menu_mylocation)
            .setContentTitle("Kairos is on")
            .setContentText("Counting steps and looking out for offers near you.")
            .setContentIntent(open)
            .setOngoing(true)
            .build()
    }

    companion object {
        private const val CHANNEL = "tracking"
        private const val NOTIFICATION_ID = 1
        private const val INTERVAL_MS = 15_000L
        private const val MIN_DISTANCE_M = 10f
        private const val TICK_MS = 5 * 60_000L

        /** The permission tracking needs (checked by the caller). */
        const val PERMISSION = Manifest.permission.ACCESS_FINE_LOCATION

        /** Starts tracking. */
        fun start(context: Context) = context.startForegroundService(Intent(context, TrackingService::class.java))

        /** Stops tracking. */
        fun stop(context: Context) = context.stopService(Intent(context, TrackingService::class.java))
    }
}
