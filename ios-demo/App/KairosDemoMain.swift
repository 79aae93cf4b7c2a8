import KairosDemoApp
import SwiftUI

/// The app's entry: starts KairosKit (its background tasks must register before launch ends),
/// shows the tabs.
@main
struct KairosDemoMain: App {
    @StateObject private var model: AppModel

    init() {
        // Now, not lazily: BGTaskScheduler wants KairosKit's handlers before launch ends.
        _model = StateObject(wrappedValue: AppModel())
    }

    var body: some Scene {
        WindowGroup {
            RootView().environmentObject(model)
        }
    }
}
