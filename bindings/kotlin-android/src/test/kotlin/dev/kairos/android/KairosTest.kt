package dev.kairos.android

import android.Manifest
import android.app.PendingIntent
import android.app.job.JobScheduler
import android.content.Intent
import android.hardware.Sensor
import android.hardware.SensorManager
import android.location.LocationManager
import android.location.LocationRequest
import android.os.SystemClock
import dev.kairos.KairosEvent
import dev.kairos.SensingAccuracy
import dev.kairos.SensingReason
import java.time.Duration
import java.time.Instant
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.SensorEventBuilder
import org.robolectric.shadows.ShadowLog
import org.robolectric.shadows.ShadowSensor

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35])
class KairosTest {
    private val fused = LocationManager.FUSED_PROVIDER

    private fun startWithPrecise(config: KairosConfig = testConfig()) {
        addFusedProvider()
        shadowOf(app).grantPermissions(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
        Kairos.start(app, config)
    }

    @After
    fun forget() {
        Kairos.resetForTests()
        app.getSharedPreferences("dev.kairos.android", 0).edit().clear().commit()
    }

    @Test
    fun start_requests_fused_updates_and_the_locations_reach_the_engine_as_fixes() {
        startWithPrecise()
        val requests = shadowOf(locationManager).getLocationRequests(fused)
        assertEquals(1, requests.size, "one request on the fused provider")
        // The engine's plan (asked for at start) replaces the initial settings.
        assertEquals(Kairos.status().location!!.intervalMs, requests.last().intervalMillis)

        shadowOf(locationManager).simulateLocation(location(fused, Mall.LAT, Mall.LON, accuracy = 9f, speed = 1.2f))
        idleMain()
        val engine = runBlocking { Kairos.engine() }
        val now = Instant.now()
        val fixes = engine.rawFixes(now.minus(Duration.ofMinutes(5)), now.plusSeconds(5))
        assertEquals(1, fixes.size)
        assertEquals(9.0, fixes[0].accuracyM)
        assertEquals(1.2, fixes[0].speedMps!!, 1e-6)
        assertEquals(Mall.LAT, fixes[0].lat, 1e-9)
    }

    @Test
    fun without_a_fused_provider_updates_come_from_gps_and_network() {
        shadowOf(app).grantPermissions(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
        Kairos.start(app, testConfig())
        assertTrue(shadowOf(locationManager).getLocationRequests(fused).isEmpty())
        assertEquals(1, shadowOf(locationManager).getLocationRequests(LocationManager.GPS_PROVIDER).size)
        assertEquals(1, shadowOf(locationManager).getLocationRequests(LocationManager.NETWORK_PROVIDER).size)
        shadowOf(locationManager).simulateLocation(location(LocationManager.GPS_PROVIDER, Mall.LAT, Mall.LON))
        idleMain()
        val now = Instant.now()
        assertEquals(1, runBlocking { Kairos.engine() }.rawFixes(now.minusSeconds(300), now.plusSeconds(5)).size)
    }

    @Test
    fun a_location_without_accuracy_is_dropped_and_counted_not_recorded() {
        startWithPrecise()
        shadowOf(locationManager).simulateLocation(location(fused, Mall.LAT, Mall.LON, accuracy = null))
        idleMain()
        assertEquals(1, Kairos.status().fixesWithoutAccuracy)
        val now = Instant.now()
        assertEquals(0, runBlocking { Kairos.engine() }.rawFixes(now.minusSeconds(300), now.plusSeconds(5)).size)
    }

    @Test
    fun the_nearest_catalog_places_are_registered_as_proximity_alerts_after_a_fix() {
        startWithPrecise()
        runBlocking { Kairos.engine() }.loadCatalog(Mall.envelope, Instant.parse("2026-11-24T18:00:00Z"))
        assertTrue(Kairos.status().wakeRegions.isEmpty(), "no fix yet, no regions")

        shadowOf(locationManager).simulateLocation(location(fused, Mall.LAT, Mall.LON))
        idleMain()
        val regions = Kairos.status().wakeRegions
        assertTrue(regions.isNotEmpty() && regions.size <= 20, "$regions")
        assertEquals(Mall.BOUTIQUE, regions[0].placeId, "nearest first")
        regions.forEachIndexed { i, region ->
            val intent = Intent(app, WakeRegionReceiver::class.java).setAction(WakeRegionReceiver.ACTION)
            val pending = PendingIntent.getBroadcast(app, WakeRegions.REQUEST_CODE_BASE + i, intent, PendingIntent.FLAG_NO_CREATE or PendingIntent.FLAG_MUTABLE)
            assertNotNull(pending, "alert $i (${region.placeId}) registered")
            assertEquals(region.placeId, shadowOf(pending).savedIntent.getStringExtra(WakeRegionReceiver.EXTRA_PLACE))
        }
    }

    @Test
    fun a_sensing_plan_sets_the_request_quality_and_interval_and_one_out_of_range_changes_nothing() {
        startWithPrecise()
        val plan = KairosEvent.SensingPlanChanged(Instant.now(), SensingAccuracy.HIGH, 5_000, 10.0, true, SensingReason.NEAR_BOUNDARY, false)
        Kairos.onPlan(plan)
        val high = shadowOf(locationManager).getLocationRequests(fused).single()
        assertEquals(LocationRequest.QUALITY_HIGH_ACCURACY, high.quality)
        assertEquals(5_000, high.intervalMillis)
        assertEquals(LocationSettings(LocationAccuracy.HIGH, 5_000, 10f), Kairos.status().location)

        Kairos.onPlan(plan.copy(accuracy = SensingAccuracy.LOW, intervalMs = 0))
        assertEquals(LocationAccuracy.HIGH, Kairos.status().location!!.accuracy)
        assertTrue(ShadowLog.getLogsForTag("Kairos").any { "interval 0 ms" in it.msg && "out of range" in it.msg })
    }

    @Test
    fun step_counter_readings_reach_the_engine_as_steps() {
        val sensors = app.service<SensorManager>()
        val counter = ShadowSensor.newInstance(Sensor.TYPE_STEP_COUNTER)
        shadowOf(sensors).addSensor(counter)
        startWithPrecise()
        assertTrue(Kairos.status().stepCounter)

        val now = SystemClock.elapsedRealtimeNanos()
        fun reading(count: Float, agoS: Long) = SensorEventBuilder.newBuilder().setSensor(counter)
            .setValues(floatArrayOf(count)).setTimestamp(now - agoS * 1_000_000_000).build()
        shadowOf(sensors).sendSensorEventToListeners(reading(10_000f, 120))
        shadowOf(sensors).sendSensorEventToListeners(reading(10_240f, 60))
        assertEquals(240, runBlocking { Kairos.engine() }.today(Instant.now()).steps)
    }

    @Test
    fun tick_and_sync_are_scheduled_as_persisted_jobs_and_sync_waits_for_a_network() {
        startWithPrecise(testConfig(sync = dev.kairos.SyncOptions(baseUrl = "https://kairos.example")))
        val jobs = app.service<JobScheduler>().allPendingJobs.associateBy { it.id }
        val ids = JobIds()
        val tick = jobs.getValue(ids.tick)
        assertTrue(tick.isPeriodic && tick.isPersisted)
        assertEquals(TimeUnit.MINUTES.toMillis(15), tick.intervalMillis)
        val sync = jobs.getValue(ids.sync)
        assertTrue(sync.isPeriodic && sync.isPersisted)
        assertEquals(TimeUnit.HOURS.toMillis(24), sync.intervalMillis)
        assertNotNull(sync.requiredNetwork, "sync needs a network")

        val done = CountDownLatch(1)
        var failed: Boolean? = null
        assertTrue(Kairos.runJob(KairosJob.TICK) { failed = it; done.countDown() })
        assertTrue(done.await(30, TimeUnit.SECONDS))
        assertEquals(false, failed)
    }

    @Test
    fun stop_tracking_cancels_the_jobs_and_the_updates() {
        startWithPrecise()
        Kairos.stopTracking()
        assertTrue(app.service<JobScheduler>().allPendingJobs.isEmpty())
        assertTrue(shadowOf(locationManager).getLocationRequests(fused).isEmpty())
        assertFalse(Kairos.status().tracking)
    }

    @Test
    fun after_a_reboot_the_boot_receiver_re_arms_tracking_that_was_on() {
        val config = testConfig()
        startWithPrecise(config)
        runBlocking { Kairos.engine() }.loadCatalog(Mall.envelope, Instant.parse("2026-11-24T18:00:00Z"))
        shadowOf(locationManager).setLastKnownLocation(fused, location(fused, Mall.LAT, Mall.LON))
        // The reboot: the process and everything the platform held for it are gone.
        Kairos.resetForTests()
        assertTrue(shadowOf(locationManager).getLocationRequests(fused).isEmpty())
        Kairos.initialize(app, config) // Application.onCreate
        assertTrue(Kairos.status().wakeRegions.isEmpty())

        BootReceiver().onReceive(app, Intent(Intent.ACTION_BOOT_COMPLETED))
        assertEquals(1, shadowOf(locationManager).getLocationRequests(fused).size)
        assertEquals(Mall.BOUTIQUE, Kairos.status().wakeRegions.firstOrNull()?.placeId, "regions registered again from the last known position")
        assertNotNull(app.service<JobScheduler>().getPendingJob(JobIds().tick))
    }

    @Test
    fun after_a_reboot_tracking_that_was_stopped_stays_off() {
        val config = testConfig()
        startWithPrecise(config)
        Kairos.stopTracking()
        Kairos.resetForTests()
        Kairos.initialize(app, config)
        BootReceiver().onReceive(app, Intent(Intent.ACTION_BOOT_COMPLETED))
        assertTrue(shadowOf(locationManager).getLocationRequests(fused).isEmpty())
    }

    @Test
    fun a_time_zone_change_moves_the_engine_to_the_new_zone() {
        startWithPrecise()
        val morningInParis = Instant.parse("2026-11-25T07:30:00Z")
        val engine = runBlocking { Kairos.engine() }
        assertEquals(24, engine.today(morningInParis).day.day, "opened in Los Angeles")
        TimeZoneReceiver().onReceive(app, Intent(Intent.ACTION_TIMEZONE_CHANGED).putExtra(Intent.EXTRA_TIMEZONE, "Europe/Paris"))
        assertEquals(25, engine.today(morningInParis).day.day)
    }

    @Test
    fun without_precise_location_tracking_waits_and_says_why() {
        shadowOf(app).grantPermissions(Manifest.permission.ACCESS_COARSE_LOCATION)
        Kairos.start(app, testConfig())
        assertTrue(shadowOf(locationManager).getLocationRequests(fused).isEmpty())
        assertTrue(ShadowLog.getLogsForTag("Kairos").any { "waits for precise location" in it.msg })
        assertEquals(LocationAccess.APPROXIMATE, Kairos.status().permissions.location)
    }
}
