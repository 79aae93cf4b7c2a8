package dev.kairos.demo

import android.app.Application
import android.util.Log
import dev.kairos.CatalogKey
import dev.kairos.Engine
import dev.kairos.EngineConfig
import dev.kairos.HttpTransport
import dev.kairos.HttpUrlConnectionTransport
import dev.kairos.KairosException
import dev.kairos.KairosLog
import dev.kairos.SyncOptions
import dev.kairos.android.Kairos
import dev.kairos.android.KairosConfig
import dev.kairos.demo.logic.DemoConfig
import dev.kairos.demo.logic.QaTrack
import dev.kairos.demo.logic.SensingStatus
import dev.kairos.demo.offers.OfferNotifier
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import java.time.Instant
import java.time.ZoneId
import java.util.Base64

/**
 * The process: sends the engine's log to Logcat, initializes Kairos's platform layer
 * (`dev.kairos.android`: the engine with its sealing key from the Keystore, location, steps, wake
 * regions, `tick` and the background sync), and turns the engine's events into notifications.
 * Tracking itself is started from the home screen ([dev.kairos.android.KairosForegroundService]).
 */
class KairosDemoApp : Application() {
    /** Background work that outlives a screen (engine calls do SQLite I/O). */
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)

    /** The shopper's engine, once Kairos opened it (waits for that: off the main thread, please). */
    val engine: Engine by lazy { runBlocking { Kairos.engine() } }

    /** The engine's current sensing plan, in words, for the home screen. */
    val sensing = SensingStatus()

    /** The local time zone, for the screens. */
    val zone: ZoneId get() = ZoneId.systemDefault()

    /** The backend: the layer's background sync, and the profile screen's friend invites. */
    val syncOptions = SyncOptions(baseUrl = DemoConfig.BACKEND_URL, allowInsecureLoopback = true, fetchCatalog = true)

    /** The HTTP stack the engine talks to the backend through (the layer's default, the platform's). */
    val transport: HttpTransport = HttpUrlConnectionTransport()

    override fun onCreate() {
        super.onCreate()
        KairosLog.install() // caught panics and failing listeners in Logcat, tag "Kairos"
        val key = CatalogKey(QaTrack.CATALOG_KEY_ID, Base64.getDecoder().decode(asset(QaTrack.CATALOG_KEY_FILE).trim()))
        val engine = EngineConfig(
            dataDir = filesDir.resolve("kairos").path,
            timeZone = zone.id,
            sealingKey = SealingKey.load(this),
            stepGoal = DemoConfig.STEP_GOAL,
            catalogKeys = listOf(key),
        )
        // The layer syncs in the background (a JobScheduler job on a network, daily).
        Kairos.initialize(this, KairosConfig(engine, sync = syncOptions, transport = transport))
        val notifier = OfferNotifier(this) { id, at ->
            scope.launch {
                try {
                    this@KairosDemoApp.engine.presented(id, at)
                } catch (e: KairosException) {
                    Log.w("KairosDemo", "presented($id): ${e.message}")
                }
            }
        }
        // Collected for the life of the process (the scope is never cancelled).
        scope.launch {
            Kairos.events.collect {
                notifier.onEvent(it)
                sensing.onEvent(it)
            }
        }
        scope.launch { firstRun(Kairos.engine()) }
    }

    private fun firstRun(engine: Engine) {
        // First run without a backend: the bundled catalog, so offers work at once.
        if (engine.catalogInfo() == null) {
            try {
                engine.loadCatalog(assets.open(DemoConfig.STARTER_CATALOG).readBytes(), Instant.now())
            } catch (e: KairosException) {
                Log.e("KairosDemo", "the bundled catalog was refused: ${e.message}", e)
            }
        }
        // Asking once makes the engine report each later change (SensingPlanChanged).
        sensing.show(engine.sensingPlan(Instant.now()))
    }

    /** The text of a bundled asset. */
    fun asset(path: String): String = assets.open(path).bufferedReader().use { it.readText() }
}
