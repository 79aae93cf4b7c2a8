package dev.kairos.android

import android.app.Notification
import android.app.NotificationManager
import android.app.PendingIntent
import android.app.Service
import android.content.Context
import android.content.Intent
import android.content.pm.ServiceInfo
import android.os.Build
import android.os.IBinder
import android.util.Log

/**
 * The ongoing notification of [KairosForegroundService]. The app owns the channel: it creates
 * [channelId] (its name and importance are the app's to choose, in the shopper's language) before
 * [KairosForegroundService.start]; Kairos never creates one behind the app's back.
 */
data class ForegroundNotice(
    /** The notification channel, created by the app beforehand (Android 8+). */
    val channelId: String,
    /** The notification's title ("Looking out for offers near you"). */
    val title: String,
    /** Its text. */
    val text: String,
    /** Its small icon, a drawable resource of the app. */
    val smallIcon: Int,
    /** What a tap on it opens (usually the app's main activity), or null for nothing. */
    val contentIntent: PendingIntent? = null,
    /** The notification's id, unique among the app's notifications; never 0 (Android refuses it). */
    val notificationId: Int = DEFAULT_ID,
) {
    init {
        require(channelId.isNotBlank()) { "ForegroundNotice.channelId is blank: give the id of a channel the app created" }
        require(notificationId != 0) { "ForegroundNotice.notificationId is 0, which Android refuses for a foreground service" }
    }

    internal fun build(context: Context): Notification =
        Notification.Builder(context, channelId)
            .setSmallIcon(smallIcon)
            .setContentTitle(title)
            .setContentText(text)
            .setOngoing(true)
            .setCategory(Notification.CATEGORY_SERVICE)
            .apply { contentIntent?.let(::setContentIntent) }
            .build()

    companion object {
        /** The notification id used unless the app gives one. */
        const val DEFAULT_ID = 0x4B41
    }
}

/** What [KairosForegroundService.start] did. */
enum class ForegroundStart {
    /** The service was asked to start; it posts the notice and tracks until [KairosForegroundService.stop]. */
    STARTED,

    /** Nothing started: Android refuses a location foreground service without precise location; ask first. */
    NEEDS_LOCATION_PERMISSION,
}

/**
 * Tracking in the foreground: a `location` foreground service that keeps Kairos's location
 * updates coming at the sensing plan's rate while the app is in the background, with the app's
 * ongoing notification ([ForegroundNotice]). Framework APIs only, no Play services.
 *
 * One call starts it (after [Kairos.initialize] or [Kairos.start], with precise location granted):
 *
 * ```kotlin
 * KairosForegroundService.start(context, ForegroundNotice("tracking", "Kairos is on", "Looking out for offers", R.drawable.ic_walk))
 * ```
 *
 * Starting it also starts tracking ([Kairos.startTracking]); [stop] stops both and removes the
 * notification. Without it, tracking still runs as Android allows an app in the background
 * (wake regions, jobs, and location updates throttled to a few an hour on Android 8+).
 * The library's manifest declares the service (`foregroundServiceType="location"`) and the
 * `FOREGROUND_SERVICE` and `FOREGROUND_SERVICE_LOCATION` permissions.
 */
class KairosForegroundService : Service() {
    override fun onBind(intent: Intent?): IBinder? = null

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        val notice = current
        if (notice == null || !KairosPermissions.status(this).canTrack) {
            // Restarted by the system after the app's process died, before the app started it again,
            // or the permission was revoked: nothing to show, so nothing may run in the foreground.
            Log.w(TAG, if (notice == null) "foreground service stopped: started without a notice" else "foreground service stopped: precise location was revoked")
            stopSelf(startId)
            return START_NOT_STICKY
        }
        val notification = notice.build(this)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
            startForeground(notice.notificationId, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_LOCATION)
        } else {
            startForeground(notice.notificationId, notification)
        }
        Kairos.startTracking()
        return START_STICKY
    }

    override fun onDestroy() {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.N) {
            stopForeground(STOP_FOREGROUND_REMOVE)
        } else {
            @Suppress("DEPRECATION")
            stopForeground(true)
        }
        super.onDestroy()
    }

    companion object {
        private const val TAG = "Kairos"

        /** The notice of the service started last (in memory: the app starts the service again after a restart). */
        @Volatile
        internal var current: ForegroundNotice? = null

        /**
         * Starts tracking in the foreground with [notice] as its ongoing notification. Throws
         * `IllegalStateException` when [Kairos.initialize] was not called, and
         * `IllegalArgumentException` when the app has not created [ForegroundNotice.channelId].
         */
        fun start(context: Context, notice: ForegroundNotice): ForegroundStart {
            if (!KairosPermissions.status(context).canTrack) return ForegroundStart.NEEDS_LOCATION_PERMISSION
            Kairos.status() // throws when Kairos is not initialized
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) {
                val channel = context.service<NotificationManager>().getNotificationChannel(notice.channelId)
                requireNotNull(channel) { "no notification channel \"${notice.channelId}\": create it (NotificationManager.createNotificationChannel) before KairosForegroundService.start" }
            }
            current = notice
            val intent = Intent(context, KairosForegroundService::class.java)
            if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) context.startForegroundService(intent) else context.startService(intent)
            return ForegroundStart.STARTED
        }

        /** Stops the foreground service and tracking ([Kairos.stopTracking]); the notification goes. */
        fun stop(context: Context) {
            current = null
            context.stopService(Intent(context, KairosForegroundService::class.java))
            Kairos.stopTracking()
        }
    }
}
