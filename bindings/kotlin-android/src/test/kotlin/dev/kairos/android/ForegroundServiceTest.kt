package dev.kairos.android

import android.Manifest
import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.job.JobScheduler
import android.content.Intent
import android.location.LocationManager
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ServiceController
import org.robolectric.annotation.Config

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35])
class ForegroundServiceTest {
    private val fused = LocationManager.FUSED_PROVIDER
    private val notice = ForegroundNotice("tracking", "Kairos is on", "Looking out for offers near you", android.R.drawable.ic_menu_mylocation)

    @Before
    fun theAppsChannel() {
        app.service<NotificationManager>().createNotificationChannel(NotificationChannel("tracking", "Tracking", NotificationManager.IMPORTANCE_LOW))
    }

    @After
    fun forget() {
        Kairos.resetForTests()
        app.getSharedPreferences("dev.kairos.android", 0).edit().clear().commit()
    }

    private fun initializeWithPrecise() {
        addFusedProvider()
        shadowOf(app).grantPermissions(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
        Kairos.initialize(app, testConfig())
    }

    /** The app's one call, then the system creating the service it asked for. */
    private fun startService(): ServiceController<KairosForegroundService> {
        assertEquals(ForegroundStart.STARTED, KairosForegroundService.start(app, notice))
        val asked = assertNotNull(shadowOf(app).nextStartedService, "a service was started")
        assertEquals(KairosForegroundService::class.java.name, asked.component?.className)
        return Robolectric.buildService(KairosForegroundService::class.java, asked).create().startCommand(0, 1)
    }

    @Test
    fun start_runs_the_service_in_the_foreground_with_the_apps_notice_on_its_channel() {
        initializeWithPrecise()
        val service = startService().get()
        val posted = assertNotNull(shadowOf(service).lastForegroundNotification, "a foreground notification")
        assertEquals(ForegroundNotice.DEFAULT_ID, shadowOf(service).lastForegroundNotificationId)
        assertEquals("tracking", posted.channelId)
        assertEquals("Kairos is on", posted.extras.getString(Notification.EXTRA_TITLE))
        assertTrue(posted.flags and Notification.FLAG_ONGOING_EVENT != 0, "ongoing")
        assertEquals(android.content.pm.ServiceInfo.FOREGROUND_SERVICE_TYPE_LOCATION, service.foregroundServiceType)
    }

    @Test
    fun while_it_runs_locations_reach_the_engine_as_fixes() {
        initializeWithPrecise()
        startService()
        assertTrue(Kairos.status().tracking)
        assertEquals(1, shadowOf(locationManager).getLocationRequests(fused).size, "updates requested")
        shadowOf(locationManager).simulateLocation(location(fused, Mall.LAT, Mall.LON, accuracy = 12f))
        idleMain()
        val now = Instant.now()
        val fixes = runBlocking { Kairos.engine() }.rawFixes(now.minusSeconds(300), now.plusSeconds(5))
        assertEquals(1, fixes.size)
        assertEquals(12.0, fixes[0].accuracyM)
    }

    @Test
    fun stop_removes_the_notification_and_stops_updates_and_jobs() {
        initializeWithPrecise()
        val controller = startService()
        KairosForegroundService.stop(app)
        assertEquals(KairosForegroundService::class.java.name, shadowOf(app).nextStoppedService?.component?.className)
        controller.destroy() // the system, on stopService
        val service = controller.get()
        assertTrue(shadowOf(service).isForegroundStopped)
        assertTrue(shadowOf(service).notificationShouldRemoved, "the notification goes with the service")
        assertTrue(shadowOf(locationManager).getLocationRequests(fused).isEmpty())
        assertTrue(app.service<JobScheduler>().allPendingJobs.isEmpty())
        assertTrue(!Kairos.status().tracking)
    }

    @Test
    fun without_precise_location_nothing_starts() {
        shadowOf(app).grantPermissions(Manifest.permission.ACCESS_COARSE_LOCATION)
        Kairos.initialize(app, testConfig())
        assertEquals(ForegroundStart.NEEDS_LOCATION_PERMISSION, KairosForegroundService.start(app, notice))
        assertNull(shadowOf(app).nextStartedService)
    }

    @Test
    fun a_channel_the_app_did_not_create_is_refused_by_name() {
        initializeWithPrecise()
        val refused = assertFailsWith<IllegalArgumentException> { KairosForegroundService.start(app, notice.copy(channelId = "nope")) }
        assertTrue("\"nope\"" in refused.message!!, refused.message)
        assertNull(shadowOf(app).nextStartedService)
    }

    @Test
    fun restarted_by_the_system_without_the_app_it_stops_itself_without_tracking() {
        initializeWithPrecise()
        // A sticky restart after the process died: a null intent, and the app has not started it again.
        val service = Robolectric.buildService(KairosForegroundService::class.java, null as Intent?).create().startCommand(0, 1).get()
        assertTrue(shadowOf(service).isStoppedBySelf)
        assertNull(shadowOf(service).lastForegroundNotification)
        assertTrue(shadowOf(locationManager).getLocationRequests(fused).isEmpty())
    }
}
