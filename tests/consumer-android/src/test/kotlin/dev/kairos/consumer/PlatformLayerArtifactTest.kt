package dev.kairos.consumer

import android.Manifest
import android.app.Application
import android.app.NotificationChannel
import android.app.NotificationManager
import android.location.Criteria
import android.location.Location
import android.location.LocationManager
import android.os.Looper
import android.os.SystemClock
import dev.kairos.android.ForegroundNotice
import dev.kairos.android.ForegroundStart
import dev.kairos.android.Kairos
import dev.kairos.android.KairosConfig
import dev.kairos.android.KairosForegroundService
import java.io.File
import java.time.Instant
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.shadows.ShadowLocationManager

/** dev.kairos:kairos-android as an app takes it: the AAR's classes under Robolectric, its manifest and rules. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35])
class PlatformLayerArtifactTest {
    private val app: Application get() = RuntimeEnvironment.getApplication()
    private val aars = File(System.getProperty("kairos.aar.dir") ?: error("kairos.aar.dir is not set"))

    @Test
    fun the_foreground_service_started_in_one_call_feeds_platform_locations_to_the_engine() {
        val locations = app.getSystemService(LocationManager::class.java)!!
        val fused = LocationManager.FUSED_PROVIDER
        shadowOf(locations).setProviderProperties(
            fused, ShadowLocationManager.ProviderProperties(false, false, false, false, true, true, true, Criteria.POWER_LOW, Criteria.ACCURACY_FINE),
        )
        shadowOf(locations).setProviderEnabled(fused, true)
        shadowOf(app).grantPermissions(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
        app.getSystemService(NotificationManager::class.java)!!
            .createNotificationChannel(NotificationChannel("tracking", "Tracking", NotificationManager.IMPORTANCE_LOW))

        Kairos.initialize(app, KairosConfig(Shop.config(), executor = { it.run() }))
        val started = KairosForegroundService.start(app, ForegroundNotice("tracking", "Kairos is on", "Offers near you", android.R.drawable.ic_menu_mylocation))
        assertEquals(ForegroundStart.STARTED, started)
        val intent = assertNotNull(shadowOf(app).nextStartedService)
        val service = Robolectric.buildService(KairosForegroundService::class.java, intent).create().startCommand(0, 1).get()
        assertNotNull(shadowOf(service).lastForegroundNotification)

        shadowOf(locations).simulateLocation(Location(fused).apply {
            latitude = Shop.CAFE_LAT
            longitude = Shop.CAFE_LON
            accuracy = 9f
            time = System.currentTimeMillis()
            elapsedRealtimeNanos = SystemClock.elapsedRealtimeNanos()
        })
        shadowOf(Looper.getMainLooper()).idle()
        val now = Instant.now()
        assertEquals(1, runBlocking { Kairos.engine() }.rawFixes(now.minusSeconds(300), now.plusSeconds(5)).size)
        KairosForegroundService.stop(app)
        assertTrue(!Kairos.status().tracking)
    }

    @Test
    fun the_aar_declares_its_components_and_permissions_and_keeps_them_from_r8() {
        val manifest = File(aars, "kairos-android/AndroidManifest.xml").readText()
        for (declared in listOf(
            "dev.kairos.android.KairosForegroundService", "android:foregroundServiceType=\"location\"",
            "android.permission.FOREGROUND_SERVICE_LOCATION", "dev.kairos.android.BootReceiver", "dev.kairos.android.KairosJobService",
        )) {
            assertTrue(declared in manifest, "the layer's manifest lacks $declared")
        }
        val rules = File(aars, "kairos-android/proguard.txt").readText()
        assertTrue("-keep class dev.kairos.android.KairosForegroundService" in rules, rules)
        assertTrue("-keep class com.sun.jna.** { *; }" in File(aars, "kairos/proguard.txt").readText())
    }
}
