#if canImport(SwiftUI) && os(iOS)
import Kairos
import KairosDemoCore
import SwiftUI

/// The profile screen's friends: invite a friend or accept an invite while the purpose `social`
/// is granted (`FriendsPresenter` decides what is enabled and what each outcome says).
struct FriendsSection: View {
    @EnvironmentObject private var model: AppModel
    let engine: Engine
    @State private var panel: FriendsPanel?
    @State private var typed = ""
    @State private var busy = false
    @State private var outcome: FriendsOutcome?

    private var presenter: FriendsPresenter {
        FriendsPresenter(engine: engine, options: model.syncOptions, transport: model.transport)
    }

    var body: some View {
        Section("Friends") {
            if let panel {
                Text(panel.explanation).font(.caption)
                Button("Invite a friend") { run { await presenter.invite() } }
                    .disabled(!FriendsPresenter.canInvite(panel, busy: busy))
                TextField("A friend's code", text: $typed)
                    .textInputAutocapitalization(.characters).autocorrectionDisabled()
                    .disabled(!panel.enabled || busy)
                Button("Accept an invite") { run { [typed] in await presenter.accept(typed) } }
                    .disabled(!FriendsPresenter.canAccept(panel, code: typed, busy: busy))
            }
            if case let .invited(code, _)? = outcome { Text(code).font(.title.monospaced()).textSelection(.enabled) }
            if let outcome { Text(outcome.message) }
        }
        .task(id: model.revision) { panel = try? presenter.panel() }
    }

    private func run(_ call: @escaping () async -> FriendsOutcome) {
        busy = true
        Task { @MainActor in
            let result = await call()
            outcome = result
            if case .linked = result { typed = "" }
            busy = false
            panel = try? presenter.panel()
        }
    }
}
#endif
