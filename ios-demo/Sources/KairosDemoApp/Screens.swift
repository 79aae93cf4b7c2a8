#if canImport(SwiftUI) && os(iOS)
import Kairos
import KairosDemoCore
import KairosKit
import SwiftUI
import UserNotifications

/// The app's root: one tab per screen, once KairosKit has opened the engine; a notification's
/// tap on an offer switches to the offers tab.
public struct RootView: View {
    @EnvironmentObject private var model: AppModel
    @State private var tab = 0
    public init() {}

    public var body: some View {
        if let engine = model.engine {
            TabView(selection: $tab) {
                NavigationStack { OffersView(engine: engine) }.tabItem { Label("Offers", systemImage: "tag") }.tag(0)
                NavigationStack { ProfileView(engine: engine) }.tabItem { Label("Profile", systemImage: "figure.walk") }.tag(1)
                NavigationStack { PrivacyView(engine: engine) }.tabItem { Label("Privacy", systemImage: "hand.raised") }.tag(2)
                NavigationStack { ReplayView() }.tabItem { Label("QA replay", systemImage: "play.circle") }.tag(3)
            }
            .onChange(of: model.openedOffer) { opened in if opened != nil { tab = 0 } }
        } else {
            ProgressView("Opening your profile…")
        }
    }
}

/// The permissions, one at a time, each explained before iOS asks.
struct PermissionsView: View {
    @EnvironmentObject private var model: AppModel
    @State private var notifications: PermissionState = .notDetermined
    @State private var status: PermissionStatus?

    private var states: [DemoPermission: PermissionState] {
        guard let status else { return [:] }
        let location: (PermissionState, PermissionState) = switch status.location {
        case .precise, .approximate: (.granted, status.background ? .granted : .notDetermined)
        case .notDetermined: (.notDetermined, .notDetermined)
        default: (.denied, .denied)
        }
        return [.locationWhenInUse: location.0, .locationAlways: location.1,
                .motion: status.motion ? .granted : .notDetermined, .notifications: notifications]
    }

    /// KairosKit's permission status, with the notification settings read now.
    private func refresh() async {
        let settings = await UNUserNotificationCenter.current().notificationSettings()
        status = KairosKit.shared.permissions(notificationStatus: settings.authorizationStatus.rawValue)
    }

    var body: some View {
        Group { step }.task { await refresh() }
    }

    @ViewBuilder private var step: some View {
        switch PermissionFlow().next(states) {
        case let .ask(permission):
            Form {
                Text(permission.why)
                Button("Continue") { Task { await ask(permission) } }
            }
        case .blocked:
            Form {
                Text("Turn on location for Kairos in Settings.")
                Button("Open Settings") { UIApplication.shared.open(URL(string: UIApplication.openSettingsURLString)!) }
            }
        case .done:
            Text("All set: KairosKit tracks as far as these permissions allow.")
        }
    }

    private func ask(_ permission: DemoPermission) async {
        switch permission {
        case .locationWhenInUse: KairosKit.shared.requestLocationPermission(.whenInUse)
        case .locationAlways: KairosKit.shared.requestLocationPermission(.always)
        case .motion: break // iOS asks on KairosKit's first pedometer query
        case .notifications: notifications = await model.notifications.requestPermission() ? .granted : .denied
        }
        await refresh()
    }
}

/// The offers the shopper can claim now, with countdowns refreshed every 30 s; the one a
/// notification opened comes first. "Redeem" shows the signed token as a QR code for the till
/// (`TillCode`) until its window ends or the shopper closes it.
struct OffersView: View {
    @EnvironmentObject private var model: AppModel
    let engine: Engine
    @State private var rows: [OfferRow] = []
    @State private var opened: OpenedOffer?
    @State private var message: String?
    @State private var till: TillCode?

    var body: some View {
        List {
            if let till, till.shown(at: Date()) {
                Section("At the till") { TillCodeView(code: till) { self.till = nil } }
            }
            NavigationLink("Permissions") { PermissionsView() }
            switch opened {
            case let .claimable(row)?: Section("From your notification") { offer(row) }
            case let .gone(text)?: Text(text)
            case nil: EmptyView()
            }
            if rows.isEmpty { Text("Nothing right now. Offers appear here when you are near a partner shop.") }
            ForEach(rows) { offer($0) }
        }
        .navigationTitle("Offers near you")
        .alert(message ?? "", isPresented: .constant(message != nil)) { Button("OK") { message = nil } }
        .task(id: model.revision) {
            while !Task.isCancelled {
                reload()
                try? await Task.sleep(nanoseconds: 30_000_000_000)
            }
        }
        .onChange(of: model.openedOffer) { _ in reload() }
    }

    private func offer(_ row: OfferRow) -> some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(row.title).font(.headline)
            Text(row.body)
            Text(row.countdown).font(.caption).foregroundStyle(row.urgent ? .red : .secondary)
        }
        .swipeActions {
            Button("Redeem") { act(OffersPresenter(engine: engine).redeem(row.id, now: Date())) }.tint(.green)
            Button("Dismiss", role: .destructive) { act(OffersPresenter(engine: engine).dismiss(row.id, now: Date())) }
        }
    }

    private func reload() {
        let presenter = OffersPresenter(engine: engine)
        if let id = model.openedOffer { opened = try? presenter.open(id, now: Date()) }
        let all = (try? presenter.load(now: Date())) ?? []
        if case let .claimable(first)? = opened { rows = all.filter { $0.id != first.id } } else { rows = all }
    }

    private func act(_ result: ActionResult) {
        switch result {
        case let .done(text), let .refused(text): message = text
        case let .redeemed(text, code):
            message = text
            till = code
        }
        model.openedOffer = nil
        opened = nil
        reload()
    }
}

/// Today's steps against the goal, the engine's sensing plan, today's visits, the routines
/// learned, and friends (invite, accept).
struct ProfileView: View {
    @EnvironmentObject private var model: AppModel
    let engine: Engine
    @State private var profile: Profile?

    var body: some View {
        List {
            if let profile {
                Section("Steps today") {
                    Text(profile.steps).font(.title2)
                    ProgressView(value: profile.progress)
                    Text(profile.goalLine)
                }
                Section("Location") { Text(model.sensing.line).font(.caption) }
                Section("Visits today") {
                    if profile.visits.isEmpty { Text("None yet.") }
                    ForEach(profile.visits, id: \.self, content: Text.init)
                }
                Section("Routines") {
                    if profile.routines.isEmpty { Text("Kairos learns your routines after a few weeks of visits.") }
                    ForEach(profile.routines, id: \.self, content: Text.init)
                }
            }
            FriendsSection(engine: engine)
        }
        .navigationTitle("My profile")
        .task(id: model.revision) { profile = try? ProfilePresenter(engine: engine, zone: .current).load(now: Date()) }
    }
}

/// Consent per purpose, the ledger, what waits to leave, export and erase.
struct PrivacyView: View {
    let engine: Engine
    @State private var privacy: Privacy?
    @State private var export: String?
    @State private var confirmErase = false
    private var presenter: PrivacyPresenter { PrivacyPresenter(engine: engine, zone: .current) }

    var body: some View {
        List {
            if let privacy {
                Section(footer: Text(privacy.outbox)) {
                    ForEach(privacy.purposes) { row in
                        Toggle(isOn: Binding(get: { row.granted }, set: { on in
                            try? presenter.setConsent(row.purpose, granted: on, now: Date())
                            reload()
                        })) {
                            VStack(alignment: .leading) { Text(row.title); Text(row.shares).font(.caption) }
                        }
                    }
                }
                Section("Your choices") { ForEach(privacy.ledger, id: \.self, content: Text.init) }
            }
            Section("Your data") {
                if let export { ShareLink("Export my data", item: export) }
                else { Button("Prepare my data for export") { export = try? presenter.export() } }
                Button("Erase my data", role: .destructive) { confirmErase = true }
            }
        }
        .navigationTitle("Privacy")
        .confirmationDialog("Erase everything?", isPresented: $confirmErase) {
            Button("Erase", role: .destructive) { try? presenter.erase(now: Date()); export = nil; reload() }
        } message: {
            Text("Your steps, visits, routines and offers are deleted from this phone, and the server is asked to delete what it has.")
        }
        .onAppear(perform: reload)
    }

    private func reload() { privacy = try? presenter.load() }
}

/// QA replay: a bundled track through a throw-away engine at 1x to 60x, events as they come.
struct ReplayView: View {
    @State private var track = QaTrack.all[0]
    @State private var speed = 10.0
    @State private var lines: [String] = []
    @State private var status = "Pick a track and press Start."
    @State private var replay: Task<Void, Never>?

    var body: some View {
        Form {
            Picker("Track", selection: $track) { ForEach(QaTrack.all) { Text($0.title).tag($0) } }
            VStack(alignment: .leading) {
                Text("Speed: \(Int(speed))x")
                Slider(value: $speed, in: Double(ReplayDriver.minSpeed)...Double(ReplayDriver.maxSpeed), step: 1)
            }
            HStack {
                Button("Start", action: start).disabled(replay != nil)
                Spacer()
                Button("Stop") { replay?.cancel() }.disabled(replay == nil)
            }
            Text(status).font(.caption)
            Section("Events") { ForEach(Array(lines.enumerated()), id: \.offset) { Text($0.element).font(.caption.monospaced()) } }
        }
        .navigationTitle("QA replay")
    }

    private func start() {
        lines = []
        let track = track
        let zone = TimeZone(identifier: track.timeZone) ?? .current
        replay = Task { @MainActor in
            defer { replay = nil }
            do {
                let session = try QaSession(
                    parent: FileManager.default.temporaryDirectory, track: track, trackText: Bundle.main.text(track.file),
                    catalog: track.catalog.flatMap(Bundle.main.data), catalogKey: Bundle.main.text(QaTrack.catalogKeyFile))
                let done = try await ReplayDriver(engine: session.engine).play(
                    session.fixes, speed: { Int(speed) },
                    onEvents: { lines.insert(contentsOf: $0.map { EventText.line($0, zone: zone) }.reversed(), at: 0) },
                    onProgress: { status = "Track time \(Countdown.clock($0.trackTime, zone: zone)) · \($0.fixesSent)/\($0.fixesTotal) fixes · \($0.events) events" })
                status = "Done: \(done.fixesSent) fixes, \(done.events) events."
            } catch is CancellationError {
                status = "Stopped."
            } catch {
                status = "Cannot replay \(track.file): \(error)"
            }
        }
    }
}
#endif
