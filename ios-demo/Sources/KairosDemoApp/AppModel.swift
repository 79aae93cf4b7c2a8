#if canImport(SwiftUI) && os(iOS)
import Foundation
import Kairos
import KairosDemoCore
import KairosKit
import SwiftUI

/// The app's state around KairosKit, which opens the engine off the main actor and does the
/// platform work (location, wake regions, steps, background refresh and sync).
@MainActor
public final class AppModel: ObservableObject {
    /// The shopper's engine, once KairosKit opened it.
    @Published public private(set) var engine: Engine?
    /// The offer a notification's tap opened, for the offers screen (nil once shown).
    @Published public var openedOffer: Int64?
    /// Offers, goals, nudges and reminders as notifications.
    public let notifications = NotificationService()
    /// Bumped whenever the engine reports events, so screens reload.
    @Published public private(set) var revision = 0
    /// The engine's current sensing plan, in words, for the status (profile) screen.
    @Published public private(set) var sensing = SensingStatus()
    /// The backend: KairosKit's background sync, and the profile screen's friend invites.
    public let syncOptions = SyncOptions(baseUrl: DemoConfig.backendUrl, allowInsecureLoopback: true, fetchCatalog: true)
    /// The HTTP stack the engine talks to the backend through (URLSession, KairosKit's default).
    public let transport: HttpTransport = URLSessionTransport()
    private var events: Task<Void, Never>?

    /// Starts KairosKit: call it before launch ends (its background tasks register then).
    public init() {
        OSLogSink.install() // caught panics and failing listeners in os_log, subsystem dev.kairos
        let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        let key = Data(base64Encoded: Bundle.main.text(QaTrack.catalogKeyFile).trimmingCharacters(in: .whitespacesAndNewlines)) ?? Data()
        do {
            KairosKit.shared.start(KairosKitConfig(
                engine: EngineConfig(
                    dataDir: support.appendingPathComponent("kairos").path,
                    timeZone: TimeZone.current.identifier,
                    sealingKey: try KeychainKey.load(),
                    stepGoal: DemoConfig.stepGoal,
                    catalogKeys: [CatalogKey(keyId: QaTrack.catalogKeyId, publicKey: key)]),
                sync: syncOptions))
        } catch {
            NSLog("KairosDemo: no sealing key from the Keychain: \(error)")
        }
        notifications.onOpenOffer = { [weak self] id in self?.openedOffer = id }
        events = Task { [weak self] in
            let engine = await KairosKit.shared.engine()
            self?.opened(engine)
            for await event in engine.events() {
                await self?.notifications.show(event)
                self?.sensing.onEvent(event)
                self?.revision += 1
            }
        }
    }

    private func opened(_ engine: Engine) {
        // First run without a backend: the bundled catalog, so offers work at once.
        if (try? engine.catalogInfo()) == nil, let starter = Bundle.main.data(DemoConfig.starterCatalog) {
            do { _ = try engine.loadCatalog(envelope: starter, now: Date()) } catch { NSLog("KairosDemo: bundled catalog refused: \(error)") }
        }
        // Asking once makes the engine report each later change (sensingPlanChanged).
        if let plan = try? engine.sensingPlan(now: Date()) { sensing.show(plan) }
        notifications.engine = engine
        self.engine = engine
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
