package dev.kairos.demo.logic

import dev.kairos.KairosException
import dev.kairos.OfferState
import java.nio.file.Path
import java.time.Duration
import java.time.ZoneId
import org.junit.jupiter.api.io.TempDir
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

class OffersPresenterTest {
    @TempDir
    lateinit var dir: Path

    private val start = Walks.TEN_AM
    private val la = ZoneId.of("America/Los_Angeles")

    @Test
    fun `a walk into the café lists its offer with a countdown and marks it presented`() {
        Fixtures.engine(dir, "catalogs/shop-street.signed.json", start).use { engine ->
            engine.recordLocations(Walks.intoCafe(start))
            val now = start.plus(Duration.ofMinutes(20))
            val rows = OffersPresenter(engine).load(now)
            assertEquals(1, rows.size, "rows: $rows")
            val row = rows.single()
            assertEquals("A free pastry with your coffee", row.title)
            // Triggered on entry, a little after 10:03, with a 60-minute claim window.
            assertTrue(row.countdown.startsWith("claim within 4"), row.countdown)
            assertEquals(false, row.urgent)
            assertEquals(OfferState.PRESENTED, engine.offers(now).single().state)
        }
    }

    @Test
    fun `redeem shows the signed token for the till as a QR payload with its deadline, once`() {
        Fixtures.engine(dir, "catalogs/shop-street.signed.json", start).use { engine ->
            engine.recordLocations(Walks.intoCafe(start))
            val now = start.plus(Duration.ofMinutes(20))
            val presenter = OffersPresenter(engine, la)
            val offer = engine.offers(now).single()
            val redeemed = assertIs<ActionResult.Redeemed>(presenter.redeem(offer.id, now))
            val code = redeemed.code
            assertEquals(offer.id to "A free pastry with your coffee", code.instanceId to code.title)
            assertTrue(code.typed.startsWith("KR1."), code.typed)
            assertEquals("kairos:r:${code.typed}", code.qrPayload, "the engine's QR payload, as it is")
            assertEquals(offer.expiresAt, code.expiresAt)
            assertEquals("Show this code at the till. It is valid once, until ${Countdown.clock(offer.expiresAt, la)}.", code.caption)
            assertEquals(true to false, code.shownAt(now) to code.shownAt(offer.expiresAt), "gone when the till would refuse it")
            assertEquals(OfferState.REDEEMED, engine.offerHistory(now.minusSeconds(3600), now.plusSeconds(1)).single().state)
        }
    }

    @Test
    fun `a redeem the engine refuses reads in words, a closed shop with or without reopening, and a failure is no refusal`() {
        val reopens = Fixtures.at("2026-11-25T07:00:00-08:00")
        val closed = KairosException.StoreClosed("closed", 3, "corner-cafe-main", reopens)
        assertEquals(
            "The shop is closed now. The offer stays yours: redeem it from Wed 25 Nov 07:00, when it opens again.",
            OffersPresenter.refusal(closed, la),
        )
        val forGood = KairosException.StoreClosed("closed", 3, "corner-cafe-main", null)
        assertEquals("The shop is closed now, and it does not open again before the offer ends.", OffersPresenter.refusal(forGood, la))
        assertNull(OffersPresenter.refusal(KairosException.Storage("disk full"), la), "a failure, not a refusal")
    }

    @Test
    fun `redeem once, then the engine's refusal is shown`() {
        Fixtures.engine(dir, "catalogs/shop-street.signed.json", start).use { engine ->
            engine.recordLocations(Walks.intoCafe(start))
            val now = start.plus(Duration.ofMinutes(20))
            val presenter = OffersPresenter(engine)
            val id = presenter.load(now).single().id
            assertIs<ActionResult.Redeemed>(presenter.redeem(id, now))
            assertEquals(emptyList(), presenter.load(now))
            val again = assertIs<ActionResult.Refused>(presenter.redeem(id, now))
            assertTrue("already redeemed" in again.message, again.message)
            assertIs<ActionResult.Refused>(presenter.dismiss(424242, now))
        }
    }

    @Test
    fun `an offer opened from its notification comes first, and says so once it cannot be claimed`() {
        Fixtures.engine(dir, "catalogs/shop-street.signed.json", start).use { engine ->
            engine.recordLocations(Walks.intoCafe(start))
            val now = start.plus(Duration.ofMinutes(20))
            val presenter = OffersPresenter(engine)
            val id = engine.offers(now).single().id
            val opened = assertIs<OpenedOffer.Claimable>(presenter.open(id, now))
            assertEquals("A free pastry with your coffee", opened.row.title)
            assertEquals(OfferState.PRESENTED, engine.offers(now).single().state)
            assertIs<ActionResult.Redeemed>(presenter.redeem(id, now))
            assertIs<OpenedOffer.Gone>(presenter.open(id, now))
        }
    }

    @Test
    fun `dismiss removes it, and near the end of its window an offer is urgent`() {
        Fixtures.engine(dir, "catalogs/shop-street.signed.json", start).use { engine ->
            engine.recordLocations(Walks.intoCafe(start))
            val presenter = OffersPresenter(engine)
            val offer = engine.offers(start.plus(Duration.ofMinutes(20))).single()
            val late = offer.expiresAt.minus(Duration.ofMinutes(5))
            assertEquals(true, presenter.load(late).single().urgent)
            assertIs<ActionResult.Done>(presenter.dismiss(offer.id, late))
            assertEquals(emptyList(), presenter.load(late))
        }
    }
}
