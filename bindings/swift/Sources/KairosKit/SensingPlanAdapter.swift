// The one place that reads the engine's sensing plan. Today the plan reaches
// the bindings as the `sensingPlanChanged` event (its accuracy a string);
// when the bindings give it as a typed record (`Engine.sensingPlan()`), only
// this file changes.
import Foundation
import Kairos

/// Why a plan could not be followed.
public enum SensingPlanError: Error, Equatable {
    /// The plan named an accuracy KairosKit does not know.
    case unknownAccuracy(String)
    /// The plan's interval or displacement was out of range.
    case outOfRange(intervalMs: Int64, minDisplacementM: Double)
}

/// The engine's sensing plan as location manager settings.
public enum SensingPlanAdapter {
    /// The settings the plan in `event` asks for; `nil` for any other event.
    public static func settings(_ event: KairosEvent) -> Result<LocationManagerSettings, SensingPlanError>? {
        guard case let .sensingPlanChanged(_, accuracy, intervalMs, minDisplacementM, _, _, _) = event else { return nil }
        guard let level = LocationAccuracy(rawValue: accuracy) else { return .failure(.unknownAccuracy(accuracy)) }
        guard intervalMs > 0, minDisplacementM >= 0 else {
            return .failure(.outOfRange(intervalMs: intervalMs, minDisplacementM: minDisplacementM))
        }
        return .success(.for(level, minDisplacementM: minDisplacementM))
    }

    /// Whether the plan in `event` moved the wake regions (register them again now).
    public static func regionsChanged(_ event: KairosEvent) -> Bool {
        guard case let .sensingPlanChanged(_, _, _, _, _, _, regionsChanged) = event else { return false }
        return regionsChanged
    }
}
