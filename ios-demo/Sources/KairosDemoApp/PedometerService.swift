#if canImport(CoreMotion) && os(iOS)
import CoreMotion
import Foundation
import Kairos
import KairosDemoCore

/// Steps from CMPedometer: live updates while the app runs, and the gap since the last sample
/// (up to seven days, what iOS keeps) whenever the app wakes. Overlapping intervals are fine:
/// the engine never counts a step twice.
public final class PedometerService {
    private let engine: Engine
    private let pedometer = CMPedometer()
    private var lastEnd: Date? {
        get { UserDefaults.standard.object(forKey: "pedometer.lastEnd") as? Date }
        set { UserDefaults.standard.set(newValue, forKey: "pedometer.lastEnd") }
    }

    init(engine: Engine) { self.engine = engine }

    /// Whether the shopper allowed motion data (the first query asks).
    public static var authorized: Bool { CMPedometer.authorizationStatus() == .authorized }

    /// Catches up since the last sample, then follows live updates.
    public func start() {
        guard CMPedometer.isStepCountingAvailable() else { return }
        let from = PedometerWindow.start(lastRecordedEnd: lastEnd, now: Date(), zone: .current)
        pedometer.queryPedometerData(from: from, to: Date()) { [weak self] data, _ in self?.record(data) }
        pedometer.startUpdates(from: from) { [weak self] data, _ in self?.record(data) }
    }

    /// Stops live updates.
    public func stop() { pedometer.stopUpdates() }

    private func record(_ data: CMPedometerData?) {
        guard let data else { return }
        _ = try? engine.recordSteps(sample: .interval(start: data.startDate, end: data.endDate, steps: data.numberOfSteps.int64Value))
        lastEnd = data.endDate
    }
}
#endif
