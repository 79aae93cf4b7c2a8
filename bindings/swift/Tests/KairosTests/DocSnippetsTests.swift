// The Swift blocks of docs/bindings.md, compiled here: each `// doc: <name>`
// ... `// end doc` region is, without its indentation, one block of the doc
// (`cargo xtask test-swift` checks they are equal before it compiles this
// file). The app code the snippets call (`showGoal`, `log`...) and the
// platform types that Linux lacks (CoreLocation, BackgroundTasks) are stood
// in for below, outside the regions.
import Foundation
import XCTest
@testable import Kairos
#if canImport(CoreLocation)
import CoreLocation
#endif
#if canImport(BackgroundTasks)
import BackgroundTasks
#endif

// MARK: Stand-ins for the app's own code and the platform's types

@MainActor private func showGoal(_ steps: Int64) {}
private func showError(_ reason: String) {}
private func log(_ items: Any...) {}

#if !canImport(CoreLocation)
struct CLLocationCoordinate2D {
    var latitude: Double
    var longitude: Double
}
class CLRegion: Hashable {
    static func == (a: CLRegion, b: CLRegion) -> Bool { a === b }
    func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
final class CLCircularRegion: CLRegion {
    var notifyOnEntry = false
    var notifyOnExit = false
    init(center: CLLocationCoordinate2D, radius: Double, identifier: String) {}
}
final class CLLocation {
    let timestamp = Date()
    let coordinate = CLLocationCoordinate2D(latitude: 0, longitude: 0)
    let horizontalAccuracy = 10.0
    let speed = -1.0
}
final class CLVisit {
    let coordinate = CLLocationCoordinate2D(latitude: 0, longitude: 0)
    let arrivalDate = Date()
    let departureDate = Date.distantFuture
}
final class CLLocationManager {
    var location: CLLocation? = CLLocation()
    var monitoredRegions: Set<CLRegion> = []
    let maximumRegionMonitoringDistance = 1000.0
    func stopMonitoring(for region: CLRegion) {}
    func startMonitoring(for region: CLRegion) {}
}
#endif

#if !canImport(BackgroundTasks)
final class BGTask {
    func setTaskCompleted(success: Bool) {}
}
final class BGTaskScheduler {
    static let shared = BGTaskScheduler()
    @discardableResult
    func register(forTaskWithIdentifier identifier: String, using queue: DispatchQueue?,
                  launchHandler: @escaping (BGTask) -> Void) -> Bool { true }
}
#endif

// MARK: The snippets

func quickstart(sealingKey: Data, fixes: [LocationFix]) async throws {
    // doc: quickstart
    OSLogSink.install() // the engine's warnings and errors in os_log

    let support = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask,
                                              appropriateFor: nil, create: true)
    let engine = try await Engine.openAsync(config: EngineConfig(
        dataDir: support.appendingPathComponent("kairos").path,
        timeZone: TimeZone.current.identifier,
        sealingKey: sealingKey, // 32 bytes, kept in the Keychain ("The sealing key")
        stepGoal: 8000))

    // Events as an AsyncSequence: no listener class, no @unchecked Sendable.
    Task {
        for await event in engine.events() {
            if case let .stepGoalReached(_, _, steps, _) = event { await showGoal(steps) }
        }
    }

    let report = try await engine.recordLocationsAsync(fixes: fixes)
    let today = try engine.today(now: Date())
    // end doc
    _ = (report, today)
}

func loadingACatalog(dir: URL, sealingKey: Data, catalogKey: String, envelopeData: Data) async throws {
    // doc: catalog
    let engine = try Engine.open(config: EngineConfig(
        dataDir: dir.path, timeZone: TimeZone.current.identifier, sealingKey: sealingKey,
        catalogKeys: [CatalogKey(keyId: "2026-11", publicKey: Data(base64Encoded: catalogKey)!)]))
    do {
        let info = try await engine.loadCatalogAsync(envelope: envelopeData, now: Date())
        log("catalog v\(info.version): \(info.offers) offers, expires \(info.expiresAt)")
    } catch KairosError.InvalidCatalog(let reason) {
        log(reason) // the previous catalog stays in force
    }
    // end doc
}

func offersLifecycle(engine: Engine, offer: OfferInstance) throws {
    // doc: offers
    let offers = try engine.offers(now: Date())
    for offer in offers where offer.state == .triggered { _ = try engine.presented(instanceId: offer.id, now: Date()) }
    do { _ = try engine.redeemed(instanceId: offer.id, now: Date()) }
    catch KairosError.InvalidOfferTransition(let reason, _) { showError(reason) }
    // end doc
}

func wakeRegions(engine: Engine, manager: CLLocationManager) throws {
    // doc: wake-regions
    let here = manager.location!.coordinate
    for region in manager.monitoredRegions { manager.stopMonitoring(for: region) }
    for w in try engine.wakeRegions(lat: here.latitude, lon: here.longitude, n: 20) {
        let region = CLCircularRegion(center: CLLocationCoordinate2D(latitude: w.lat, longitude: w.lon),
                                      radius: min(w.radiusM, manager.maximumRegionMonitoringDistance),
                                      identifier: w.placeId)
        region.notifyOnEntry = true
        region.notifyOnExit = true
        manager.startMonitoring(for: region)
    }
    // In didEnterRegion / didExitRegion: request a location and feed it to recordLocations.
    // end doc
}

func qaReplay(tmp: URL, qaKey: Data, keys: [CatalogKey], envelope: Data, start: Date, walkURL: URL,
              timeline: EventListener) async throws {
    // doc: replay
    let qa = try Engine.open(config: EngineConfig(dataDir: tmp.path, timeZone: "America/Los_Angeles",
                                                  sealingKey: qaKey, catalogKeys: keys))
    _ = try qa.loadCatalog(envelope: envelope, now: start)
    let subscription = qa.subscribe(listener: timeline)
    let walk = try parseTrack(name: walkURL.lastPathComponent, text: String(contentsOf: walkURL, encoding: .utf8))
    let summary = try await qa.replayAsync(fixes: walk)
    // end doc
    _ = (subscription, summary)
}

func privacyCalls(engine: Engine) async throws {
    // doc: privacy
    _ = try await engine.setConsentAsync(purpose: .visits, granted: false, policyVersion: "2026-11", now: Date())
    let export = try await engine.exportProfileAsync() // hand it to a share sheet: it holds raw coordinates
    try await engine.eraseAllAsync(now: Date())
    // end doc
    _ = export
}

func syncTask(engine: Engine) {
    // doc: sync
    BGTaskScheduler.shared.register(forTaskWithIdentifier: "dev.kairos.sync", using: nil) { task in
        Task {
            let report = try? await engine.sync(options: SyncOptions(baseUrl: "https://api.example.com"),
                                                transport: URLSessionTransport(), now: Date())
            task.setTaskCompleted(success: (report?.deferred ?? 1) == 0)
        }
    }
    // end doc
}

final class VisitDelegate {
    let engine: Engine
    init(engine: Engine) { self.engine = engine }

    // doc: visits
    func locationManager(_ manager: CLLocationManager, didVisit visit: CLVisit) {
        guard visit.departureDate != .distantFuture else { return } // still there
        _ = try? engine.recordVisit(lat: visit.coordinate.latitude, lon: visit.coordinate.longitude,
                                    arrived: visit.arrivalDate, departed: visit.departureDate)
    }
    // end doc

    // doc: location
    func locationManager(_ m: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        let fixes = locations.filter { $0.horizontalAccuracy >= 0 }.map {
            LocationFix(at: $0.timestamp, lat: $0.coordinate.latitude, lon: $0.coordinate.longitude,
                        accuracyM: $0.horizontalAccuracy, speedMps: $0.speed >= 0 ? $0.speed : nil)
        }
        Task { _ = try? await engine.recordLocationsAsync(fixes: fixes) }
    }
    // end doc
}

func errors(engine: Engine, fix: LocationFix) {
    // doc: errors
    do { _ = try engine.recordLocation(fix: fix) }
    catch KairosError.InvalidFix(let reason, let rejection) { log(reason, rejection) }
    catch { log(error) }
    // end doc
}

func logging() {
    // doc: logging
    OSLogSink.install(level: .info)               // os_log, subsystem "dev.kairos"
    setLogger(level: .warn, sink: MyCrashReporterSink()) // or your own destination
    setLogger(level: .off, sink: nil)             // nothing
    // end doc
}

// doc: log-sink
/// Sends the engine's log lines to the app's crash reporter as breadcrumbs.
final class MyCrashReporterSink: LogSink, Sendable {
    func log(record: LogRecord) {
        print("breadcrumb: \(record.level) \(record.target): \(record.message)")
    }
}
// end doc

/// The snippets run, where they can without a device.
final class DocSnippetsTests: EngineTestCase {
    func testThePrivacyAndErrorSnippetsRunAgainstARealEngine() async throws {
        let engine = try Fixtures.open(dir)
        errors(engine: engine, fix: Fixtures.fix(Fixtures.nineAM, 0, 0))
        try await privacyCalls(engine: engine)
        XCTAssertEqual(try engine.consents().current, [])
        logging()
    }
}
