import KairosDemoApp
import SwiftUI

/// The app's entry: opens the engine, registers the nightly sync, shows the tabs.
@main
struct KairosDemoMain: App {
    @StateObject private var model: AppModel

    init() {
        let model = AppModel()
        SyncTask.register(engine: model.engine) // BGTaskScheduler wants this before launch ends
        SyncTask.schedule()
        _model = StateObject(wrappedValue: model)
    }

    var body: some Scene {
        WindowGroup {
            RootView().environmentObject(model)
        }
    }
}
