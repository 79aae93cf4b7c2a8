package dev.kairos.demo.logic

import dev.kairos.EngineInterface
import dev.kairos.PlaceKind
import dev.kairos.RoutineStatus
import java.time.Duration
import java.time.Instant
import java.time.ZoneId

/** The profile screen's content. */
data class Profile(
    /** "4,210 of 7,500 steps". */
    val steps: String,
    /** 0 to 100, for a progress bar. */
    val progressPercent: Int,
    /** "3,290 to go" or "Goal reached!". */
    val goalLine: String,
    /** Today's visits, oldest first: "09:12–10:40 · home · 88 min". */
    val visits: List<String>,
    /** The routines learned: "weekly, Thursdays around 18:00 · overdue by 2 days". */
    val routines: List<String>,
)

/** Builds the profile screen from the engine. */
class ProfilePresenter(private val engine: EngineInterface, private val zone: ZoneId) {
    /** The profile at [now]. */
    fun load(now: Instant): Profile {
        val today = engine.today(now)
        val kinds = engine.places().associate { it.id to it.kind }
        val midnight = now.atZone(zone).toLocalDate().atStartOfDay(zone).toInstant()
        val visits = engine.visits(midnight, now).map { visit ->
            val end = visit.departedAt
            val span = "${Countdown.clock(visit.arrivedAt, zone)}–${end?.let { Countdown.clock(it, zone) } ?: "now"}"
            val minutes = Duration.between(visit.arrivedAt, end ?: now).toMinutes()
            "$span · ${placeName(kinds[visit.placeId])} · $minutes min"
        }
        val routines = engine.routines(now).map { routine ->
            when (routine.status) {
                RoutineStatus.ON_TRACK ->
                    "${routine.description} · next around ${Countdown.dayAndClock(routine.nextExpectedAt, zone)}"
                RoutineStatus.OVERDUE -> "${routine.description} · overdue by ${plural(routine.daysOverdue, "day")}"
                RoutineStatus.LAPSED -> "${routine.description} · lapsed"
            }
        }
        val percent = if (today.goal <= 0) 100 else (today.steps * 100 / today.goal).coerceIn(0, 100).toInt()
        return Profile(
            steps = "%,d of %,d steps".format(today.steps, today.goal),
            progressPercent = percent,
            goalLine = if (today.goalReached) "Goal reached!" else "%,d to go".format(today.remaining),
            visits = visits,
            routines = routines,
        )
    }

    private fun placeName(kind: PlaceKind?) = when (kind) {
        PlaceKind.HOME -> "home"
        PlaceKind.WORK -> "work"
        else -> "a place"
    }

    private fun plural(n: Int, unit: String) = if (n == 1) "1 $unit" else "$n ${unit}s"
}
