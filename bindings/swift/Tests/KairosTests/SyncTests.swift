import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import Kairos

/// A loopback URL nobody listens on: a port the kernel hands out, then closed.
func deadLoopbackURL() -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            _ = bind(fd, sa, len)
            _ = getsockname(fd, sa, &len)
        }
    }
    return "http://127.0.0.1:\(UInt16(bigEndian: addr.sin_port))"
}

/// `sync` without a backend: refusals and deferrals. With the reference
/// backend: `BackendSyncTests`.
final class SyncTests: EngineTestCase {
    let start = Fixtures.nineAM
    let http = URLSessionTransport()
    var nextNight: Date { start.addingTimeInterval(17 * 3600) }

    /// Activity granted, steps in the morning, and the next night: one summary queued.
    func closedDay(_ engine: Engine) throws {
        _ = try engine.setConsent(purpose: .activity, granted: true, policyVersion: "2026-11", now: start)
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 60, steps: 1430))
        _ = try engine.tick(now: nextNight)
        XCTAssertEqual(try engine.outbox().count, 1)
    }

    func testTheOptionsDefaultToHttpsRulesAndACatalogFetch() {
        let o = SyncOptions(baseUrl: "https://api.example.com")
        XCTAssertFalse(o.allowInsecureLoopback)
        XCTAssertTrue(o.fetchCatalog)
    }

    func testAnUnreachableBackendDefersTheSummariesWithoutThrowing() async throws {
        let engine = try Fixtures.open(dir)
        try closedDay(engine)
        let report = try await engine.sync(options: SyncOptions(baseUrl: deadLoopbackURL(), allowInsecureLoopback: true), transport: http, now: nextNight)
        XCTAssertEqual(report.sent, 0)
        XCTAssertEqual(report.deferred, 1)
        XCTAssertFalse(report.problems.isEmpty)
        let retry = try XCTUnwrap(report.nextAttemptAt, "a backoff is set")
        XCTAssertGreaterThan(retry, nextNight)
        XCTAssertEqual(try engine.outbox().count, 1, "kept for later")
        let waiting = try await engine.sync(options: SyncOptions(baseUrl: deadLoopbackURL(), allowInsecureLoopback: true),
                                            transport: http, now: nextNight.addingTimeInterval(1))
        XCTAssertEqual(waiting.deferred, 1)
        XCTAssertTrue(waiting.problems.joined().contains("backoff"), "\(waiting.problems)")
    }

    func testPlainHttpToAnotherHostIsAnInvalidInput() async throws {
        let engine = try Fixtures.open(dir)
        try closedDay(engine)
        do {
            _ = try await engine.sync(options: SyncOptions(baseUrl: "http://192.0.2.10:8787", allowInsecureLoopback: true), transport: http, now: nextNight)
            XCTFail("plain http to another host must throw")
        } catch let KairosError.InvalidInput(reason) {
            XCTAssertTrue(reason.contains("loopback"), reason)
        }
        do {
            _ = try await engine.sync(options: SyncOptions(baseUrl: deadLoopbackURL()), transport: http, now: nextNight)
            XCTFail("plain http to loopback needs allowInsecureLoopback")
        } catch let KairosError.InvalidInput(reason) {
            XCTAssertTrue(reason.contains("plain http"), reason)
        }
        XCTAssertEqual(try engine.outbox().count, 1, "nothing was touched")
    }

    /// An app's own HTTP stack: answers with `answer` and records every request.
    final class Scripted: HttpTransport, @unchecked Sendable {
        let answer: (HttpRequest) throws -> HttpResponse
        private let lock = NSLock()
        private var requests: [HttpRequest] = []
        init(_ answer: @escaping (HttpRequest) throws -> HttpResponse) { self.answer = answer }
        var seen: [HttpRequest] { lock.lock(); defer { lock.unlock() }; return requests }
        func send(request: HttpRequest) async throws -> HttpResponse {
            lock.lock(); requests.append(request); lock.unlock()
            return try answer(request)
        }
    }

    func testAnAppsOwnTransportCarriesGzippedSummariesAndARetryAfterIsHonoured() async throws {
        let engine = try Fixtures.open(dir)
        try closedDay(engine)
        let transport = Scripted { request in
            if request.url.hasSuffix("/v1/installs") {
                return HttpResponse(status: 201, headers: ["Content-Type": "application/json"], body: Data(#"{"token":"t1"}"#.utf8))
            }
            return HttpResponse(status: 503, headers: ["Retry-After": "600"], body: Data())
        }
        let report = try await engine.sync(options: SyncOptions(baseUrl: "https://api.example.com", fetchCatalog: false),
                                           transport: transport, now: nextNight)
        XCTAssertEqual(report.sent, 0)
        XCTAssertEqual(report.deferred, 1)
        XCTAssertEqual(report.nextAttemptAt, nextNight.addingTimeInterval(600), "Retry-After wins over a shorter backoff")
        XCTAssertEqual(transport.seen.count, 2)
        let summaries = transport.seen[1]
        XCTAssertEqual(transport.seen[0].method, .post)
        XCTAssertEqual(summaries.url, "https://api.example.com/v1/summaries")
        XCTAssertEqual(summaries.headers["authorization"], "Bearer t1")
        XCTAssertEqual(summaries.headers["content-encoding"], "gzip")
        XCTAssertEqual(summaries.headers["idempotency-key"]?.count, 32)
        XCTAssertEqual(Array(summaries.body.prefix(2)), [0x1f, 0x8b], "a gzip body")
        XCTAssertEqual(try engine.outbox().count, 1, "kept for later")
    }

    func testARefusedBatchIsReportedWithItsCodeAsAnEnumAndDropped() async throws {
        let engine = try Fixtures.open(dir)
        try closedDay(engine)
        let transport = Scripted { request in
            if request.url.hasSuffix("/v1/installs") {
                return HttpResponse(status: 201, headers: ["Content-Type": "application/json"], body: Data(#"{"token":"t1"}"#.utf8))
            }
            return HttpResponse(status: 422, headers: ["Content-Type": "application/json"],
                                body: Data(#"{"error":{"code":"quota_exceeded","message":"too many rows"}}"#.utf8))
        }
        let report = try await engine.sync(options: SyncOptions(baseUrl: "https://api.example.com", fetchCatalog: false),
                                           transport: transport, now: nextNight)
        XCTAssertEqual(report.refusals.count, 1, "\(report)")
        let refusal = report.refusals[0]
        XCTAssertEqual(refusal.request, .summaries)
        XCTAssertEqual(refusal.status, 422)
        XCTAssertEqual(refusal.code, .quotaExceeded)
        XCTAssertEqual(refusal.action, .dropped)
        XCTAssertEqual(refusal.items, 1)
        XCTAssertEqual(report.dropped, 1)
        XCTAssertEqual(try engine.outbox().count, 0, "never retried")
    }

    struct AppBug: Error {}

    func testATransportThatThrowsAnythingIsAFailedRequestNeverACrash() async throws {
        let engine = try Fixtures.open(dir)
        try closedDay(engine)
        let offline = Scripted { _ in throw TransportError.Failed(reason: "airplane mode") }
        let report = try await engine.sync(options: SyncOptions(baseUrl: "https://api.example.com"), transport: offline, now: nextNight)
        XCTAssertEqual(report.deferred, 1)
        XCTAssertTrue(report.problems.joined().contains("airplane mode"), "\(report.problems)")
        let buggy = Scripted { _ in throw AppBug() }
        let later = try await engine.sync(options: SyncOptions(baseUrl: "https://api.example.com"), transport: buggy,
                                          now: try XCTUnwrap(report.nextAttemptAt))
        XCTAssertEqual(later.deferred, 1)
        XCTAssertFalse(later.problems.isEmpty)
        XCTAssertEqual(try engine.outbox().count, 1, "kept for later")
    }
}
