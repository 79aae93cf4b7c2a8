#if canImport(BackgroundTasks) && os(iOS)
import BackgroundTasks
import Foundation
import Kairos
import KairosDemoCore

/// The nightly sync as a `BGProcessingTask` (network required), around 02:00 local time.
public enum SyncTask {
    /// Registers the handler; call before the app finishes launching.
    public static func register(engine: Engine) {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: DemoConfig.syncTaskId, using: nil) { task in
            let work = Task {
                let outcome = try? await NightlySync.run(engine: engine, baseUrl: DemoConfig.backendUrl, now: Date())
                schedule()
                task.setTaskCompleted(success: outcome.map { !$0.retry } ?? false)
            }
            // The sync finishes what it started; the task just stops waiting.
            task.expirationHandler = { work.cancel() }
        }
    }

    /// Asks iOS to run the sync after the next 02:00.
    public static func schedule() {
        let request = BGProcessingTaskRequest(identifier: DemoConfig.syncTaskId)
        request.requiresNetworkConnectivity = true
        request.earliestBeginDate = NightlySchedule().next(after: Date(), zone: .current)
        try? BGTaskScheduler.shared.submit(request)
    }
}
#endif
