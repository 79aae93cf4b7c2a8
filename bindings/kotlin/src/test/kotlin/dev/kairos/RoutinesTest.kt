package dev.kairos

import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.math.cos
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertTrue

/**
 * The example catalog's grocery store (Fresh Market, category `grocery`, a
 * 120 m circle) and a shopper who went there six Thursdays in a row at
 * about 18:00, the last on 19 November 2026.
 */
object Grocery {
    const val PLACE = "fresh-market-stevens-creek"
    const val MERCHANT = "fresh-market"
    const val LAT = 37.332
    const val LON = -121.938

    val thursdays: List<Instant> = listOf(
        "2026-10-15T18:00:00-07:00", "2026-10-22T18:10:00-07:00", "2026-10-29T17:50:00-07:00",
        "2026-11-05T18:05:00-08:00", "2026-11-12T17:55:00-08:00", "2026-11-19T18:00:00-08:00",
    ).map(Fixtures::at)

    /** The catalog loaded on Friday 20 November and the six visits recorded. */
    fun engineWithHistory(dir: Path): Engine = Mall.open(dir).also { engine ->
        engine.loadCatalog(Mall.envelope, Fixtures.at("2026-11-20T12:00:00-08:00"))
        thursdays.forEach { engine.recordVisit(LAT, LON, it, it.plus(Duration.ofMinutes(40))) }
    }

    /**
     * A drive due east at 13 m/s along a road 310 m south of the store's
     * centre (190 m from its fence), from 3 km west of it to 3 km east.
     */
    fun drive(start: Instant): List<LocationFix> {
        val lat = LAT - 310.0 / 111_320.0
        val perDegreeLon = 111_320.0 * cos(Math.toRadians(lat))
        return (0..92).map { i ->
            LocationFix(start.plusSeconds(5L * i), lat, LON + (-3000.0 + 65.0 * i) / perDegreeLon, 8.0, 13.0)
        }
    }
}

/** Routines (learned, overdue, on-the-way reminders, resumed), recorded visits, and the week. */
class RoutinesTest {
    @TempDir
    lateinit var dir: Path

    private fun overdue(events: List<KairosEvent>) = events.filterIsInstance<KairosEvent.RoutineOverdue>()

    @Test
    fun `each recorded visit returns its start and end`() = Mall.open(dir).use { engine ->
        val a = Grocery.thursdays.first()
        val events = engine.recordVisit(Grocery.LAT, Grocery.LON, a, a.plus(Duration.ofMinutes(40)))
        val started = assertIs<KairosEvent.VisitStarted>(events.first())
        assertEquals(a, started.arrivedAt)
        val ended = events.filterIsInstance<KairosEvent.VisitEnded>().single()
        assertEquals(40L, ended.minutes)
        assertEquals(1, engine.visits(a, a.plus(Duration.ofDays(1))).size)
    }

    @Test
    fun `six Thursday visits make a weekly routine for the category and the place`() =
        Grocery.engineWithHistory(dir).use { engine ->
            val routines = engine.routines(Fixtures.at("2026-11-20T12:00:00-08:00"))
            val grocery = routines.single { it.id == "category:grocery" }
            assertEquals(RoutineSubject.Category("grocery"), grocery.subject)
            assertEquals("weekly, Thursdays around 18:00", grocery.description)
            assertEquals(Weekday.THURSDAY, grocery.usualWeekday)
            assertEquals(TimeOfDay(18, 0), grocery.usualTime)
            assertEquals(7.0, grocery.periodDays, 0.05)
            assertEquals(6, grocery.visits)
            assertEquals(RoutineStatus.ON_TRACK to 0, grocery.status to grocery.cyclesMissed)
            assertEquals(RoutinePrivacy.SUMMARISABLE, grocery.privacy)
            assertEquals(Fixtures.at("2026-11-19T18:00:00-08:00"), grocery.lastVisitAt)
            assertEquals(Fixtures.at("2026-11-26T18:00:00-08:00"), grocery.nextExpectedAt)
            val place = routines.single { it.merchantId == Grocery.MERCHANT }
            assertIs<RoutineSubject.Place>(place.subject)
            assertEquals(RoutinePrivacy.DEVICE_ONLY, place.privacy, "a learned place never leaves the device")
        }

    @Test
    fun `the routine falls overdue at its instant, once, from tick and for listeners`() =
        Grocery.engineWithHistory(dir).use { engine ->
            val due = Fixtures.at("2026-11-28T03:36:00-08:00")
            assertEquals(due, engine.routines(due).single { it.id == "category:grocery" }.overdueAt)
            assertEquals(emptyList(), overdue(engine.tick(due.minusSeconds(1))))
            val recorder = Recorder()
            engine.subscribe(recorder).use {
                val events = overdue(engine.tick(Fixtures.at("2026-11-28T08:00:00-08:00")))
                assertEquals(2, events.size, "the category and the place: $events")
                val grocery = events.single { it.routineId == "category:grocery" }
                assertEquals(due, grocery.at)
                assertEquals(Fixtures.at("2026-11-26T18:00:00-08:00"), grocery.expectedAt)
                assertEquals(2 to 1, grocery.daysOverdue to grocery.cyclesMissed)
                assertEquals(7.0, grocery.periodDays, 0.05)
                assertEquals(events, overdue(recorder.events))
            }
            assertEquals(emptyList(), overdue(engine.tick(Fixtures.at("2026-11-29T12:00:00-08:00"))), "once per cycle")
            val routine = engine.routines(Fixtures.at("2026-11-28T08:00:00-08:00")).single { it.id == "category:grocery" }
            assertEquals(RoutineStatus.OVERDUE to 2, routine.status to routine.daysOverdue)
        }

    @Test
    fun `driving past the store while the routine is overdue brings one on-the-way reminder`() =
        Grocery.engineWithHistory(dir).use { engine ->
            engine.tick(Fixtures.at("2026-11-28T08:00:00-08:00"))
            val events = engine.recordLocations(Grocery.drive(Fixtures.at("2026-11-28T11:15:00-08:00"))).events
            val reminder = events.filterIsInstance<KairosEvent.OnTheWayReminder>().single()
            assertEquals(Grocery.PLACE to Grocery.MERCHANT, reminder.placeId to reminder.merchantId)
            assertContains(reminder.routineIds, "category:grocery")
            assertEquals(2, reminder.daysOverdue)
            assertTrue(reminder.distanceM in 0.0..400.0, "${reminder.distanceM}")
            // The same day, the way back reminds no more.
            val back = Grocery.drive(Fixtures.at("2026-11-28T15:00:00-08:00"))
            assertEquals(emptyList(), engine.recordLocations(back).events.filterIsInstance<KairosEvent.OnTheWayReminder>())
        }

    @Test
    fun `a visit to the store resumes the routine`() = Grocery.engineWithHistory(dir).use { engine ->
        engine.tick(Fixtures.at("2026-11-28T08:00:00-08:00"))
        val arrived = Fixtures.at("2026-11-28T12:00:00-08:00")
        val events = engine.recordVisit(Grocery.LAT, Grocery.LON, arrived, arrived.plus(Duration.ofMinutes(30)))
        val resumed = events.filterIsInstance<KairosEvent.RoutineResumed>().single { it.routineId == "category:grocery" }
        assertEquals(1, resumed.cyclesMissed)
        assertTrue(resumed.nextExpectedAt.isAfter(arrived), "${resumed.nextExpectedAt}")
        val routine = engine.routines(arrived.plus(Duration.ofHours(1))).single { it.id == "category:grocery" }
        assertEquals(RoutineStatus.ON_TRACK to 7, routine.status to routine.visits)
    }

    @Test
    fun `impossible visits are InvalidInput and the same visit twice is ignored`() =
        Grocery.engineWithHistory(dir).use { engine ->
            val a = Fixtures.at("2026-11-21T10:00:00-08:00")
            val backwards = assertFailsWith<KairosException.InvalidInput> {
                engine.recordVisit(Grocery.LAT, Grocery.LON, a, a.minusSeconds(60))
            }
            assertContains(backwards.reason, "is not after arrival")
            val short = assertFailsWith<KairosException.InvalidInput> {
                engine.recordVisit(Grocery.LAT, Grocery.LON, a, a.plusSeconds(60))
            }
            assertContains(short.reason, "dwell")
            assertFailsWith<KairosException.InvalidInput> { engine.recordVisit(91.0, Grocery.LON, a, a.plusSeconds(3600)) }
            val last = Grocery.thursdays.last()
            assertEquals(emptyList(), engine.recordVisit(Grocery.LAT, Grocery.LON, last, last.plus(Duration.ofMinutes(40))))
        }

    @Test
    fun `the week has seven days, the total and the days the goal was met`() = Fixtures.open(dir).use { engine ->
        engine.recordStepSamples(
            listOf(
                Fixtures.interval(Fixtures.at("2026-11-22T09:00:00-08:00"), 60, 1000),
                Fixtures.interval(Fixtures.at("2026-11-24T09:00:00-08:00"), 60, 8000),
            ),
        )
        val week = engine.week(Fixtures.at("2026-11-24T12:00:00-08:00"))
        assertEquals(
            (18..24).map { LocalDay(2026, 11, it) },
            week.days.map { it.day },
        )
        assertEquals(DaySteps(LocalDay(2026, 11, 22), 1000, false), week.days[4])
        assertEquals(DaySteps(LocalDay(2026, 11, 24), 8000, true), week.days[6])
        assertEquals(listOf(9000L, 7500L, 1L), listOf(week.total, week.goal.toLong(), week.daysGoalMet.toLong()))
        assertTrue(week.days.count { it.steps == 0L } == 5, "days without steps count zero")
    }
}
