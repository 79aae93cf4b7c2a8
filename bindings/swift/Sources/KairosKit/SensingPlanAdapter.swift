// The one place that reads the engine's sensing plan: asked for once with
// `Engine.sensingPlan(now:)` when tracking starts (which also makes the engine
// announce each later change), then read from `sensingPlanChanged` events.
import Foundation
import Kairos

/// Why a plan could not be followed.
public enum SensingPlanError: Error, Equatable {
    /// The plan's interval or displacement was out of range.
    case outOfRange(intervalMs: Int64, minDisplacementM: Double)
}

/// The engine's sensing plan as location manager settings.
public enum SensingPlanAdapter {
    /// The location accuracy for the plan's accuracy class.
    public static func accuracy(_ accuracy: SensingAccuracy) -> LocationAccuracy {
        switch accuracy {
        case .high: return .high
        case .balanced: return .balanced
        case .low: return .low
        case .passive: return .passive
        }
    }

    /// The settings `plan` asks for.
    public static func settings(_ plan: SensingPlan) -> Result<LocationManagerSettings, SensingPlanError> {
        settings(plan.accuracy, intervalMs: plan.intervalMs, minDisplacementM: plan.minDisplacementM)
    }

    /// The settings the plan in `event` asks for; `nil` for any other event.
    public static func settings(_ event: KairosEvent) -> Result<LocationManagerSettings, SensingPlanError>? {
        guard case let .sensingPlanChanged(_, accuracy, intervalMs, minDisplacementM, _, _, _) = event else { return nil }
        return settings(accuracy, intervalMs: intervalMs, minDisplacementM: minDisplacementM)
    }

    private static func settings(_ accuracy: SensingAccuracy, intervalMs: Int64, minDisplacementM: Double)
        -> Result<LocationManagerSettings, SensingPlanError> {
        guard intervalMs > 0, minDisplacementM >= 0 else {
            return .failure(.outOfRange(intervalMs: intervalMs, minDisplacementM: minDisplacementM))
        }
        return .success(.for(Self.accuracy(accuracy), minDisplacementM: minDisplacementM))
    }

    /// Whether the plan in `event` moved the wake regions (register them again now).
    public static func regionsChanged(_ event: KairosEvent) -> Bool {
        guard case let .sensingPlanChanged(_, _, _, _, _, _, regionsChanged) = event else { return false }
        return regionsChanged
    }
}
