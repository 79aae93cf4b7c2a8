package dev.kairos

import java.nio.file.Path
import java.time.Duration
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Offers: loading the signed catalog, triggering, listing, the lifecycle, wake regions. */
class OffersTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `the offer policy and catalog settings have the documented defaults`() {
        val c = EngineConfig(dataDir = dir.toString(), timeZone = Fixtures.TZ, sealingKey = Fixtures.KEY)
        assertEquals(emptyList(), c.catalogKeys)
        assertNull(c.installId)
        assertEquals(21 to 8, c.quietHoursStart to c.quietHoursEnd)
        assertEquals(listOf(4, 30, 2, 7), listOf(c.offersPerDay, c.minMinutesBetweenOffers, c.offersPerMerchantPerDay, c.dismissalCooldownDays))
        val e = assertFailsWith<KairosException.InvalidInput> { Engine.open(c.copy(offersPerDay = -1)) }
        assertContains(e.reason, "offers_per_day must not be negative")
        assertEquals(2000.0, c.tileRadiusM)
    }

    @Test
    fun `a single signed catalog holds no tiles and a tile radius out of range is refused at open`() {
        Mall.openLoaded(dir).use { engine -> assertNull(engine.catalogTiles(), "a single document is not tiled") }
        val c = EngineConfig(dataDir = dir.resolve("tiles").toString(), timeZone = Fixtures.TZ, sealingKey = Fixtures.KEY)
        Engine.open(c.copy(tileRadiusM = 5000.0)).use { engine -> assertNull(engine.catalogTiles()) }
        val e = assertFailsWith<KairosException.InvalidInput> { Engine.open(c.copy(tileRadiusM = 10.0)) }
        assertContains(e.reason, "tile_radius_m must be within 100..=50000")
    }

    @Test
    fun `loading the signed catalog reports it and tells listeners`() {
        Mall.open(dir).use { engine ->
            assertNull(engine.catalogInfo())
            val recorder = Recorder()
            engine.subscribe(recorder).use {
                val info = engine.loadCatalog(Mall.envelope, Mall.at("10:00"))
                assertEquals(listOf(1L, 3L, 3L, 3L), listOf(info.version, info.merchants, info.offers, info.fences))
                assertEquals(Fixtures.at("2027-02-20T08:00:00Z"), info.expiresAt)
                assertEquals(info, engine.catalogInfo())
                val loaded = assertIs<KairosEvent.CatalogLoaded>(recorder.events.single())
                assertEquals(3L, loaded.offers)
            }
            // The stored catalog is checked at open against the engine's clock.
            engine.tick(Mall.at("10:01"))
        }
        Mall.open(dir).use { reopened -> assertEquals(1L, reopened.catalogInfo()?.version, "kept in the profile") }
    }

    @Test
    fun `walking into the open boutique triggers its offer, returned and delivered`() {
        Mall.openLoaded(dir).use { engine ->
            val recorder = Recorder()
            engine.subscribe(recorder).use {
                val events = engine.recordLocations(Mall.walk(Mall.at("10:32"))).events
                val offer = triggered(events).single()
                assertEquals(Mall.BOUTIQUE_OFFER, offer.offerId)
                assertEquals(Mall.BOUTIQUE, offer.placeId)
                assertEquals(OfferTrigger.ENTER, offer.trigger)
                assertEquals("20% off your first visit", offer.title)
                assertEquals(Duration.ofHours(3), Duration.between(offer.at, offer.expiresAt))
                assertTrue(events.any { it is KairosEvent.FenceEntered && it.placeId == Mall.BOUTIQUE })
                assertEquals(events, recorder.events)
            }
        }
    }

    @Test
    fun `offers lists the triggered offer with its 3-hour claim window`() {
        Mall.openLoaded(dir).use { engine ->
            val event = triggered(engine.recordLocations(Mall.walk(Mall.at("10:32"))).events).single()
            val offer = engine.offers(event.at.plusSeconds(60)).single()
            assertEquals(event.instanceId, offer.id)
            assertEquals(OfferState.TRIGGERED, offer.state)
            assertEquals(Mall.BOUTIQUE_OFFER, offer.offerId)
            assertEquals("maison-lumiere", offer.merchantId)
            // No `social`, no friends count: the fallback text, never a made-up count.
            assertEquals("Show this offer at the till for 20% off any full-price item.", offer.body)
            assertEquals(event.at, offer.triggeredAt)
            assertEquals(offer.triggeredAt.plus(Duration.ofHours(3)), offer.expiresAt)
            assertEquals(emptyList(), engine.offers(offer.expiresAt), "no longer claimable when the window ends")
        }
    }

    @Test
    fun `presented then redeemed, and redeeming again is an InvalidOfferTransition`() {
        Mall.openLoaded(dir).use { engine ->
            val id = triggered(engine.recordLocations(Mall.walk(Mall.at("10:32"))).events).single().instanceId
            val shown = engine.presented(id, Mall.at("10:34"))
            assertEquals(OfferState.PRESENTED to Mall.at("10:34"), shown.state to shown.stateAt)
            val redeemed = engine.redeemed(id, Mall.at("11:05"))
            assertEquals(OfferState.REDEEMED to Mall.at("11:05"), redeemed.state to redeemed.stateAt)
            val e = assertFailsWith<KairosException.InvalidOfferTransition> { engine.redeemed(id, Mall.at("11:06")) }
            assertEquals(id, e.instanceId)
            assertEquals("offer instance $id cannot become redeemed: it is already redeemed", e.reason)
            assertContains(e.message, e.reason)
            assertEquals(emptyList(), engine.offers(Mall.at("11:06")))
            assertEquals(listOf(redeemed), engine.offerHistory(Mall.at("00:00"), Mall.at("23:59")))
        }
    }

    @Test
    fun `dismissing closes the offer and an unknown id is an UnknownOffer`() {
        Mall.openLoaded(dir).use { engine ->
            val id = triggered(engine.recordLocations(Mall.walk(Mall.at("10:32"))).events).single().instanceId
            assertEquals(OfferState.DISMISSED, engine.dismissed(id, Mall.at("10:40")).state)
            assertEquals(emptyList(), engine.offers(Mall.at("10:41")))
            assertFailsWith<KairosException.InvalidOfferTransition> { engine.presented(id, Mall.at("10:42")) }
            val e = assertFailsWith<KairosException.UnknownOffer> { engine.redeemed(id + 1000, Mall.at("10:42")) }
            assertEquals(id + 1000, e.instanceId)
            assertEquals("no offer instance with id ${id + 1000}", e.reason)
        }
    }

    @Test
    fun `before opening hours the offer is suppressed with a reason code`() {
        Mall.open(dir).use { engine ->
            engine.loadCatalog(Mall.envelope, Mall.at("09:00"))
            val events = engine.recordLocations(Mall.walk(Mall.at("09:45"))).events
            assertEquals(emptyList(), triggered(events))
            val suppressed = events.filterIsInstance<KairosEvent.OfferSuppressed>().single()
            assertEquals(Mall.BOUTIQUE_OFFER to SuppressionReason.OUTSIDE_SCHEDULE, suppressed.offerId to suppressed.reason)
            assertContains(suppressed.explanation, "opening hours")
        }
    }

    @Test
    fun `a tampered or garbage catalog is an InvalidCatalog and the catalog in force stays`() {
        Mall.openLoaded(dir).use { engine ->
            val before = engine.catalogInfo()
            val tampered = assertFailsWith<KairosException.InvalidCatalog> { engine.loadCatalog(Mall.tampered(), Mall.at("10:05")) }
            assertContains(tampered.reason, "signature does not verify")
            val garbage = assertFailsWith<KairosException.InvalidCatalog> {
                engine.loadCatalog("not a catalog".toByteArray(), Mall.at("10:06"))
            }
            assertContains(garbage.reason, "not JSON")
            assertEquals(before, engine.catalogInfo())
            assertEquals(1, triggered(engine.recordLocations(Mall.walk(Mall.at("10:32"))).events).size, "still in force")
        }
        Mall.open(dir.resolve("untrusting"), keys = emptyList()).use { engine ->
            val e = assertFailsWith<KairosException.InvalidCatalog> { engine.loadCatalog(Mall.envelope, Mall.at("10:00")) }
            assertContains(e.reason, "unknown key \"test-key\"")
            assertNull(engine.catalogInfo())
        }
    }

    @Test
    fun `wake regions are the nearest catalog places, nearest first`() {
        Mall.open(dir).use { engine ->
            assertEquals(emptyList(), engine.wakeRegions(37.332, -121.938, 20), "none without a catalog")
            engine.loadCatalog(Mall.envelope, Mall.at("10:00"))
            // At the grocery store, 1 km north-east of the mall.
            val regions = engine.wakeRegions(37.332, -121.938, 20)
            assertEquals(listOf(Mall.GROCERY, Mall.FOOD_COURT, Mall.BOUTIQUE), regions.map { it.placeId })
            assertEquals(0.0, regions[0].distanceM)
            assertEquals(120.0, regions[0].radiusM, 1.0)
            assertTrue(regions.zipWithNext().all { (a, b) -> a.distanceM <= b.distanceM })
            assertTrue(regions[1].distanceM > 500.0, "${regions[1]}")
            assertEquals(listOf(Mall.BOUTIQUE), engine.wakeRegions(37.32567, -121.9458, 1).map { it.placeId })
            assertFailsWith<KairosException.InvalidInput> { engine.wakeRegions(37.0, -121.0, -1) }
            assertFailsWith<KairosException.InvalidFix> { engine.wakeRegions(91.0, 0.0, 1) }
        }
    }

    @Test
    fun `the sensing plan is a typed record and its changes reach listeners as enums`() {
        Mall.openLoaded(dir).use { engine ->
            val first = engine.sensingPlan(Mall.at("10:00"))
            assertEquals(SensingAccuracy.BALANCED to SensingReason.ROAMING, first.accuracy to first.reason)
            assertTrue(first.intervalMs > 0L, "$first")
            assertEquals(emptyList(), first.wakeRegions, "no fix yet: no position, no region")
            val recorder = Recorder()
            engine.subscribe(recorder).use { engine.recordLocations(Mall.walk(Mall.at("10:32"))) }
            val changes = recorder.events.filterIsInstance<KairosEvent.SensingPlanChanged>()
            assertTrue(changes.any { it.accuracy == SensingAccuracy.HIGH && it.reason == SensingReason.IN_FENCE }, "$changes")
            val plan = engine.sensingPlan(Mall.at("10:34"))
            assertEquals(SensingAccuracy.HIGH, plan.accuracy)
            assertEquals(setOf(Mall.BOUTIQUE, Mall.FOOD_COURT, Mall.GROCERY), plan.wakeRegions.map { it.placeId }.toSet())
            assertTrue(plan.wakeRegions.zipWithNext().all { (a, b) -> a.distanceM <= b.distanceM })
        }
    }
}
