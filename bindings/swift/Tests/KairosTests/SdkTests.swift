import Foundation
import XCTest
@testable import Kairos

/// Keeps every log record (the tests' logger).
final class CapturingLog: LogSink, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [LogRecord] = []

    func log(record: LogRecord) {
        lock.lock()
        defer { lock.unlock() }
        kept.append(record)
    }

    var records: [LogRecord] {
        lock.lock()
        defer { lock.unlock() }
        return kept
    }
}

/// What an app adopts first: logs, the event stream, typed days and codes,
/// the async calls.
final class SdkTests: EngineTestCase {
    let start = Fixtures.nineAM
    struct ListenerBug: Error {}

    /// Throws from every delivery.
    final class Thrower: EventListener, Sendable {
        func onEvents(events: [KairosEvent]) throws { throw ListenerBug() }
    }

    override func tearDown() {
        setLogger(level: .off, sink: nil)
        super.tearDown()
    }

    func testAThrowingListenerProducesAWarningInTheAppsLog() throws {
        let log = CapturingLog()
        setLogger(level: .warn, sink: log)
        let engine = try Fixtures.open(dir, stepGoal: 1000)
        let subscription = engine.subscribe(listener: Thrower())
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 20, steps: 1200))
        subscription.cancel()
        let lines = log.records.filter { $0.message.hasPrefix("event listener failed") }
        XCTAssertEqual(lines.count, 1, "\(log.records)")
        XCTAssertEqual(lines.first?.level, .warn)
        XCTAssertEqual(lines.first?.target, "kairos_ffi::listener")
        XCTAssertTrue(lines.first?.message.contains("ListenerBug") ?? false, "\(lines)")
    }

    func testTheDefaultSinkTakesRecordsWithoutOs() {
        OSLogSink().log(record: LogRecord(level: .warn, target: "kairos_ffi::test", message: "hello"))
        OSLogSink.install(level: .error)
    }

    func testEventsStreamToALoopUntilItStops() async throws {
        let engine = try Fixtures.open(dir, stepGoal: 1000)
        let stream = engine.events()
        let returned = try engine.recordLocations(fixes: Fixtures.morning(start)).events
            + engine.recordSteps(sample: Fixtures.interval(start, minutes: 20, steps: 1200))
        var received: [KairosEvent] = []
        for await event in stream {
            received.append(event)
            if received.count == returned.count { break }
        }
        XCTAssertEqual(received, returned)
        guard case let .stepGoalReached(_, day, _, _) = received.last else { return XCTFail("\(received)") }
        XCTAssertEqual(day, LocalDay(year: 2026, month: 11, day: 24))
        XCTAssertEqual(day.iso8601, "2026-11-24")
    }

    func testEndingTheStreamCancelsItsSubscription() async throws {
        let engine = try Fixtures.open(dir, stepGoal: 1000)
        let task = Task { () -> Int in
            var n = 0
            for await _ in engine.events() { n += 1 }
            return n
        }
        task.cancel()
        let count = await task.value
        XCTAssertEqual(count, 0)
    }

    func testDaysCrossAsLocalDayAndConvertToDateComponents() throws {
        let day = LocalDay(year: 2026, month: 11, day: 24)
        XCTAssertEqual(LocalDay(day.dateComponents), day)
        XCTAssertNil(LocalDay(DateComponents(year: 2026, month: 11)))
        let engine = try Fixtures.open(dir)
        XCTAssertEqual(try engine.today(now: start).day, day)
        assertKairosError(try engine.privacyBudget(fromDay: LocalDay(year: 2026, month: 2, day: 30), toDay: day)) {
            guard case let .InvalidInput(reason) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("no such local day"), reason)
        }
    }

    func testTheCallsThatTouchSQLiteHaveAsyncVariants() async throws {
        let config = EngineConfig(dataDir: dir.path, timeZone: Fixtures.timeZone, sealingKey: Fixtures.key, stepGoal: 1000)
        do {
        let e = try await Engine.openAsync(config: config)
            let goal = try await e.recordStepsAsync(sample: Fixtures.interval(start, minutes: 20, steps: 1200))
            XCTAssertEqual(goal.count, 1)
            _ = try await e.recordStepSamplesAsync(samples: [Fixtures.interval(start.addingTimeInterval(3600), minutes: 10, steps: 100)])
            _ = try await e.recordLocationAsync(fix: Fixtures.fix(start, 0, 0))
            _ = try await e.recordVisitAsync(lat: 34.06, lon: -118.24, arrived: start.addingTimeInterval(7200), departed: start.addingTimeInterval(10800))
            _ = try await e.setConsentAsync(purpose: .activity, granted: true, policyVersion: "2026-11", now: start)
            _ = try await e.tickAsync(now: start.addingTimeInterval(86_400))
            XCTAssertEqual(try e.outbox().count, 1)
            let export = try await e.exportProfileAsync()
            XCTAssertTrue(export.contains("kairos-export/2"))
            try await e.rotateKeyAsync(newKey: Data(repeating: 9, count: 32))
            try await e.eraseAllAsync(now: start.addingTimeInterval(86_400))
            XCTAssertEqual(try e.today(now: start).steps, 0)
        }  // the engine is released here
        do {
            _ = try await Engine.openAsync(config: EngineConfig(dataDir: dir.path, timeZone: Fixtures.timeZone, sealingKey: Fixtures.key))
            XCTFail("the old key must not open the profile")
        } catch KairosError.WrongKey {
        }
    }
}
