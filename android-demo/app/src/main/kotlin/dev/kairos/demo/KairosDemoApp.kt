package dev.kairos.demo

import android.app.Application
import dev.kairos.CatalogKey
import dev.kairos.Engine
import dev.kairos.EngineConfig
import dev.kairos.KairosLog
import dev.kairos.events
import dev.kairos.demo.logic.DemoConfig
import dev.kairos.demo.logic.QaTrack
import dev.kairos.demo.logic.SensingStatus
import dev.kairos.demo.offers.OfferNotifier
import dev.kairos.demo.sync.NightlySyncJob
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import java.time.Instant
import java.time.ZoneId
import java.util.Base64

/**
 * The process: sends the engine's log to Logcat, opens the one [Engine] of the shopper's profile,
 * with its sealing key from the Keystore, turns its events (a Flow) into notifications, and
 * schedules the nightly sync.
 */
class KairosDemoApp : Application() {
    /** Background work that outlives a screen (engine calls do SQLite I/O). */
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)

    /** The shopper's engine, opened on first use (off the main thread, please). */
    val engine: Engine by lazy { openEngine() }

    /** The engine's current sensing plan, in words, for the home screen. */
    val sensing = SensingStatus()

    /** The local time zone, for the screens. */
    val zone: ZoneId get() = ZoneId.systemDefault()

    override fun onCreate() {
        super.onCreate()
        KairosLog.install() // caught panics and failing listeners in Logcat, tag "Kairos"
        NightlySyncJob.schedule(this)
        scope.launch { engine }
    }

    private fun openEngine(): Engine {
        val key = CatalogKey(QaTrack.CATALOG_KEY_ID, Base64.getDecoder().decode(asset(QaTrack.CATALOG_KEY_FILE).trim()))
        val engine = Engine.open(
            EngineConfig(
                dataDir = filesDir.resolve("kairos").path,
                timeZone = zone.id,
                sealingKey = SealingKey.load(this),
                stepGoal = DemoConfig.STEP_GOAL,
                catalogKeys = listOf(key),
            ),
        )
        // First run without a backend: the bundled catalog, so offers work at once.
        if (engine.catalogInfo() == null) {
            runCatching { engine.loadCatalog(assets.open(DemoConfig.STARTER_CATALOG).readBytes(), Instant.now()) }
        }
        val notifier = OfferNotifier(this)
        // Collected for the life of the process (the scope is never cancelled).
        scope.launch {
            engine.events().collect {
                notifier.onEvent(it)
                sensing.onEvent(it)
            }
        }
        // Asking once makes the engine report each later change (SensingPlanChanged).
        sensing.show(engine.sensingPlan(Instant.now()))
        return engine
    }

    /** The text of a bundled asset. */
    fun asset(path: String): String = assets.open(path).bufferedReader().use { it.readText() }
}
