import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import Kairos

/// The reference backend (`kairos-backend serve`) on a free loopback port,
/// publishing the signed example catalog, in its own process. The binary is
/// the one `cargo xtask test-swift` builds next to the library (the
/// directory on `LD_LIBRARY_PATH`).
final class Backend {
    let process = Process()
    let url: String

    init(dir: URL) throws {
        let libDir = ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"]?.split(separator: ":").first.map(String.init) ?? ""
        let binary = URL(fileURLWithPath: libDir).appendingPathComponent("kairos-backend")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw NSError(domain: "Backend", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(binary.path) is missing: cargo build -p kairos-backend"])
        }
        process.executableURL = binary
        process.arguments = ["serve", "--db", dir.appendingPathComponent("backend-\(UUID().uuidString).db").path,
                             "--addr", "127.0.0.1:0", "--catalog", Mall.catalogURL.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        var found: String?
        while found == nil {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break } // exited
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: #"serving on (http://\S+)"#, options: .regularExpression) {
                found = String(seen[range].dropFirst("serving on ".count))
            }
        }
        guard let url = found else {
            process.terminate()
            throw NSError(domain: "Backend", code: 2, userInfo: [NSLocalizedDescriptionKey: "kairos-backend did not start: \(seen)"])
        }
        self.url = url
        // Drain the rest of its output so the pipe never fills.
        out.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
    }

    /// Sync options for this backend: plain http on loopback, allowed explicitly.
    func options(fetchCatalog: Bool = true) -> SyncOptions {
        SyncOptions(baseUrl: url, allowInsecureLoopback: true, fetchCatalog: fetchCatalog)
    }

    /// Kills the server. Not with `terminate()` (SIGTERM): a child of the
    /// XCTest process inherits its blocked signal mask, in which SIGTERM is
    /// blocked, so it would never arrive. The database is a throwaway.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// `sync` against the real reference backend on loopback.
final class BackendSyncTests: EngineTestCase {
    let start = Fixtures.nineAM
    /// The package's transport: URLSession, against the real backend.
    let http = URLSessionTransport()
    var nextNight: Date { start.addingTimeInterval(17 * 3600) }

    /// An engine trusting the catalog key, with a random install id (as the backend requires).
    func open() throws -> Engine {
        try Engine.open(config: EngineConfig(dataDir: dir.appendingPathComponent("profile").path, timeZone: Fixtures.timeZone,
                                             sealingKey: Fixtures.key, catalogKeys: [Mall.key]))
    }

    /// Every purpose granted, a morning with visits and steps, and the next night: summaries queued.
    func closedDay(_ engine: Engine) throws -> Int32 {
        for purpose in [Purpose.activity, .visits, .offers] {
            _ = try engine.setConsent(purpose: purpose, granted: true, policyVersion: "2026-11", now: start)
        }
        _ = try engine.recordLocations(fixes: Fixtures.morning(start))
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 60, steps: 1430))
        _ = try engine.tick(now: nextNight)
        let queued = try engine.outbox().count
        XCTAssertGreaterThan(queued, 0)
        return Int32(queued)
    }

    func testAClosedDaysSummariesAreSentTheOutboxEmptiesAndASecondSyncSendsNothing() async throws {
        let backend = try Backend(dir: dir)
        defer { backend.stop() }
        let engine = try open()
        let queued = try closedDay(engine)
        let report = try await engine.sync(options: backend.options(fetchCatalog: false), transport: http, now: nextNight)
        XCTAssertEqual(report.sent, queued, "\(report)")
        XCTAssertEqual([report.batches, report.deferred, report.dropped], [1, 0, 0], "\(report)")
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(try engine.outbox(), [])
        let again = try await engine.sync(options: backend.options(fetchCatalog: false), transport: http, now: nextNight.addingTimeInterval(3600))
        XCTAssertEqual([again.sent, again.batches, again.deferred], [0, 0, 0], "\(again)")
    }

    func testSyncFetchesTheSignedCatalogAndTellsListeners() async throws {
        let backend = try Backend(dir: dir)
        defer { backend.stop() }
        let engine = try open()
        let recorder = Recorder()
        let subscription = engine.subscribe(listener: recorder)
        let report = try await engine.sync(options: backend.options(), transport: http, now: nextNight)
        XCTAssertTrue(report.catalogUpdated, "\(report)")
        XCTAssertEqual(try engine.catalogInfo()?.version, 1)
        XCTAssertEqual(recorder.events.map(\.name), ["catalogLoaded"])
        let again = try await engine.sync(options: backend.options(), transport: http, now: nextNight.addingTimeInterval(60))
        XCTAssertFalse(again.catalogUpdated, "fresh: not fetched again")
        subscription.cancel()
    }

    func testWithdrawingAPurposeSendsItsDeletionRequestAndNoneOfItsSummaries() async throws {
        let backend = try Backend(dir: dir)
        defer { backend.stop() }
        let engine = try open()
        _ = try closedDay(engine)
        let change = try engine.setConsent(purpose: .visits, granted: false, policyVersion: "2026-11", now: nextNight.addingTimeInterval(60))
        XCTAssertTrue(change.deletionQueued)
        let left = try engine.outbox()
        XCTAssertFalse(left.contains { $0.kind == .summary && $0.purpose == .visits })
        let report = try await engine.sync(options: backend.options(fetchCatalog: false), transport: http, now: nextNight.addingTimeInterval(120))
        XCTAssertEqual(report.deletionsSent, 1, "\(report)")
        XCTAssertEqual(Int(report.sent), left.filter { $0.kind == .summary }.count)
        XCTAssertEqual(try engine.outbox(), [])
    }

    func testAfterABackendOutageTheSummariesWaitForTheBackoffThenArrive() async throws {
        let down = try Backend(dir: dir)
        let deadURL = down.url
        down.stop()
        let engine = try open()
        let queued = try closedDay(engine)
        let deferred = try await engine.sync(options: SyncOptions(baseUrl: deadURL, allowInsecureLoopback: true, fetchCatalog: false), transport: http, now: nextNight)
        XCTAssertEqual(deferred.sent, 0)
        XCTAssertEqual(deferred.deferred, queued)
        let retryAt = try XCTUnwrap(deferred.nextAttemptAt)
        let up = try Backend(dir: dir)
        defer { up.stop() }
        let report = try await engine.sync(options: up.options(fetchCatalog: false), transport: http, now: retryAt.addingTimeInterval(1))
        XCTAssertEqual(report.sent, queued, "\(report)")
        XCTAssertEqual(report.deferred, 0)
        XCTAssertEqual(try engine.outbox(), [])
    }

    func testErasingTheProfileSendsOneDeletionOfEverything() async throws {
        let backend = try Backend(dir: dir)
        defer { backend.stop() }
        let engine = try open()
        _ = try closedDay(engine)
        _ = try await engine.sync(options: backend.options(fetchCatalog: false), transport: http, now: nextNight)
        try engine.eraseAll(now: nextNight.addingTimeInterval(60))
        let report = try await engine.sync(options: backend.options(fetchCatalog: false), transport: http, now: nextNight.addingTimeInterval(120))
        XCTAssertEqual(report.deletionsSent, 1, "\(report)")
        XCTAssertEqual(report.sent, 0)
        XCTAssertEqual(try engine.outbox(), [])
    }
}
