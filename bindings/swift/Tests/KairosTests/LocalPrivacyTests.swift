import Foundation
import XCTest
@testable import Kairos

/// Local differential privacy: off by default, on per purpose with an
/// epsilon that each summary records.
final class LocalPrivacyTests: EngineTestCase {
    let start = Fixtures.nineAM
    var nextNight: Date { start.addingTimeInterval(17 * 3600) }

    func config(activityEpsilon: Double?) -> EngineConfig {
        EngineConfig(dataDir: dir.path, timeZone: Fixtures.timeZone, sealingKey: Fixtures.key, activityEpsilon: activityEpsilon)
    }

    func testAnActivityEpsilonNoisesTheSummaryAndItsBudgetIsRecorded() throws {
        XCTAssertThrowsError(try Engine.open(config: config(activityEpsilon: 0)))
        let engine = try Engine.open(config: config(activityEpsilon: 1.0))
        _ = try engine.setConsent(purpose: .activity, granted: true, policyVersion: "2026-11", now: start)
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 60, steps: 1430))
        XCTAssertEqual(try engine.privacyBudget(fromDay: LocalDay(year: 2026, month: 11, day: 1), toDay: LocalDay(year: 2026, month: 11, day: 30)), [])
        _ = try engine.tick(now: nextNight)
        let item = try XCTUnwrap(try engine.outbox().first)
        let payload = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(item.payload.utf8)) as? [String: Any])
        let noise = try XCTUnwrap(payload["noise"] as? [String: Any])
        XCTAssertEqual(noise["mechanism"] as? String, "geometric")
        XCTAssertEqual(noise["epsilon"] as? Double, 1.0)
        let spent = try engine.privacyBudget(fromDay: LocalDay(year: 2026, month: 11, day: 24), toDay: LocalDay(year: 2026, month: 11, day: 24))
        XCTAssertEqual(spent, [BudgetEntry(day: LocalDay(year: 2026, month: 11, day: 24), purpose: .activity, mechanism: "geometric", epsilon: 1.0, spentAt: nextNight)])
    }
}
