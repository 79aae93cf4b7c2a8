package dev.kairos.android

import android.Manifest
import android.app.NotificationManager
import android.content.Context
import android.content.pm.PackageManager
import android.os.Build

/** Which location the shopper granted. */
enum class LocationAccess {
    /** Neither fine nor coarse: Kairos cannot track. */
    NONE,

    /** Coarse only ("approximate", Android 12+): about 2 km, too coarse for fences; visits and offers stay off. */
    APPROXIMATE,

    /** Fine ("precise"). */
    PRECISE,
}

/** The permissions Kairos uses, as granted now ([KairosPermissions.status]). */
data class PermissionStatus(
    /** Location, in the foreground. */
    val location: LocationAccess,
    /** Location in the background ("Allow all the time"; implied before Android 10). */
    val background: Boolean,
    /** Notifications may be shown (`POST_NOTIFICATIONS` on Android 13+, and not blocked in Settings). */
    val notifications: Boolean,
    /** Steps may be counted (`ACTIVITY_RECOGNITION` on Android 10+; implied before). */
    val activityRecognition: Boolean,
) {
    /** Whether fences, visits and offers can work: precise location. */
    val canTrack: Boolean get() = location == LocationAccess.PRECISE

    /** Whether they keep working with the app in the background. */
    val canTrackInBackground: Boolean get() = canTrack && background
}

/**
 * The permission status as an API, and what to request. Android asks in two steps: first
 * [foreground] (fine and coarse together, as Android 12 requires, with activity recognition and
 * notifications), then, after the app has explained why, [background] (on Android 11+ through
 * Settings, "Allow all the time").
 */
object KairosPermissions {
    /** The status in [context] now. */
    fun status(context: Context): PermissionStatus {
        fun granted(permission: String) = context.checkSelfPermission(permission) == PackageManager.PERMISSION_GRANTED
        val location = when {
            granted(Manifest.permission.ACCESS_FINE_LOCATION) -> LocationAccess.PRECISE
            granted(Manifest.permission.ACCESS_COARSE_LOCATION) -> LocationAccess.APPROXIMATE
            else -> LocationAccess.NONE
        }
        val sdk = Build.VERSION.SDK_INT
        val background = location != LocationAccess.NONE &&
            (sdk < Build.VERSION_CODES.Q || granted(Manifest.permission.ACCESS_BACKGROUND_LOCATION))
        val notificationsAllowed = context.getSystemService(NotificationManager::class.java)?.areNotificationsEnabled() == true
        val notifications = notificationsAllowed &&
            (sdk < Build.VERSION_CODES.TIRAMISU || granted(Manifest.permission.POST_NOTIFICATIONS))
        val activity = sdk < Build.VERSION_CODES.Q || granted(Manifest.permission.ACTIVITY_RECOGNITION)
        return PermissionStatus(location, background, notifications, activity)
    }

    /** The first request: fine with coarse, activity recognition (10+), notifications (13+). */
    fun foreground(): Array<String> = buildList {
        add(Manifest.permission.ACCESS_FINE_LOCATION)
        add(Manifest.permission.ACCESS_COARSE_LOCATION)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) add(Manifest.permission.ACTIVITY_RECOGNITION)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) add(Manifest.permission.POST_NOTIFICATIONS)
    }.toTypedArray()

    /** The second request, once the foreground one is granted: background location (10+; empty before). */
    fun background(): Array<String> =
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) arrayOf(Manifest.permission.ACCESS_BACKGROUND_LOCATION) else emptyArray()
}
