// What KairosKit asks of CLLocationManager, from the engine's sensing plan.
import Foundation

/// How hard the location manager should work.
public enum LocationAccuracy: String, Sendable, CaseIterable {
    /// GPS: near a fence, or while a visit may start.
    case high
    /// About 100 m: moving about town.
    case balanced
    /// About a kilometre, significant changes only: far from every fence.
    case low
    /// No continuous updates: regions, visits and significant changes wake the app.
    case passive
}

/// `CLLocationManager`'s settings for one plan (the Apple-framework code
/// copies them onto the manager as they are).
public struct LocationManagerSettings: Sendable, Equatable {
    /// `desiredAccuracy`, metres (`kCLLocationAccuracyBest` is -1, `...HundredMeters` 100, `...Kilometer` 1000).
    public let desiredAccuracy: Double
    /// `distanceFilter`, metres.
    public let distanceFilter: Double
    /// Whether continuous updates run (`startUpdatingLocation`); otherwise
    /// only significant changes, visits and regions wake the app.
    public let continuousUpdates: Bool
    /// `pausesLocationUpdatesAutomatically`: false while Kairos needs fixes near a fence.
    public let pausesAutomatically: Bool

    /// The settings for `accuracy` with the plan's displacement filter.
    public static func `for`(_ accuracy: LocationAccuracy, minDisplacementM: Double) -> LocationManagerSettings {
        switch accuracy {
        case .high:
            return .init(desiredAccuracy: -1, distanceFilter: minDisplacementM, continuousUpdates: true, pausesAutomatically: false)
        case .balanced:
            return .init(desiredAccuracy: 100, distanceFilter: minDisplacementM, continuousUpdates: true, pausesAutomatically: true)
        case .low:
            return .init(desiredAccuracy: 1000, distanceFilter: max(minDisplacementM, 500), continuousUpdates: false, pausesAutomatically: true)
        case .passive:
            return .init(desiredAccuracy: 3000, distanceFilter: max(minDisplacementM, 500), continuousUpdates: false, pausesAutomatically: true)
        }
    }

    /// Before the engine has said anything: balanced.
    public static let initial = LocationManagerSettings.for(.balanced, minDisplacementM: 25)
}
