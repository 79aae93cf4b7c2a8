import Foundation
import XCTest
@testable import Kairos

/// Step samples: the daily summary, the goal event, the nudge, and what is refused.
final class StepsTests: EngineTestCase {
    let start = Fixtures.nineAM

    func testPedometerIntervalsGiveTheDaysStepsAgainstTheGoal() throws {
        let engine = try Fixtures.open(dir)
        // CMPedometer: steps between two dates.
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 30, steps: 1430))
        let today = try engine.today(now: start.addingTimeInterval(3600))
        XCTAssertEqual(today.day, LocalDay(year: 2026, month: 11, day: 24))
        XCTAssertEqual(today.steps, 1430)
        XCTAssertEqual(today.goal, 7500)
        XCTAssertEqual(today.remaining, 6070)
        XCTAssertFalse(today.goalReached)
        XCTAssertEqual(today.lastActiveAt, start.addingTimeInterval(30 * 60), "about 48 steps a minute is active")
    }

    func testCounterSamplesSurviveAReboot() throws {
        let engine = try Fixtures.open(dir)
        _ = try engine.recordStepSamples(samples: [
            .counter(at: start, countSinceBoot: 5_000),
            .counter(at: start.addingTimeInterval(600), countSinceBoot: 5_400),
            // Rebooted: the counter starts again from zero.
            .counter(at: start.addingTimeInterval(1200), countSinceBoot: 300),
        ])
        XCTAssertEqual(try engine.today(now: start).steps, 700)
    }

    func testTheGoalReachedEventFiresOnceADay() throws {
        let engine = try Fixtures.open(dir, stepGoal: 1000)
        XCTAssertEqual(try engine.recordSteps(sample: Fixtures.interval(start, minutes: 10, steps: 600)), [])
        let reached = try engine.recordSteps(sample: Fixtures.interval(start.addingTimeInterval(600), minutes: 10, steps: 600))
        XCTAssertEqual(reached.count, 1)
        guard case let .stepGoalReached(_, day, steps, goal) = reached[0] else { return XCTFail("\(reached)") }
        XCTAssertEqual(day, LocalDay(year: 2026, month: 11, day: 24))
        XCTAssertEqual(steps, 1200)
        XCTAssertEqual(goal, 1000)
        XCTAssertEqual(try engine.recordSteps(sample: Fixtures.interval(start.addingTimeInterval(1200), minutes: 10, steps: 600)), [])
        let today = try engine.today(now: start)
        XCTAssertTrue(today.goalReached)
        XCTAssertEqual(today.remaining, 0)
    }

    func testOverlappingPedometerIntervalsNeverCountAStepTwice() throws {
        let engine = try Fixtures.open(dir)
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 30, steps: 500))
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 60, steps: 800))
        XCTAssertEqual(try engine.today(now: start).steps, 800)
    }

    func testOneInvalidSampleRefusesTheWholeBurst() throws {
        let engine = try Fixtures.open(dir)
        let backwards = StepSample.interval(start: start.addingTimeInterval(60), end: start, steps: 10)
        assertKairosError(try engine.recordStepSamples(samples: [Fixtures.interval(start, minutes: 10, steps: 500), backwards])) { e in
            guard case let .InvalidInput(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("sample 1") && reason.contains("is not after its start"), reason)
        }
        assertKairosError(try engine.recordSteps(sample: Fixtures.interval(start, minutes: 10, steps: -5))) { e in
            guard case let .InvalidInput(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("steps -5 is negative"), reason)
        }
        XCTAssertEqual(try engine.today(now: start).steps, 0)
    }

    func testAnHourSeatedBringsOneInactivityNudgeFromTick() throws {
        let engine = try Fixtures.open(dir)
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 10, steps: 500))
        let activeUntil = start.addingTimeInterval(600)
        XCTAssertEqual(try engine.tick(now: activeUntil.addingTimeInterval(59 * 60)), [])
        let events = try engine.tick(now: activeUntil.addingTimeInterval(60 * 60))
        XCTAssertEqual(events.count, 1)
        guard case let .inactivityNudge(_, since, minutes) = events[0] else { return XCTFail("\(events)") }
        XCTAssertEqual(since, activeUntil)
        XCTAssertEqual(minutes, 60)
        XCTAssertEqual(try engine.tick(now: activeUntil.addingTimeInterval(75 * 60)), [], "once per stretch")
    }

    func testATickOutsideTheSupportedYearsIsRefused() throws {
        let engine = try Fixtures.open(dir)
        assertKairosError(try engine.tick(now: Date(timeIntervalSince1970: 0))) { e in
            guard case let .InvalidInput(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("outside 2000..2100"), reason)
        }
    }
}
