import Foundation
import Kairos

/// The nightly sync call, alone in this file: the one place to change when the sync API changes.
/// Network trouble never throws: the report says what was deferred, and the task asks to run again.
public enum NightlySync {
    /// Sends the outbox to `baseUrl` over `transport` (URLSession by default) and fetches a fresh
    /// catalog; `retry` when something must wait.
    public static func run(engine: EngineProtocol, baseUrl: String, now: Date,
                           transport: HttpTransport = URLSessionTransport()) async throws -> (report: SyncReport, retry: Bool) {
        let options = SyncOptions(baseUrl: baseUrl, allowInsecureLoopback: baseUrl.hasPrefix("http://127.0.0.1"), fetchCatalog: true)
        let report = try await engine.sync(options: options, transport: transport, now: now)
        // A backoff time means something must wait: the server or the network failed.
        return (report, report.nextAttemptAt != nil)
    }
}

/// The demo's settings, in one place.
public enum DemoConfig {
    /// The backend the nightly sync talks to. The simulator shares the Mac's loopback: run
    /// `kairos-backend serve --addr 127.0.0.1:8080` there. An app ships `https://`.
    public static let backendUrl = "http://127.0.0.1:8080"
    /// Today's step goal.
    public static let stepGoal: Int32 = 7500
    /// The catalog bundled for a first run without a backend (`tests/catalogs/example.signed.json`).
    public static let starterCatalog = "catalogs/example.signed.json"
    /// The BGTaskScheduler identifier of the nightly sync (also in Info.plist).
    public static let syncTaskId = "dev.kairos.demo.sync"
}
