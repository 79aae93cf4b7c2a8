package dev.kairos.android

import android.Manifest
import android.app.NotificationManager
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35])
class PermissionsTest {
    @Test
    fun nothing_granted_is_no_location_and_nothing_else() {
        val status = KairosPermissions.status(app)
        assertEquals(PermissionStatus(LocationAccess.NONE, background = false, notifications = false, activityRecognition = false), status)
        assertFalse(status.canTrack)
    }

    @Test
    fun coarse_only_is_approximate_and_cannot_track() {
        shadowOf(app).grantPermissions(Manifest.permission.ACCESS_COARSE_LOCATION)
        val status = KairosPermissions.status(app)
        assertEquals(LocationAccess.APPROXIMATE, status.location)
        assertFalse(status.canTrack)
    }

    @Test
    fun fine_with_background_activity_and_notifications_is_everything() {
        shadowOf(app).grantPermissions(
            Manifest.permission.ACCESS_FINE_LOCATION,
            Manifest.permission.ACCESS_COARSE_LOCATION,
            Manifest.permission.ACCESS_BACKGROUND_LOCATION,
            Manifest.permission.ACTIVITY_RECOGNITION,
            Manifest.permission.POST_NOTIFICATIONS,
        )
        val status = KairosPermissions.status(app)
        assertEquals(PermissionStatus(LocationAccess.PRECISE, background = true, notifications = true, activityRecognition = true), status)
        assertTrue(status.canTrackInBackground)
    }

    @Test
    fun notifications_blocked_in_settings_are_not_allowed_even_when_the_permission_is_granted() {
        shadowOf(app).grantPermissions(Manifest.permission.POST_NOTIFICATIONS)
        shadowOf(app.service<NotificationManager>()).setNotificationsEnabled(false)
        assertFalse(KairosPermissions.status(app).notifications)
    }

    @Test
    fun the_first_request_asks_fine_with_coarse_and_background_comes_second() {
        val first = KairosPermissions.foreground().toList()
        assertTrue(Manifest.permission.ACCESS_FINE_LOCATION in first && Manifest.permission.ACCESS_COARSE_LOCATION in first)
        assertFalse(Manifest.permission.ACCESS_BACKGROUND_LOCATION in first)
        assertEquals(listOf(Manifest.permission.ACCESS_BACKGROUND_LOCATION), KairosPermissions.background().toList())
    }
}
