package dev.kairos

import java.io.File
import java.nio.file.Path
import java.time.Instant
import java.time.ZoneId
import java.util.Base64
import java.util.UUID
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.filterIsInstance
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals

/*
 * The Kotlin blocks of docs/bindings.md, compiled here: each `// doc: <name>` ... `// end doc`
 * region is, without its indentation, one block of the doc (`cargo xtask test-kotlin` checks
 * they are equal before it compiles this file). The app code the snippets call (`notifyGoal`,
 * `showError`, Android's `LocationResult`...) is stood in for below, outside the regions.
 */

// ---- Stand-ins for the app's own code and the platform's types --------------------------------

private fun notifyGoal(steps: Long) = Unit
private fun nudge(minutes: Long) = Unit
private fun showSteps(steps: Long, goal: Int, remaining: Long) = Unit
private fun notify(instanceId: Long, title: String, expiresAt: Instant) = Unit
private fun showError(reason: String) = Unit
private fun showSummary(summary: ReplaySummary) = Unit
private fun showRoutine(description: String, daysOverdue: Int) = Unit
private object log {
    fun info(message: String) = Unit
    fun warn(message: String) = Unit
}

/** Android's `Location`, as the fused provider delivers it. */
class AndroidLocation(val time: Long, val latitude: Double, val longitude: Double, val accuracy: Float, val speed: Float) {
    fun hasAccuracy() = true
    fun hasSpeed() = speed >= 0
}

/** Android's `LocationResult` and `LocationCallback`. */
class LocationResult(val locations: List<AndroidLocation>)
abstract class LocationCallback {
    abstract fun onLocationResult(result: LocationResult)
}

/** Google Play services' geofencing API, as much as the snippet uses. */
class Geofence private constructor() {
    class Builder {
        fun setRequestId(id: String) = this
        fun setCircularRegion(lat: Double, lon: Double, radius: Float) = this
        fun setExpirationDuration(ms: Long) = this
        fun setTransitionTypes(types: Int) = this
        fun build() = Geofence()
    }
    companion object {
        const val NEVER_EXPIRE = -1L
        const val GEOFENCE_TRANSITION_ENTER = 1
        const val GEOFENCE_TRANSITION_EXIT = 2
    }
}
class GeofencingRequest private constructor() {
    class Builder {
        fun addGeofences(geofences: List<Geofence>) = this
        fun build() = GeofencingRequest()
    }
}
class PendingIntent
class GeofencingClient {
    fun removeGeofences(intent: PendingIntent) = Unit
    fun addGeofences(request: GeofencingRequest, intent: PendingIntent) = Unit
}

// ---- The snippets -------------------------------------------------------------------------------

suspend fun quickstart(filesDir: File, sealingKey: ByteArray, scope: CoroutineScope, fixes: List<LocationFix>) {
    // doc: quickstart
    KairosLog.install() // the engine's warnings and errors in Logcat

    val engine = Engine.openAsync(
        EngineConfig(
            dataDir = filesDir.resolve("kairos").path,
            timeZone = ZoneId.systemDefault().id,
            sealingKey = sealingKey, // 32 bytes, kept in the Keystore ("The sealing key")
            stepGoal = 8000, // every other tunable keeps its default
        ),
    )

    // Events as a Flow, collected while the scope lives:
    scope.launch {
        engine.events().collect { event ->
            when (event) {
                is KairosEvent.StepGoalReached -> notifyGoal(event.steps)
                is KairosEvent.InactivityNudge -> nudge(event.minutes)
                else -> Unit
            }
        }
    }

    // Every call that touches SQLite has a suspend variant:
    val report = engine.recordLocationsAsync(fixes)
    val today = withContext(Dispatchers.IO) { engine.today(Instant.now()) }
    showSteps(today.steps, today.goal, today.remaining)
    // end doc
    check(report.accepted >= 0)
}

suspend fun loadingACatalog(dataDir: String, sealingKey: ByteArray, catalogKeyBase64: String, envelopeBytes: ByteArray) {
    // doc: catalog
    val engine = Engine.open(EngineConfig(
        dataDir = dataDir, timeZone = ZoneId.systemDefault().id, sealingKey = sealingKey,
        catalogKeys = listOf(CatalogKey("2026-11", Base64.getDecoder().decode(catalogKeyBase64))),
    ))
    // After downloading the envelope (a WorkManager job, at sync):
    try {
        val info = engine.loadCatalogAsync(envelopeBytes, Instant.now())
        log.info("catalog v${info.version}: ${info.offers} offers, expires ${info.expiresAt}")
    } catch (e: KairosException.InvalidCatalog) {
        log.warn(e.reason) // the previous catalog stays in force
    }
    // end doc
}

fun offersLifecycle(engine: Engine, scope: CoroutineScope, offer: OfferInstance) {
    // doc: offers
    scope.launch {
        engine.events().filterIsInstance<KairosEvent.OfferTriggered>().collect { notify(it.instanceId, it.title, it.expiresAt) }
    }
    // The offers screen:
    val offers = engine.offers(Instant.now())
    offers.forEach { engine.presented(it.id, Instant.now()) }
    // At the till:
    try { engine.redeemed(offer.id, Instant.now()) }
    catch (e: KairosException.InvalidOfferTransition) { showError(e.reason) } // e.g. the window ended
    // end doc
}

fun wakeRegions(engine: Engine, location: AndroidLocation, geofencingClient: GeofencingClient, pendingIntent: PendingIntent) {
    // doc: wake-regions
    val geofences = engine.wakeRegions(location.latitude, location.longitude, 100).map {
        Geofence.Builder()
            .setRequestId(it.placeId)
            .setCircularRegion(it.lat, it.lon, maxOf(it.radiusM, 100.0).toFloat()) // Android recommends >= 100 m
            .setExpirationDuration(Geofence.NEVER_EXPIRE)
            .setTransitionTypes(Geofence.GEOFENCE_TRANSITION_ENTER or Geofence.GEOFENCE_TRANSITION_EXIT)
            .build()
    }
    geofencingClient.removeGeofences(pendingIntent)
    geofencingClient.addGeofences(
        GeofencingRequest.Builder().addGeofences(geofences).build(), pendingIntent)
    // In the BroadcastReceiver: get a fresh location and feed it to recordLocations.
    // end doc
}

suspend fun qaReplay(cacheDir: File, qaKey: ByteArray, keys: List<CatalogKey>, envelope: ByteArray, walkGpx: String, timeline: EventListener) {
    // doc: replay
    val qa = Engine.open(EngineConfig(dataDir = cacheDir.resolve("qa-${UUID.randomUUID()}").path,
                                      timeZone = "America/Los_Angeles", sealingKey = qaKey, catalogKeys = keys))
    qa.loadCatalog(envelope, Instant.parse("2026-11-24T18:00:00Z"))
    qa.subscribe(timeline).use {
        val summary = qa.replayAsync(parseTrack("walk.gpx", walkGpx))
        showSummary(summary)
    }
    // end doc
}

suspend fun privacyCalls(engine: Engine) {
    // doc: privacy
    engine.setConsentAsync(Purpose.ACTIVITY, granted = true, policyVersion = "2026-11", now = Instant.now())
    val pending: List<OutboxItem> = engine.outbox()             // what would leave, exactly
    val ledger = engine.consents().ledger                        // every choice, dated, with its policy version
    val json: String = engine.exportProfileAsync()               // "Download my data": one JSON document
    engine.eraseAllAsync(Instant.now())                          // "Delete my data"; the backend is told at the next sync
    // end doc
    check(pending.size + ledger.size + json.length >= 0)
}

// doc: transport
/** Adds the app's API key to every request, and sends it with the package's transport. */
class ApiKeyTransport(
    private val apiKey: String,
    private val inner: HttpTransport = HttpUrlConnectionTransport(),
) : HttpTransport {
    override suspend fun send(request: HttpRequest): HttpResponse =
        inner.send(request.copy(headers = request.headers + ("x-api-key" to apiKey)))
}
// end doc

suspend fun syncJob(engine: Engine): Boolean {
    // doc: sync
    val report = engine.sync(SyncOptions(baseUrl = "https://api.example.com"), HttpUrlConnectionTransport(), Instant.now())
    val retryLater = report.deferred > 0 // WorkManager: Result.retry(), else Result.success()
    // end doc
    return retryLater
}

fun routinesScreen(engine: Engine) {
    // doc: routines
    engine.routines(Instant.now()).filter { it.status == RoutineStatus.OVERDUE }.forEach {
        showRoutine(it.description, it.daysOverdue)
    }
    val week = engine.week(Instant.now())   // WeekSummary: days (oldest first, each a LocalDay), total, daysGoalMet
    val firstDay: java.time.LocalDate = week.days.first().day.toLocalDate()
    // end doc
    check(firstDay.year > 2000)
}

fun errors(engine: Engine, fix: LocationFix) {
    // doc: errors
    try { engine.recordLocation(fix) }
    catch (e: KairosException.InvalidFix) {
        if (e.rejection !is FixRejection.OutOfOrder) log.warn(e.reason)
    }
    // end doc
}

class FusedLocation(private val engine: Engine, private val scope: CoroutineScope) : LocationCallback() {
    // doc: location
    override fun onLocationResult(result: LocationResult) {
        val fixes = result.locations.filter { it.hasAccuracy() }.map {
            LocationFix(Instant.ofEpochMilli(it.time), it.latitude, it.longitude,
                        it.accuracy.toDouble(), if (it.hasSpeed()) it.speed.toDouble() else null)
        }
        scope.launch { engine.recordLocationsAsync(fixes) }
    }
    // end doc
}

fun logging() {
    // doc: logging
    KairosLog.install(LogLevel.INFO)            // Logcat, tag "Kairos"
    setLogger(LogLevel.WARN, object : LogSink { // or your own destination
        override fun log(record: LogRecord) = log.warn("${record.level} ${record.target}: ${record.message}")
    })
    setLogger(LogLevel.OFF, null)               // nothing
    // end doc
}

/** The snippets run, where they can without a device. */
class DocSnippetsTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `the quickstart, privacy and errors snippets run against a real engine`() = runBlocking {
        val scope = CoroutineScope(Dispatchers.Default)
        quickstart(dir.toFile(), Fixtures.KEY, scope, Fixtures.morning(Fixtures.NINE_AM))
        scope.cancel()
        setLogger(LogLevel.OFF, null)
        Fixtures.open(dir.resolve("other")).use { engine ->
            errors(engine, Fixtures.fix(Fixtures.NINE_AM, 0.0, 0.0))
            routinesScreen(engine)
            privacyCalls(engine)
            assertEquals(emptyList(), engine.consents().current)
        }
    }
}
