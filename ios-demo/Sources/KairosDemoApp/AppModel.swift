#if canImport(SwiftUI) && os(iOS)
import Foundation
import Kairos
import KairosDemoCore
import SwiftUI

/// The app's one engine and the services that feed it. Opened once, at launch.
@MainActor
public final class AppModel: ObservableObject {
    /// The shopper's engine.
    public let engine: Engine
    /// Location: significant changes, visits, wake regions.
    public let location: LocationService
    /// Steps from CMPedometer.
    public let pedometer: PedometerService
    /// Offers and goals as notifications.
    public let notifications: NotificationService
    /// Bumped whenever the engine reports events, so screens reload.
    @Published public private(set) var revision = 0
    /// The engine's current sensing plan, in words, for the status (profile) screen.
    @Published public private(set) var sensing = SensingStatus()
    private var events: Task<Void, Never>?

    public init() {
        OSLogSink.install() // caught panics and failing listeners in os_log, subsystem dev.kairos
        let support = try! FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask,
                                                   appropriateFor: nil, create: true)
        let key = Data(base64Encoded: Bundle.main.text(QaTrack.catalogKeyFile).trimmingCharacters(in: .whitespacesAndNewlines))!
        // A profile that cannot be opened is a bug in the demo: crash loudly.
        engine = try! Engine.open(config: EngineConfig(
            dataDir: support.appendingPathComponent("kairos").path,
            timeZone: TimeZone.current.identifier,
            sealingKey: try! KeychainKey.load(),
            stepGoal: DemoConfig.stepGoal,
            catalogKeys: [CatalogKey(keyId: QaTrack.catalogKeyId, publicKey: key)]))
        // First run without a backend: the bundled catalog, so offers work at once.
        if (try? engine.catalogInfo()) == nil, let starter = Bundle.main.data(DemoConfig.starterCatalog) {
            _ = try? engine.loadCatalog(envelope: starter, now: Date())
        }
        notifications = NotificationService(engine: engine)
        location = LocationService(engine: engine)
        pedometer = PedometerService(engine: engine)
        // The engine's events as an AsyncSequence, on the main actor.
        let stream = engine.events()
        // Asking once makes the engine report each later change (sensingPlanChanged).
        if let plan = try? engine.sensingPlan(now: Date()) { sensing.show(plan) }
        events = Task { [weak self] in
            for await event in stream {
                self?.notifications.show(event)
                self?.sensing.onEvent(event)
                self?.revision += 1
            }
        }
    }
}

extension Bundle {
    /// A bundled resource (the QA tracks and catalogs are copied in as a folder reference).
    func data(_ path: String) -> Data? {
        resourceURL.flatMap { try? Data(contentsOf: $0.appendingPathComponent(path)) }
    }

    /// A bundled resource's text ("" when missing).
    func text(_ path: String) -> String { data(path).map { String(decoding: $0, as: UTF8.self) } ?? "" }
}
#endif
