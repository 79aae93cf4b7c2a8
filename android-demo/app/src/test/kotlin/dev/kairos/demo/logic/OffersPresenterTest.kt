package dev.kairos.demo.logic

import dev.kairos.OfferState
import java.nio.file.Path
import java.time.Duration
import org.junit.jupiter.api.io.TempDir
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

class OffersPresenterTest {
    @TempDir
    lateinit var dir: Path

    private val start = Walks.TEN_AM

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
    fun `redeem once, then the engine's refusal is shown`() {
        Fixtures.engine(dir, "catalogs/shop-street.signed.json", start).use { engine ->
            engine.recordLocations(Walks.intoCafe(start))
            val now = start.plus(Duration.ofMinutes(20))
            val presenter = OffersPresenter(engine)
            val id = presenter.load(now).single().id
            assertIs<ActionResult.Done>(presenter.redeem(id, now))
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
            assertIs<ActionResult.Done>(presenter.redeem(id, now))
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
