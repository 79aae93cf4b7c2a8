package dev.kairos

import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.time.OffsetDateTime
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.math.cos

/** Shared test data: times, places and tracks around an origin in Los Angeles. */
object Fixtures {
    const val TZ = "America/Los_Angeles"

    /** A test sealing key (apps keep theirs in the Keystore). */
    val KEY: ByteArray = ByteArray(32) { 7 }
    private const val ORIGIN_LAT = 34.05
    private const val ORIGIN_LON = -118.25
    private const val METRES_PER_DEGREE = 111_320.0

    /** Parses an RFC 3339 time with offset. */
    fun at(text: String): Instant = OffsetDateTime.parse(text).toInstant()

    /** 2026-11-24 09:00 in Los Angeles. */
    val NINE_AM: Instant = at("2026-11-24T09:00:00-08:00")

    /** Opens an engine in [dir] with every default but the step goal (and the sealing key). */
    fun open(dir: Path, stepGoal: Int = 7500, key: ByteArray = KEY): Engine =
        Engine.open(EngineConfig(dataDir = dir.toString(), timeZone = TZ, sealingKey = key, stepGoal = stepGoal))

    /** A fix [x] metres east and [y] metres north of the origin. */
    fun fix(at: Instant, x: Double, y: Double, speedMps: Double? = null): LocationFix {
        val lat = ORIGIN_LAT + y / METRES_PER_DEGREE
        val lon = ORIGIN_LON + x / (METRES_PER_DEGREE * cos(Math.toRadians(ORIGIN_LAT)))
        return LocationFix(at = at, lat = lat, lon = lon, accuracyM = 10.0, speedMps = speedMps)
    }

    /** Fixes every 10 s for [minutes] at (x, y). */
    fun stay(from: Instant, minutes: Long, x: Double, y: Double): List<LocationFix> =
        (0..minutes * 6).map { fix(from.plusSeconds(it * 10), x, y) }

    /**
     * A morning: 20 minutes at A, a walk of about 1 km east, 30 minutes at B,
     * then a walk north. Two visits at two places.
     */
    fun morning(start: Instant): List<LocationFix> {
        val atA = stay(start, 20, 0.0, 0.0)
        val walk0 = start.plus(Duration.ofMinutes(20))
        val toB = (1..70).map { fix(walk0.plusSeconds(it * 10L), it * 14.0, 0.0) }
        val b = walk0.plusSeconds(710)
        val atB = stay(b, 30, 1000.0, 0.0)
        val walk1 = b.plus(Duration.ofMinutes(30))
        val onwards = (1..70).map { fix(walk1.plusSeconds(it * 10L), 1000.0, it * 14.0) }
        return atA + toB + atB + onwards
    }

    /** Steps over `[start, start + minutes)`. */
    fun interval(start: Instant, minutes: Long, steps: Long): StepSample =
        StepSample.Interval(start = start, end = start.plus(Duration.ofMinutes(minutes)), steps = steps)
}

/** A listener that keeps every event and the threads it was called on. */
class Recorder : EventListener {
    val events = CopyOnWriteArrayList<KairosEvent>()
    val threads = CopyOnWriteArrayList<String>()

    override fun onEvents(events: List<KairosEvent>) {
        threads.add(Thread.currentThread().name)
        this.events.addAll(events)
    }
}

/** The `at` of any event. */
val KairosEvent.time: Instant
    get() = when (this) {
        is KairosEvent.VisitStarted -> at
        is KairosEvent.VisitEnded -> at
        is KairosEvent.PlaceClassified -> at
        is KairosEvent.StepGoalReached -> at
        is KairosEvent.InactivityNudge -> at
        is KairosEvent.FenceEntered -> at
        is KairosEvent.FenceDwelled -> at
        is KairosEvent.FenceExited -> at
        is KairosEvent.OfferTriggered -> at
        is KairosEvent.OfferSuppressed -> at
        is KairosEvent.OfferHeldOut -> at
        is KairosEvent.OfferExpired -> at
        is KairosEvent.RoutineOverdue -> at
        is KairosEvent.RoutineResumed -> at
        is KairosEvent.OnTheWayReminder -> at
        is KairosEvent.NotificationHeld -> at
        is KairosEvent.NotificationRetried -> at
        is KairosEvent.CatalogLoaded -> at
        is KairosEvent.TilesLoaded -> at
        is KairosEvent.SensingPlanChanged -> at
        is KairosEvent.DatabaseRecovered -> at
        is KairosEvent.ClockCorrected -> at
    }
