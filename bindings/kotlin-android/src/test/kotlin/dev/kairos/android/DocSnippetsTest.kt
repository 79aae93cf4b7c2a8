package dev.kairos.android

import android.Manifest
import android.app.Activity
import android.app.Application
import android.content.Context
import dev.kairos.CatalogKey
import dev.kairos.EngineConfig
import dev.kairos.KairosEvent
import dev.kairos.KairosLog
import java.time.ZoneId
import kotlin.test.assertTrue
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

// The Android quickstart of docs/bindings.md ("Quickstart on the platform layer"), compiled here
// and run by the test below: the app's Application and Activity.

/** The app's key (docs/bindings.md, "The sealing key"): a stand-in. */
fun sealingKey(context: Context): ByteArray = ByteArray(32) { 7 }

/** The keys that sign the app's catalogs: a stand-in. */
val catalogKeys: List<CatalogKey> get() = listOf(Mall.key)

// doc: android-quickstart-application
class ShopApp : Application() {
    override fun onCreate() {
        super.onCreate()
        KairosLog.install()
        Kairos.start(this, KairosConfig(EngineConfig(
            dataDir = filesDir.resolve("kairos").path,
            timeZone = ZoneId.systemDefault().id,
            sealingKey = sealingKey(this),
            catalogKeys = catalogKeys,
        )))
    }
}
// end doc

val shown = mutableListOf<String>()

fun showOffer(title: String) {
    shown += title
}

// doc: android-quickstart-activity
class ShopActivity : Activity() {
    private val scope = MainScope()

    override fun onStart() {
        super.onStart()
        if (!Kairos.permissions(this).canTrack) requestPermissions(KairosPermissions.foreground(), 1)
        scope.launch {
            Kairos.events.collect { if (it is KairosEvent.OfferTriggered) showOffer(it.title) }
        }
    }

    override fun onRequestPermissionsResult(code: Int, permissions: Array<String>, results: IntArray) {
        if (Kairos.permissions(this).canTrack) Kairos.startTracking()
    }
}
// end doc

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], application = ShopApp::class)
class DocSnippetsTest {
    @After
    fun forget() {
        Kairos.resetForTests()
        app.getSharedPreferences("dev.kairos.android", 0).edit().clear().commit()
    }

    @Test
    fun the_quickstart_opens_the_engine_asks_for_precise_location_then_tracks() {
        // ShopApp.onCreate ran: the engine opens on Kairos's thread.
        runBlocking { Kairos.engine() }
        val activity = Robolectric.buildActivity(ShopActivity::class.java).setup().get()
        val asked = shadowOf(activity).lastRequestedPermission
        assertTrue(Manifest.permission.ACCESS_FINE_LOCATION in asked.requestedPermissions)

        addFusedProvider()
        shadowOf(app).grantPermissions(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION)
        activity.onRequestPermissionsResult(1, asked.requestedPermissions, intArrayOf(0, 0))
        // Kairos's thread arms the updates.
        val deadline = System.currentTimeMillis() + 10_000
        while (Kairos.status().location == null && System.currentTimeMillis() < deadline) Thread.sleep(20)
        assertTrue(Kairos.status().tracking && Kairos.status().location != null, "${Kairos.status()}")
    }
}
