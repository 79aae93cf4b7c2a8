import Foundation
import XCTest
@testable import Kairos

/// The right message: the notification budget, claim windows that end at closing time, the relevance floor.
final class MessagesTests: EngineTestCase {
    func testTheNotificationBudgetAndTheRelevanceFloorHaveTheDocumentedDefaults() {
        let c = EngineConfig(dataDir: dir.path, timeZone: Fixtures.timeZone, sealingKey: Fixtures.key)
        XCTAssertEqual([c.notificationsPerDay, c.minMinutesBetweenNotifications], [6, 10])
        XCTAssertEqual(c.relevanceFloor, 0.08)
        let bad = EngineConfig(dataDir: dir.path, timeZone: Fixtures.timeZone, sealingKey: Fixtures.key, notificationsPerDay: 0)
        assertKairosError(try Engine.open(config: bad)) { e in
            guard case let .InvalidInput(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("notification_budget.per_day must be positive"), reason)
        }
    }

    func testANudgeDueJustAfterAnOfferIsHeldByTheNotificationBudgetWithItsReason() throws {
        let engine = try Mall.openLoaded(dir)
        _ = try engine.recordSteps(sample: Fixtures.interval(Mall.at(9, 0), minutes: 30, steps: 1430))
        let offer = try XCTUnwrap(triggered(try engine.recordLocations(fixes: Mall.walk(Mall.at(10, 24))).events).first)
        let events = try engine.tick(now: Mall.at(10, 31))
        XCTAssertFalse(events.contains { if case .inactivityNudge = $0 { return true } else { return false } }, "\(events)")
        let held = events.compactMap { e -> (MessageKind, BudgetLimit, Date, String)? in
            if case let .notificationHeld(_, message, limit, until, explanation) = e { return (message, limit, until, explanation) }
            return nil
        }
        XCTAssertEqual(held.count, 1, "\(events)")
        let (message, limit, until, explanation) = try XCTUnwrap(held.first)
        XCTAssertEqual(message, .inactivityNudge)
        XCTAssertEqual(limit, .minGap)
        XCTAssertEqual(until, offer.at.addingTimeInterval(600))
        XCTAssertTrue(explanation.contains("notification budget"), explanation)
    }

    func testAnOfferAt2030CanBeClaimedUntilTheBoutiqueClosesAt2100() throws {
        let engine = try Mall.openLoaded(dir)
        let offer = try XCTUnwrap(triggered(try engine.recordLocations(fixes: Mall.walk(Mall.at(20, 30))).events).first)
        XCTAssertEqual(offer.expiresAt, Mall.at(21, 0))
    }
}
