import Foundation
import XCTest
@testable import Kairos

/// Shared test data: times, places and tracks around an origin in Los Angeles.
enum Fixtures {
    static let timeZone = "America/Los_Angeles"
    /// A test sealing key (apps keep theirs in the Keychain).
    static let key = Data(repeating: 7, count: 32)
    static let originLat = 34.05
    static let originLon = -118.25
    static let metresPerDegree = 111_320.0

    /// 2026-11-24 09:00 in Los Angeles.
    static let nineAM = Date(timeIntervalSince1970: 1_795_539_600)

    /// A fresh, empty data directory.
    static func tempDir() -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Opens an engine in `dir` with every default but the step goal (and the sealing key).
    static func open(_ dir: URL, stepGoal: Int32 = 7500, key: Data = Fixtures.key) throws -> Engine {
        try Engine.open(config: EngineConfig(dataDir: dir.path, timeZone: timeZone, sealingKey: key, stepGoal: stepGoal))
    }

    /// A fix `x` metres east and `y` metres north of the origin.
    static func fix(_ at: Date, _ x: Double, _ y: Double, speed: Double? = nil) -> LocationFix {
        let lat = originLat + y / metresPerDegree
        let lon = originLon + x / (metresPerDegree * cos(originLat * .pi / 180))
        return LocationFix(at: at, lat: lat, lon: lon, accuracyM: 10, speedMps: speed)
    }

    /// Fixes every 10 s for `minutes` at (x, y).
    static func stay(_ from: Date, minutes: Int, _ x: Double, _ y: Double) -> [LocationFix] {
        (0...(minutes * 6)).map { fix(from.addingTimeInterval(Double($0) * 10), x, y) }
    }

    /// A morning: 20 minutes at A, a walk of about 1 km east, 30 minutes at
    /// B, then a walk north. Two visits at two places.
    static func morning(_ start: Date) -> [LocationFix] {
        let atA = stay(start, minutes: 20, 0, 0)
        let walk0 = start.addingTimeInterval(20 * 60)
        let toB = (1...70).map { fix(walk0.addingTimeInterval(Double($0) * 10), Double($0) * 14, 0) }
        let b = walk0.addingTimeInterval(710)
        let atB = stay(b, minutes: 30, 1000, 0)
        let walk1 = b.addingTimeInterval(30 * 60)
        let onwards = (1...70).map { fix(walk1.addingTimeInterval(Double($0) * 10), 1000, Double($0) * 14) }
        return atA + toB + atB + onwards
    }

    /// Steps over `[start, start + minutes)`.
    static func interval(_ start: Date, minutes: Double, steps: Int64) -> StepSample {
        .interval(start: start, end: start.addingTimeInterval(minutes * 60), steps: steps)
    }
}

/// A listener that keeps every event it is given.
final class Recorder: EventListener, @unchecked Sendable {
    private let lock = NSLock()
    private var received: [KairosEvent] = []
    private var batches = 0

    func onEvents(events: [KairosEvent]) {
        lock.lock()
        defer { lock.unlock() }
        received += events
        batches += 1
    }

    var events: [KairosEvent] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    var calls: Int {
        lock.lock()
        defer { lock.unlock() }
        return batches
    }
}

extension KairosEvent {
    /// The `at` of any event.
    var time: Date {
        switch self {
        case let .visitStarted(at, _, _, _): return at
        case let .visitEnded(at, _, _, _, _, _): return at
        case let .placeClassified(at, _, _): return at
        case let .stepGoalReached(at, _, _, _): return at
        case let .inactivityNudge(at, _, _): return at
        case let .fenceEntered(at, _, _): return at
        case let .fenceDwelled(at, _, _, _): return at
        case let .fenceExited(at, _, _, _): return at
        case let .offerTriggered(at, _, _, _, _, _, _, _): return at
        case let .offerSuppressed(at, _, _, _, _, _, _): return at
        case let .offerHeldOut(at, _, _, _): return at
        case let .offerExpired(at, _, _): return at
        case let .routineOverdue(at, _, _, _, _, _): return at
        case let .routineResumed(at, _, _, _): return at
        case let .onTheWayReminder(at, _, _, _, _, _): return at
        case let .notificationHeld(at, _, _, _, _): return at
        case let .notificationRetried(at, _, _, _): return at
        case let .catalogLoaded(at, _, _, _): return at
        case let .tilesLoaded(at, _, _, _): return at
        case let .sensingPlanChanged(at, _, _, _, _, _, _): return at
        case let .databaseRecovered(at, _, _): return at
        case let .clockCorrected(at, _, _): return at
        }
    }

    /// The variant's name, for comparing sequences of events.
    var name: String {
        String(describing: self).split(separator: "(").first.map(String.init) ?? ""
    }
}

/// A test case with a fresh data directory, removed afterwards.
class EngineTestCase: XCTestCase {
    var dir: URL!

    override func setUp() {
        super.setUp()
        dir = Fixtures.tempDir()
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: dir)
        super.tearDown()
    }

    /// Asserts that `body` throws a `KairosError` and hands it to `check`.
    func assertKairosError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line, _ check: (KairosError) -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? KairosError else { return XCTFail("not a KairosError: \(error)", file: file, line: line) }
            check(e)
        }
    }
}
