import Foundation
import Kairos
import KairosDemoCore
import XCTest

final class ReplayDriverTests: XCTestCase {
    let drive = QaTrack.all[0]

    func session(catalog: Bool = true) throws -> QaSession {
        try QaSession(parent: try Fixtures.tempDir(), track: drive, trackText: try Fixtures.text(drive.file),
                      catalog: catalog ? try Fixtures.resource(drive.catalog!) : nil,
                      catalogKey: try Fixtures.text(QaTrack.catalogKeyFile))
    }

    func testTheDriveReplaysAt60xAndTheOfferIsSuppressedWhileDriving() async throws {
        let qa = try session()
        var waits: [TimeInterval] = []
        var events: [KairosEvent] = []
        var progress: [ReplayProgress] = []
        let done = try await ReplayDriver(engine: qa.engine, pause: { waits.append($0) })
            .play(qa.fixes, speed: { 60 }, onEvents: { events += $0 }, onProgress: { progress.append($0) })
        XCTAssertEqual(waits.reduce(0, +), 1830.0 / 60, accuracy: 1e-6)
        XCTAssertEqual(done, ReplayProgress(trackTime: Fixtures.at("2026-11-24T20:30:30Z"), fixesSent: 75, fixesTotal: 75, events: events.count))
        XCTAssertEqual(progress.last, done)
        let suppressed = events.compactMap { event -> String? in
            if case let .offerSuppressed(_, offerId, _, _, _, reason, _) = event { return "\(offerId) \(reason)" }
            return nil
        }
        XCTAssertTrue(suppressed.contains("drive-thru-combo whileDriving"), "\(events.map(EventText.describe))")
        XCTAssertFalse(events.contains { if case .offerTriggered = $0 { return true } else { return false } })
        XCTAssertEqual(events.map(EventText.at), events.map(EventText.at).sorted())
    }

    func testSpeedIsReadEveryWindowAndClamped() async throws {
        let qa = try session(catalog: false)
        var waits: [TimeInterval] = []
        var speeds = [0, 500, 2]
        try await ReplayDriver(engine: qa.engine, pause: { waits.append($0) })
            .play(Array(qa.fixes.prefix(25)), speed: { speeds.isEmpty ? 2 : speeds.removeFirst() }, onEvents: { _ in })
        XCTAssertEqual(Array(waits.prefix(3)), [10, 10.0 / 60, 5])
    }
}

final class PresenterTests: XCTestCase {
    func testOffersListRedeemAndRefusal() throws {
        let engine = try Fixtures.engine(catalog: "catalogs/shop-street.signed.json")
        _ = try engine.recordLocations(fixes: Fixtures.intoCafe())
        let now = Fixtures.tenAM.addingTimeInterval(20 * 60)
        let presenter = OffersPresenter(engine: engine)
        let rows = try presenter.load(now: now)
        XCTAssertEqual(rows.map(\.title), ["A free pastry with your coffee"])
        XCTAssertTrue(rows[0].countdown.hasPrefix("claim within 4"), rows[0].countdown)
        XCTAssertEqual(try engine.offers(now: now).first?.state, .presented)
        guard case .redeemed = presenter.redeem(rows[0].id, now: now) else { return XCTFail("not redeemed") }
        guard case let .refused(reason) = presenter.redeem(rows[0].id, now: now) else { return XCTFail("redeemed twice") }
        XCTAssertTrue(reason.contains("already redeemed"), reason)
        XCTAssertEqual(try presenter.load(now: now), [])
    }

    func testProfileStepsAndVisits() throws {
        let engine = try Fixtures.engine()
        let start = Fixtures.tenAM
        _ = try engine.recordStepSamples(samples: [.interval(start: start.addingTimeInterval(-3600), end: start, steps: 4210)])
        let stay = (61...120).map { Fixtures.cafeFix(start, 190 + Double($0) * 10, speed: 0) }
        let away = (1...30).map { Fixtures.cafeFix(start, 1390 + Double($0) * 10, east: Double($0) * 14) }
        _ = try engine.recordLocations(fixes: Fixtures.intoCafe(start) + stay + away)
        let profile = try ProfilePresenter(engine: engine, zone: Fixtures.la).load(now: start.addingTimeInterval(40 * 60))
        XCTAssertEqual(profile.steps, "4,210 of 7,500 steps")
        XCTAssertEqual(profile.goalLine, "3,290 to go")
        XCTAssertEqual(profile.progress, 4210.0 / 7500, accuracy: 1e-9)
        XCTAssertEqual(profile.visits.count, 1, "\(profile.visits)")
        XCTAssertTrue(profile.visits[0].hasPrefix("10:0"), profile.visits[0])
    }

    func testPrivacyLedgerExportErase() throws {
        let engine = try Fixtures.engine()
        let presenter = PrivacyPresenter(engine: engine, zone: Fixtures.la)
        XCTAssertEqual(try presenter.load().purposes.map(\.granted), [false, false, false, false])
        try presenter.setConsent(.activity, granted: true, now: Fixtures.at("2026-11-24T17:00:00Z"))
        try presenter.setConsent(.activity, granted: false, now: Fixtures.at("2026-11-24T17:05:00Z"))
        let privacy = try presenter.load()
        XCTAssertEqual(privacy.ledger, ["Tue 24 Nov 09:05 · Activity off · policy 2026-11", "Tue 24 Nov 09:00 · Activity on · policy 2026-11"])
        XCTAssertEqual(privacy.outbox, "1 item waits to be sent")
        XCTAssertTrue(try presenter.export().contains("kairos-export/2"))
        try presenter.setConsent(.visits, granted: true, now: Fixtures.tenAM)
        try presenter.erase(now: Fixtures.tenAM.addingTimeInterval(60))
        XCTAssertEqual(try presenter.load().purposes.map(\.granted), [false, false, false, false])
    }


    func testTheSensingStatusLineShowsThePlanAndFollowsItsChanges() throws {
        let engine = try Fixtures.engine(catalog: "catalogs/shop-street.signed.json")
        var status = SensingStatus()
        XCTAssertEqual(status.line, "Sensing: no plan yet")
        status.show(try engine.sensingPlan(now: Fixtures.tenAM))
        XCTAssertEqual(status.line, "Sensing: balanced every 30 s (roaming)", "no fix yet")
        let events = try engine.recordLocations(fixes: Fixtures.intoCafe()).events
        events.forEach { status.onEvent($0) }
        let changes = events.compactMap { event -> String? in
            guard case let .sensingPlanChanged(_, accuracy, intervalMs, _, _, reason, _) = event else { return nil }
            return SensingStatus.text(accuracy, intervalMs: intervalMs, reason)
        }
        XCTAssertEqual(status.line, changes.last, "the last change is shown")
        XCTAssertNotEqual(status.line, "Sensing: balanced every 30 s (roaming)")
        XCTAssertEqual(SensingStatus.text(.high, intervalMs: 2_500, .nearBoundary), "Sensing: high every 2.5 s (near boundary)")
        XCTAssertEqual(SensingStatus.text(.low, intervalMs: 30_000, .quietHours), "Sensing: low every 30 s (quiet hours)")
    }

    func testAnOfferNotificationOpensThatOfferUntilItIsRedeemed() throws {
        let engine = try Fixtures.engine(catalog: "catalogs/shop-street.signed.json")
        let events = try engine.recordLocations(fixes: Fixtures.intoCafe()).events
        let offer = try XCTUnwrap(events.compactMap { event -> (Int64, Date)? in
            if case let .offerTriggered(at, instanceId, _, _, _, _, _, _) = event { return (instanceId, at) }
            return nil
        }.first)
        let notice = try XCTUnwrap(Notices.of(events.first { if case .offerTriggered = $0 { return true } else { return false } }!, now: offer.1))
        XCTAssertEqual(notice.offerInstanceId, offer.0)
        XCTAssertEqual(notice.id, Notices.offerId(offer.0))
        let presenter = OffersPresenter(engine: engine)
        let later = offer.1.addingTimeInterval(60)
        guard case let .claimable(row) = try presenter.open(offer.0, now: later) else { return XCTFail("not claimable") }
        XCTAssertEqual(row.id, offer.0)
        guard case .redeemed = presenter.redeem(offer.0, now: later) else { return XCTFail("not redeemed") }
        XCTAssertEqual(try presenter.open(offer.0, now: later), .gone("That offer can no longer be claimed."))
    }
}
