import Foundation
import Kairos

/// The status screen's sensing line: the engine's current sensing plan (accuracy class,
/// interval, reason), set from `Engine.sensingPlan()` once and updated on each
/// `sensingPlanChanged`. Shown only; following the plan with CLLocationManager is the
/// location layer's job.
public struct SensingStatus: Equatable, Sendable {
    /// "Sensing: high every 10 s (in fence)", or a placeholder before the first plan.
    public private(set) var line = "Sensing: no plan yet"

    public init() {}

    /// Shows `plan` (from `Engine.sensingPlan`, which also makes the engine report later changes).
    public mutating func show(_ plan: SensingPlan) {
        line = Self.text(plan.accuracy, intervalMs: plan.intervalMs, plan.reason)
    }

    /// Follows a `sensingPlanChanged` among the engine's events; ignores the others.
    public mutating func onEvent(_ event: KairosEvent) {
        if case let .sensingPlanChanged(_, accuracy, intervalMs, _, _, reason, _) = event {
            line = Self.text(accuracy, intervalMs: intervalMs, reason)
        }
    }

    /// "Sensing: balanced every 30 s (staying)"; intervals under 10 s keep a tenth.
    public static func text(_ accuracy: SensingAccuracy, intervalMs: Int64, _ reason: SensingReason) -> String {
        let every = intervalMs % 1000 == 0 || intervalMs >= 10_000
            ? "\(intervalMs / 1000) s" : String(format: "%.1f s", Double(intervalMs) / 1000)
        return "Sensing: \(word(accuracy)) every \(every) (\(word(reason)))"
    }

    private static func word(_ accuracy: SensingAccuracy) -> String {
        switch accuracy {
        case .high: return "high"
        case .balanced: return "balanced"
        case .low: return "low"
        case .passive: return "passive"
        }
    }

    private static func word(_ reason: SensingReason) -> String {
        switch reason {
        case .staying: return "staying"
        case .departing: return "departing"
        case .inFence: return "in fence"
        case .nearBoundary: return "near boundary"
        case .settling: return "settling"
        case .roaming: return "roaming"
        case .quietHours: return "quiet hours"
        }
    }
}
