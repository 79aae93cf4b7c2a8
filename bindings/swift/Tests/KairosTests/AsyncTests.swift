import Foundation
import XCTest
@testable import Kairos

/// The async API and sharing one engine across threads.
final class AsyncTests: EngineTestCase {
    let start = Fixtures.nineAM

    func testRecordLocationsAsyncDetectsVisits() async throws {
        let engine = try Fixtures.open(dir)
        let recorder = Recorder()
        let subscription = engine.subscribe(listener: recorder)
        let report = try await engine.recordLocationsAsync(fixes: Fixtures.morning(start))
        XCTAssertEqual(report.events.map(\.name), ["visitStarted", "visitEnded", "visitStarted", "visitEnded"])
        XCTAssertEqual(recorder.events, report.events)
        XCTAssertEqual(try engine.visits(from: start, to: start.addingTimeInterval(86_400)).count, 2)
        subscription.cancel()
    }

    func testAsyncErrorsAreThrownAsKairosError() async throws {
        let engine = try Fixtures.open(dir)
        let tooMany = (0...100_000).map { Fixtures.fix(start.addingTimeInterval(Double($0)), 0, 0) }
        do {
            _ = try await engine.recordLocationsAsync(fixes: tooMany)
            XCTFail("a batch over the limit must throw")
        } catch let KairosError.InvalidInput(reason) {
            XCTAssertTrue(reason.contains("exceeds the limit of 100000"), reason)
        }
    }

    func testConcurrentTasksShareOneEngine() async throws {
        let engine = try Fixtures.open(dir)
        let start = self.start
        // Four tasks record an hour's stay each, 2 km apart; whatever order
        // they arrive in, every fix is accounted for exactly once.
        let reports = try await withThrowingTaskGroup(of: IngestReport.self) { group in
            for i in 0..<4 {
                group.addTask {
                    let fixes = Fixtures.stay(start.addingTimeInterval(Double(i) * 3600), minutes: 10, Double(i) * 2000, 0)
                    return try await engine.recordLocationsAsync(fixes: fixes)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let accounted = reports.map { Int($0.accepted + $0.duplicates + $0.held) + $0.rejected.count }.reduce(0, +)
        XCTAssertEqual(accounted, 4 * 61)
        // Threads too: steps from many threads at once.
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            _ = try? engine.recordSteps(sample: Fixtures.interval(start.addingTimeInterval(Double(i) * 600), minutes: 10, steps: 100))
        }
        XCTAssertEqual(try engine.today(now: start).steps, 800)
    }
}
