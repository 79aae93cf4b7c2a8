import Foundation
import XCTest
@testable import Kairos

/// Offers: loading the signed catalog, triggering, listing, the lifecycle, wake regions.
final class OffersTests: EngineTestCase {
    func testOfferPolicyAndCatalogSettingsHaveTheDocumentedDefaults() {
        let c = EngineConfig(dataDir: dir.path, timeZone: Fixtures.timeZone, sealingKey: Fixtures.key)
        XCTAssertEqual(c.catalogKeys, [])
        XCTAssertNil(c.installId)
        XCTAssertEqual([c.quietHoursStart, c.quietHoursEnd], [21, 8])
        XCTAssertEqual([c.offersPerDay, c.minMinutesBetweenOffers, c.offersPerMerchantPerDay, c.dismissalCooldownDays], [4, 30, 2, 7])
        let bad = EngineConfig(dataDir: dir.path, timeZone: Fixtures.timeZone, sealingKey: Fixtures.key, offersPerDay: -1)
        assertKairosError(try Engine.open(config: bad)) { e in
            guard case let .InvalidInput(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("offers_per_day must not be negative"), reason)
        }
        XCTAssertEqual(c.tileRadiusM, 2000.0)
    }

    func testASingleSignedCatalogHoldsNoTilesAndATileRadiusOutOfRangeIsRefusedAtOpen() throws {
        let loaded = try Mall.openLoaded(dir)
        XCTAssertNil(try loaded.catalogTiles(), "a single document is not tiled")
        let tilesDir = dir.appendingPathComponent("tiles").path
        let wide = EngineConfig(dataDir: tilesDir, timeZone: Fixtures.timeZone, sealingKey: Fixtures.key, tileRadiusM: 5000.0)
        XCTAssertNil(try Engine.open(config: wide).catalogTiles())
        let narrow = EngineConfig(dataDir: tilesDir, timeZone: Fixtures.timeZone, sealingKey: Fixtures.key, tileRadiusM: 10.0)
        assertKairosError(try Engine.open(config: narrow)) { e in
            guard case let .InvalidInput(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("tile_radius_m must be within 100..=50000"), reason)
        }
    }

    func testLoadingTheSignedCatalogReportsItAndTellsListeners() throws {
        var engine: Engine? = try Mall.open(dir)
        XCTAssertNil(try engine!.catalogInfo())
        let recorder = Recorder()
        let subscription = engine!.subscribe(listener: recorder)
        let info = try engine!.loadCatalog(envelope: Mall.envelope, now: Mall.at(10, 0))
        XCTAssertEqual([info.version, info.merchants, info.offers, info.fences], [1, 3, 3, 3])
        XCTAssertEqual(info.expiresAt, ISO8601DateFormatter().date(from: "2027-02-20T08:00:00Z"))
        XCTAssertEqual(try engine!.catalogInfo(), info)
        XCTAssertEqual(recorder.events.count, 1)
        guard case let .catalogLoaded(_, version, offers, _) = recorder.events.first else { return XCTFail("\(recorder.events)") }
        XCTAssertEqual([version, offers], [1, 3])
        subscription.cancel()
        // The stored catalog is checked at open against the engine's clock.
        _ = try engine!.tick(now: Mall.at(10, 1))
        engine = nil
        XCTAssertEqual(try Mall.open(dir).catalogInfo()?.version, 1, "kept in the profile")
    }

    func testWalkingIntoTheOpenBoutiqueTriggersItsOfferReturnedAndDelivered() throws {
        let engine = try Mall.openLoaded(dir)
        let recorder = Recorder()
        let subscription = engine.subscribe(listener: recorder)
        let events = try engine.recordLocations(fixes: Mall.walk(Mall.at(10, 32))).events
        let offers = triggered(events)
        XCTAssertEqual(offers.count, 1, "\(events)")
        let offer = try XCTUnwrap(offers.first)
        XCTAssertEqual([offer.offerId, offer.placeId], [Mall.boutiqueOffer, Mall.boutique])
        XCTAssertEqual(offer.trigger, .enter)
        XCTAssertEqual(offer.title, "20% off your first visit")
        XCTAssertEqual(offer.expiresAt.timeIntervalSince(offer.at), 3 * 3600)
        XCTAssertTrue(events.contains { if case let .fenceEntered(_, placeId, _) = $0 { return placeId == Mall.boutique } else { return false } })
        XCTAssertEqual(recorder.events, events)
        subscription.cancel()
    }

    func testOffersListsTheTriggeredOfferWithItsThreeHourClaimWindow() throws {
        let engine = try Mall.openLoaded(dir)
        let event = try XCTUnwrap(triggered(try engine.recordLocations(fixes: Mall.walk(Mall.at(10, 32))).events).first)
        let offers = try engine.offers(now: event.at.addingTimeInterval(60))
        XCTAssertEqual(offers.count, 1)
        let offer = try XCTUnwrap(offers.first)
        XCTAssertEqual(offer.id, event.instanceId)
        XCTAssertEqual(offer.state, .triggered)
        XCTAssertEqual([offer.offerId, offer.merchantId], [Mall.boutiqueOffer, "maison-lumiere"])
        // No `social`, no friends count: the fallback text, never a made-up count.
        XCTAssertEqual(offer.body, "Show this offer at the till for 20% off any full-price item.")
        XCTAssertEqual(offer.triggeredAt, event.at)
        XCTAssertEqual(offer.expiresAt, offer.triggeredAt.addingTimeInterval(3 * 3600))
        XCTAssertEqual(try engine.offers(now: offer.expiresAt), [], "no longer claimable when the window ends")
    }

    func testPresentedThenRedeemedAndRedeemingAgainIsAnInvalidOfferTransition() throws {
        let engine = try Mall.openLoaded(dir)
        let id = try XCTUnwrap(triggered(try engine.recordLocations(fixes: Mall.walk(Mall.at(10, 32))).events).first).instanceId
        let shown = try engine.presented(instanceId: id, now: Mall.at(10, 34))
        XCTAssertEqual(shown.state, .presented)
        XCTAssertEqual(shown.stateAt, Mall.at(10, 34))
        let redeemed = try engine.redeemed(instanceId: id, now: Mall.at(11, 5))
        XCTAssertEqual(redeemed.state, .redeemed)
        XCTAssertEqual(redeemed.stateAt, Mall.at(11, 5))
        assertKairosError(try engine.redeemed(instanceId: id, now: Mall.at(11, 6))) { e in
            guard case let .InvalidOfferTransition(reason, instanceId) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(instanceId, id)
            XCTAssertEqual(reason, "offer instance \(id) cannot become redeemed: it is already redeemed")
            XCTAssertTrue(e.localizedDescription.contains("already redeemed"), e.localizedDescription)
        }
        XCTAssertEqual(try engine.offers(now: Mall.at(11, 6)), [])
        XCTAssertEqual(try engine.offerHistory(from: Mall.at(0, 0), to: Mall.at(23, 59)), [redeemed])
    }

    func testDismissingClosesTheOfferAndAnUnknownIdIsAnUnknownOffer() throws {
        let engine = try Mall.openLoaded(dir)
        let id = try XCTUnwrap(triggered(try engine.recordLocations(fixes: Mall.walk(Mall.at(10, 32))).events).first).instanceId
        XCTAssertEqual(try engine.dismissed(instanceId: id, now: Mall.at(10, 40)).state, .dismissed)
        XCTAssertEqual(try engine.offers(now: Mall.at(10, 41)), [])
        assertKairosError(try engine.presented(instanceId: id, now: Mall.at(10, 42))) { e in
            guard case .InvalidOfferTransition = e else { return XCTFail("\(e)") }
        }
        assertKairosError(try engine.redeemed(instanceId: id + 1000, now: Mall.at(10, 42))) { e in
            guard case let .UnknownOffer(reason, instanceId) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(instanceId, id + 1000)
            XCTAssertEqual(reason, "no offer instance with id \(id + 1000)")
        }
    }

    func testBeforeOpeningHoursTheOfferIsSuppressedWithAReasonCode() throws {
        let engine = try Mall.open(dir)
        _ = try engine.loadCatalog(envelope: Mall.envelope, now: Mall.at(9, 0))
        let events = try engine.recordLocations(fixes: Mall.walk(Mall.at(9, 45))).events
        XCTAssertEqual(triggered(events), [])
        let suppressed: [(String, SuppressionReason, String)] = events.compactMap {
            guard case let .offerSuppressed(_, offerId, _, _, _, reason, explanation) = $0 else { return nil }
            return (offerId, reason, explanation)
        }
        XCTAssertEqual(suppressed.count, 1, "\(events)")
        XCTAssertEqual(suppressed.first?.0, Mall.boutiqueOffer)
        XCTAssertEqual(suppressed.first?.1, .outsideSchedule)
        XCTAssertTrue(suppressed.first?.2.contains("opening hours") ?? false)
    }

    func testATamperedOrGarbageCatalogIsInvalidAndTheCatalogInForceStays() throws {
        let engine = try Mall.openLoaded(dir)
        let before = try engine.catalogInfo()
        assertKairosError(try engine.loadCatalog(envelope: Mall.tampered(), now: Mall.at(10, 5))) { e in
            guard case let .InvalidCatalog(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("signature does not verify"), reason)
        }
        assertKairosError(try engine.loadCatalog(envelope: Data("not a catalog".utf8), now: Mall.at(10, 6))) { e in
            guard case let .InvalidCatalog(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("not JSON"), reason)
        }
        XCTAssertEqual(try engine.catalogInfo(), before)
        XCTAssertEqual(triggered(try engine.recordLocations(fixes: Mall.walk(Mall.at(10, 32))).events).count, 1, "still in force")

        let untrusting = try Mall.open(dir.appendingPathComponent("untrusting"), keys: [])
        assertKairosError(try untrusting.loadCatalog(envelope: Mall.envelope, now: Mall.at(10, 0))) { e in
            guard case let .InvalidCatalog(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("unknown key \"test-key\""), reason)
        }
        XCTAssertNil(try untrusting.catalogInfo())
    }

    func testWakeRegionsAreTheNearestCatalogPlacesNearestFirst() throws {
        let engine = try Mall.open(dir)
        XCTAssertEqual(try engine.wakeRegions(lat: 37.332, lon: -121.938, n: 20), [], "none without a catalog")
        _ = try engine.loadCatalog(envelope: Mall.envelope, now: Mall.at(10, 0))
        // At the grocery store, 1 km north-east of the mall.
        let regions = try engine.wakeRegions(lat: 37.332, lon: -121.938, n: 20)
        XCTAssertEqual(regions.map(\.placeId), [Mall.grocery, Mall.foodCourt, Mall.boutique])
        XCTAssertEqual(regions[0].distanceM, 0)
        XCTAssertEqual(regions[0].radiusM, 120, accuracy: 1)
        XCTAssertTrue(zip(regions, regions.dropFirst()).allSatisfy { $0.distanceM <= $1.distanceM })
        XCTAssertGreaterThan(regions[1].distanceM, 500)
        XCTAssertEqual(try engine.wakeRegions(lat: 37.32567, lon: -121.9458, n: 1).map(\.placeId), [Mall.boutique])
        assertKairosError(try engine.wakeRegions(lat: 37, lon: -121, n: -1)) { e in
            guard case .InvalidInput = e else { return XCTFail("\(e)") }
        }
        assertKairosError(try engine.wakeRegions(lat: 91, lon: 0, n: 1)) { e in
            guard case .InvalidFix = e else { return XCTFail("\(e)") }
        }
    }

    func testTheSensingPlanIsATypedRecordAndItsChangesReachListenersAsEnums() throws {
        let engine = try Mall.open(dir)
        _ = try engine.loadCatalog(envelope: Mall.envelope, now: Mall.at(10, 0))
        let first = try engine.sensingPlan(now: Mall.at(10, 0))
        XCTAssertEqual(first.accuracy, .balanced)
        XCTAssertEqual(first.reason, .roaming)
        XCTAssertGreaterThan(first.intervalMs, 0)
        XCTAssertEqual(first.wakeRegions, [], "no fix yet: no position, no region")
        let recorder = Recorder()
        let subscription = engine.subscribe(listener: recorder)
        _ = try engine.recordLocations(fixes: Mall.walk(Mall.at(10, 32)))
        subscription.cancel()
        let changes: [(SensingAccuracy, SensingReason)] = recorder.events.compactMap {
            if case let .sensingPlanChanged(_, accuracy, _, _, _, reason, _) = $0 { return (accuracy, reason) }
            return nil
        }
        XCTAssertTrue(changes.contains { $0 == (.high, .inFence) }, "\(changes)")
        let plan = try engine.sensingPlan(now: Mall.at(10, 34))
        XCTAssertEqual(plan.accuracy, .high)
        XCTAssertEqual(Set(plan.wakeRegions.map(\.placeId)), [Mall.boutique, Mall.foodCourt, Mall.grocery])
        XCTAssertTrue(zip(plan.wakeRegions, plan.wakeRegions.dropFirst()).allSatisfy { $0.distanceM <= $1.distanceM })
    }
}
