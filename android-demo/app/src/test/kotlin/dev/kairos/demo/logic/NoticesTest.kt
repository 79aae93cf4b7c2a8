package dev.kairos.demo.logic

import dev.kairos.KairosEvent
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import org.junit.jupiter.api.io.TempDir
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class NoticesTest {
    @TempDir
    lateinit var dir: Path

    private val now: Instant = Walks.TEN_AM

    @Test
    fun `an overdue routine becomes a reminder notification`() {
        val event = KairosEvent.RoutineOverdue(
            at = now, routineId = "category:grocery", expectedAt = now.minus(Duration.ofDays(2)),
            cyclesMissed = 1, daysOverdue = 2, periodDays = 7.0,
        )
        val notice = assertNotNull(Notices.of(event, now))
        assertEquals(NoticeChannel.REMINDERS, notice.channel)
        assertEquals(Notices.ROUTINE_ID, notice.id)
        assertEquals("Time for grocery?", notice.title)
        assertTrue("2 days overdue" in notice.text, notice.text)
        assertNull(notice.offerInstanceId, "a tap opens the home screen")
    }

    @Test
    fun `an on-the-way reminder becomes a reminder notification naming the shop and the distance`() {
        val event = KairosEvent.OnTheWayReminder(
            at = now, routineIds = listOf("place:corner-cafe-main"), placeId = "corner-cafe-main",
            merchantId = "corner-cafe", distanceM = 180.4, daysOverdue = 1,
        )
        val notice = assertNotNull(Notices.of(event, now))
        assertEquals(NoticeChannel.REMINDERS, notice.channel)
        assertEquals(Notices.ON_THE_WAY_ID, notice.id)
        assertEquals("On your way: corner cafe", notice.title)
        assertTrue("180 m ahead" in notice.text && "1 day overdue" in notice.text, notice.text)
    }

    @Test
    fun `an inactivity nudge becomes an activity notification`() {
        val notice = assertNotNull(Notices.of(KairosEvent.InactivityNudge(now, now.minus(Duration.ofMinutes(75)), 75), now))
        assertEquals(NoticeChannel.ACTIVITY, notice.channel)
        assertTrue("75 min" in notice.text, notice.text)
    }

    @Test
    fun `an offer the engine triggers becomes a notification that opens that offer and goes when its window ends`() {
        Fixtures.engine(dir, "catalogs/shop-street.signed.json", now).use { engine ->
            val events = engine.recordLocations(Walks.intoCafe(now)).events
            val offer = events.filterIsInstance<KairosEvent.OfferTriggered>().single()
            val notice = assertNotNull(Notices.of(offer, offer.at))
            assertEquals(NoticeChannel.OFFERS, notice.channel)
            assertEquals(offer.instanceId, notice.offerInstanceId)
            assertEquals(offer.instanceId.toInt(), notice.id)
            assertEquals(offer.expiresAt, notice.expiresAt)
            // The tap carries the instance to the offers screen, which opens that offer.
            val opened = OffersPresenter(engine).open(assertNotNull(OfferLink.instanceId(offer.instanceId)), offer.at.plusSeconds(60))
            assertEquals(offer.instanceId, (opened as OpenedOffer.Claimable).row.id)
        }
    }

    @Test
    fun `an expired offer withdraws its notification and other events show none`() {
        assertEquals(42, Notices.withdrawn(KairosEvent.OfferExpired(now, 42, "pastry")))
        assertNull(Notices.of(KairosEvent.RoutineResumed(now, "place:x", 1, now.plus(Duration.ofDays(7))), now))
        assertNull(OfferLink.instanceId(-1), "no extra, no offer")
    }
}
