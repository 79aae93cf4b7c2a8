package dev.kairos.android

import android.annotation.SuppressLint
import android.content.Context
import android.hardware.SensorManager
import android.location.Location
import android.location.LocationManager
import android.util.Log
import dev.kairos.Engine
import dev.kairos.EventListener
import dev.kairos.KairosEvent
import dev.kairos.KairosException
import dev.kairos.LocationFix
import dev.kairos.StepSample
import dev.kairos.Subscription
import dev.kairos.WakeRegion
import dev.kairos.events
import java.time.Instant
import java.util.concurrent.Executor
import java.util.concurrent.Executors
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emitAll
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.launch

/** The system service [T] of this context; every one Kairos uses exists on every Android release it supports. */
internal inline fun <reified T> Context.service(): T =
    getSystemService(T::class.java) ?: throw IllegalStateException("no ${T::class.java.simpleName} on this device")

/** What the platform layer is doing now ([Kairos.status]). */
data class TrackingStatus(
    /** Whether tracking is on (kept across restarts and reboots until [Kairos.stopTracking]). */
    val tracking: Boolean,
    /** The location settings in force, or null when no updates are requested. */
    val location: LocationSettings?,
    /** The wake regions registered with the platform, nearest first. */
    val wakeRegions: List<WakeRegion>,
    /** Whether the step counter sensor is listened to. */
    val stepCounter: Boolean,
    /** Fixes the platform gave without an accuracy, dropped since start. */
    val fixesWithoutAccuracy: Long,
    /** The permissions granted now. */
    val permissions: PermissionStatus,
)

/**
 * Kairos on Android in one call: [start] in `Application.onCreate` opens the engine on a
 * background thread and, with the location permission granted, feeds it location updates and
 * step counts, registers the nearest catalog places as wake regions, and schedules `tick` and
 * the background sync with `JobScheduler`; after a reboot it re-arms itself ([BootReceiver]).
 *
 * ```kotlin
 * Kairos.start(this, KairosConfig(EngineConfig(dataDir, timeZone, sealingKey)))
 * lifecycleScope.launch { Kairos.events.collect { show(it) } }
 * ```
 *
 * Framework APIs only (`LocationManager`, `SensorManager`, `JobScheduler`): no Play services.
 * Nothing here throws into the app once started: failures are logged under the tag `Kairos`.
 */
@SuppressLint("StaticFieldLeak") // Holds the application context only.
object Kairos {
    private const val TAG = "Kairos"
    private const val PREFS = "dev.kairos.android"
    private const val KEY_TRACKING = "tracking"

    @Volatile
    private var running: Running? = null

    /**
     * Opens the engine (on Kairos's thread) with [config]; call it once, in
     * `Application.onCreate`, so that the boot receiver and the jobs find Kairos after a restart.
     * A second call with the engine already open is ignored.
     */
    @Synchronized
    fun initialize(context: Context, config: KairosConfig) {
        if (running != null) return
        val app = context.applicationContext
        val executor = config.executor ?: Executors.newSingleThreadExecutor { Thread(it, "kairos") }
        val r = Running(app, config, executor)
        running = r
        executor.execute {
            try {
                val engine = Engine.open(config.engine)
                r.subscription = engine.subscribe(object : EventListener {
                    override fun onEvents(events: List<KairosEvent>) {
                        events.filterIsInstance<KairosEvent.SensingPlanChanged>().lastOrNull()?.let(::onPlan)
                    }
                })
                r.opened = engine
                r.engine.complete(engine)
            } catch (e: KairosException) {
                Log.e(TAG, "cannot open the engine in ${config.engine.dataDir}: ${e.message}", e)
                r.engine.completeExceptionally(e)
            }
        }
    }

    /** [initialize], then [startTracking]: the one call an app makes. */
    fun start(context: Context, config: KairosConfig) {
        initialize(context, config)
        startTracking()
    }

    /**
     * Starts location updates, the step counter, the wake regions and the jobs, and remembers it
     * (so that a reboot re-arms them). Without precise location it logs why and only schedules
     * the jobs: call it again once the permission is granted.
     */
    fun startTracking() {
        val r = requireRunning("startTracking")
        prefs(r.context).edit().putBoolean(KEY_TRACKING, true).apply()
        Jobs.schedule(r.context, r.config)
        r.executor.execute { arm(r) }
    }

    /** Stops everything [startTracking] started, and forgets it. */
    fun stopTracking() {
        val r = requireRunning("stopTracking")
        prefs(r.context).edit().putBoolean(KEY_TRACKING, false).apply()
        Jobs.cancel(r.context, r.config.jobIds)
        r.tracker.stop()
        r.steps.stop()
        r.regions.clear()
    }

    /** The engine, once open (suspends until then); throws the open's `KairosException` if it failed. */
    suspend fun engine(): Engine = requireRunning("engine").engine.await()

    /** Every event of the engine from the collection on ([Engine.events]), once it is open. */
    val events: Flow<KairosEvent> = flow { emitAll(engine().events()) }

    /** The permissions granted now ([KairosPermissions.status]). */
    fun permissions(context: Context): PermissionStatus = KairosPermissions.status(context)

    /** What the platform layer is doing now. */
    fun status(): TrackingStatus {
        val r = requireRunning("status")
        return TrackingStatus(
            tracking = prefs(r.context).getBoolean(KEY_TRACKING, false),
            location = r.tracker.settings,
            wakeRegions = r.regions.registered,
            stepCounter = r.steps.running,
            fixesWithoutAccuracy = r.dropped,
            permissions = KairosPermissions.status(r.context),
        )
    }

    /** After a reboot or an update ([BootReceiver]): starts tracking again if it was on. */
    fun rearm(context: Context) {
        if (!prefs(context).getBoolean(KEY_TRACKING, false)) return
        val r = running
        if (r == null) {
            Log.w(TAG, "re-arm after boot: tracking was on but Kairos.initialize was not called in Application.onCreate")
            return
        }
        // The platform forgot every proximity alert: register them again, wherever the phone is.
        r.regions.clear()
        startTracking()
    }

    // ---- From the platform ---------------------------------------------------

    private fun arm(r: Running) {
        if (!KairosPermissions.status(r.context).canTrack) {
            Log.w(TAG, "tracking waits for precise location (ACCESS_FINE_LOCATION); call startTracking() once granted")
            return
        }
        r.tracker.start(r.tracker.settings ?: r.plan)
        // Ask the engine for its plan now (it announces each later change as SensingPlanChanged).
        r.executor.execute { withEngine(r, "sensingPlan") { applyPlan(r, SensingPlanAdapter.settings(it.sensingPlan(java.time.Instant.now()))) } }
        if (!r.steps.running && !r.steps.start()) Log.i(TAG, "no step counter sensor on this phone: steps are not counted")
        lastKnown(r)?.let { refreshRegions(r, it.latitude, it.longitude, force = true) }
    }

    @SuppressLint("MissingPermission") // arm() checked it.
    private fun lastKnown(r: Running): Location? =
        r.locations.allProviders.mapNotNull { r.locations.getLastKnownLocation(it) }.maxByOrNull { it.elapsedRealtimeNanos }

    internal fun onLocations(locations: List<Location>) {
        val r = running ?: return
        r.executor.execute {
            val fixes = locations.mapNotNull { Fixes.toFix(it) }
            if (fixes.size < locations.size) {
                r.dropped += locations.size - fixes.size
                Log.w(TAG, "${locations.size - fixes.size} fix(es) without accuracy dropped")
            }
            if (fixes.isEmpty()) return@execute
            withEngine(r, "recordLocations") { it.recordLocations(fixes) }
            r.lastFix = fixes.last()
            val last = fixes.last()
            refreshRegions(r, last.lat, last.lon, force = false)
        }
    }

    internal fun onSteps(sample: StepSample) {
        val r = running ?: return
        r.executor.execute { withEngine(r, "recordSteps") { it.recordSteps(sample) } }
    }

    internal fun onPlan(event: KairosEvent.SensingPlanChanged) {
        val r = running ?: return
        applyPlan(r, SensingPlanAdapter.settings(event))
        val last = r.lastFix
        if (SensingPlanAdapter.regionsChanged(event) && last != null) {
            r.executor.execute { refreshRegions(r, last.lat, last.lon, force = true) }
        }
    }

    private fun applyPlan(r: Running, planned: Result<LocationSettings>) {
        planned.fold(
            onSuccess = { settings ->
                r.plan = settings
                if (r.tracker.settings != null) r.tracker.start(settings)
            },
            onFailure = { Log.w(TAG, "${it.message}; the location settings stay as they were") },
        )
    }

    internal fun onTimeZoneChanged(zone: String) {
        val r = running ?: return
        r.executor.execute { withEngine(r, "setTimeZone($zone)") { it.setTimeZone(zone) } }
    }

    internal fun onWake(placeId: String, entering: Boolean) {
        val r = running ?: return
        Log.i(TAG, "woken by ${if (entering) "entering" else "leaving"} $placeId")
        r.executor.execute { withEngine(r, "tick") { it.tick(Instant.now()) } }
    }

    /** Which of Kairos's jobs has [jobId], if any. */
    internal fun jobOf(jobId: Int): KairosJob? {
        val ids = running?.config?.jobIds ?: return null
        return when (jobId) {
            ids.tick -> KairosJob.TICK
            ids.sync -> KairosJob.SYNC
            else -> null
        }
    }

    /**
     * Runs [job] in the background and calls [done] with whether it failed (the system then
     * retries it); false when Kairos is not initialized (nothing to run).
     */
    internal fun runJob(job: KairosJob, done: (failed: Boolean) -> Unit): Boolean {
        val r = running ?: return false
        r.scope.launch {
            val failed = try {
                val engine = r.engine.await()
                when (job) {
                    KairosJob.TICK -> engine.tickAsync(Instant.now())
                    KairosJob.SYNC -> r.config.sync?.let { engine.sync(it, r.config.transport, Instant.now()) }
                }
                false
            } catch (e: KairosException) {
                Log.w(TAG, "job $job failed: ${e.message}", e)
                true
            }
            done(failed)
        }
        return true
    }

    // ---- Helpers -------------------------------------------------------------

    private fun refreshRegions(r: Running, lat: Double, lon: Double, force: Boolean) {
        if (!force && !r.regions.due(lat, lon)) return
        withEngine(r, "wakeRegions") { r.regions.replace(it.wakeRegions(lat, lon, r.config.wakeRegionLimit), lat, lon) }
    }

    /** Runs [call] on the open engine (on Kairos's thread), logging a failure instead of throwing. */
    private fun withEngine(r: Running, what: String, call: (Engine) -> Unit) {
        val engine = r.opened ?: run {
            Log.w(TAG, "$what skipped: the engine is not open")
            return
        }
        try {
            call(engine)
        } catch (e: KairosException) {
            Log.w(TAG, "$what failed: ${e.message}", e)
        }
    }

    private fun requireRunning(what: String): Running =
        running ?: throw IllegalStateException("Kairos.$what: call Kairos.initialize (or Kairos.start) first")

    private fun prefs(context: Context) = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    /**
     * Tests: the process died (a reboot). What the platform held for it goes (updates, sensor
     * listener, alerts), the engine is closed, and Kairos forgets it was initialized; what is
     * persisted (the tracking flag, the jobs, the step baseline) stays.
     */
    @Synchronized
    internal fun resetForTests() {
        KairosForegroundService.current = null
        val r = running ?: return
        running = null
        r.tracker.stop()
        r.steps.stop()
        r.regions.clear()
        r.scope.cancel()
        r.subscription?.cancel()
        r.opened?.close()
        if (r.config.executor == null) (r.executor as java.util.concurrent.ExecutorService).shutdown()
    }

    private class Running(val context: Context, val config: KairosConfig, val executor: Executor) {
        val engine = CompletableDeferred<Engine>()
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
        val locations: LocationManager = context.service()
        val tracker = LocationTracker(locations) { onLocations(it) }
        val regions = WakeRegions(context, locations, config.wakeRegionLimit)
        val steps = StepCounter(
            context.service<SensorManager>(),
            context.contentResolver,
            StepBaseline(context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)),
        ) { onSteps(it) }
        @Volatile var plan: LocationSettings = SensingPlanAdapter.INITIAL
        @Volatile var opened: Engine? = null
        @Volatile var lastFix: LocationFix? = null
        @Volatile var dropped = 0L
        var subscription: Subscription? = null
    }
}
