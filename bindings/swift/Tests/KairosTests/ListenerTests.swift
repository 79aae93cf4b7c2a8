import Foundation
import XCTest
@testable import Kairos

/// Listeners: delivery, cancellation, release and re-entrancy.
final class ListenerTests: EngineTestCase {
    let start = Fixtures.nineAM

    func testEveryListenerReceivesEveryEventAnyCallReturns() throws {
        let engine = try Fixtures.open(dir, stepGoal: 1000)
        let (a, b) = (Recorder(), Recorder())
        let subscriptions = [engine.subscribe(listener: a), engine.subscribe(listener: b)]
        let returned = try engine.recordLocations(fixes: Fixtures.morning(start)).events
            + engine.recordSteps(sample: Fixtures.interval(start, minutes: 20, steps: 1200))
            + engine.tick(now: start.addingTimeInterval(3 * 3600))
        XCTAssertTrue(returned.contains { $0.name == "stepGoalReached" } && returned.contains { $0.name == "visitEnded" })
        XCTAssertEqual(a.events, returned)
        XCTAssertEqual(b.events, returned)
        XCTAssertTrue(subscriptions.allSatisfy { $0.isActive() })
    }

    func testCancelStopsDeliveryAndIsIdempotent() throws {
        let engine = try Fixtures.open(dir, stepGoal: 1000)
        let recorder = Recorder()
        let subscription = engine.subscribe(listener: recorder)
        XCTAssertTrue(subscription.isActive())
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 20, steps: 1200))
        subscription.cancel()
        subscription.cancel()
        XCTAssertFalse(subscription.isActive())
        _ = try engine.recordLocations(fixes: Fixtures.morning(start))
        XCTAssertEqual(recorder.events.map(\.name), ["stepGoalReached"])
    }

    func testReleasingTheSubscriptionStopsDelivery() throws {
        let engine = try Fixtures.open(dir, stepGoal: 1000)
        let recorder = Recorder()
        var subscription: Subscription? = engine.subscribe(listener: recorder)
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 20, steps: 1200))
        XCTAssertNotNil(subscription)
        subscription = nil
        _ = try engine.recordLocations(fixes: Fixtures.morning(start))
        XCTAssertEqual(recorder.calls, 1)
    }

    struct ListenerBug: Error {}

    func testAThrowingListenerBreaksNeitherTheCallNorOtherListeners() throws {
        final class Thrower: EventListener, @unchecked Sendable {
            var calls = 0
            func onEvents(events: [KairosEvent]) throws {
                calls += 1
                throw ListenerBug()
            }
        }
        let engine = try Fixtures.open(dir, stepGoal: 1000)
        let (thrower, recorder) = (Thrower(), Recorder())
        let subscriptions = [engine.subscribe(listener: thrower), engine.subscribe(listener: recorder)]
        let events = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 20, steps: 1200))
        XCTAssertEqual(events.map(\.name), ["stepGoalReached"])
        XCTAssertEqual(recorder.events, events)
        XCTAssertEqual(thrower.calls, 1)
        XCTAssertEqual(try engine.today(now: start).steps, 1200, "the call's data was recorded")
        XCTAssertTrue(subscriptions.allSatisfy { $0.isActive() })
    }

    func testAListenerMayCallBackIntoTheEngine() throws {
        final class Reentrant: EventListener, @unchecked Sendable {
            let engine: Engine
            let now: Date
            var steps: [Int64] = []
            init(_ engine: Engine, _ now: Date) { self.engine = engine; self.now = now }
            func onEvents(events: [KairosEvent]) {
                steps.append((try? engine.today(now: now).steps) ?? -1)
            }
        }
        let engine = try Fixtures.open(dir, stepGoal: 1000)
        let listener = Reentrant(engine, start)
        let subscription = engine.subscribe(listener: listener)
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 20, steps: 1200))
        XCTAssertEqual(listener.steps, [1200])
        subscription.cancel()
    }

    func testReleasingTheEngineEndsItsSubscriptions() throws {
        var engine: Engine? = try Fixtures.open(dir)
        let subscription = engine!.subscribe(listener: Recorder())
        XCTAssertTrue(subscription.isActive())
        engine = nil
        XCTAssertFalse(subscription.isActive())
    }
}
