// The permission state as an API: platform-free, from the raw values the
// Apple frameworks report (`CLAuthorizationStatus`, `CLAccuracyAuthorization`,
// `CMAuthorizationStatus`, `UNAuthorizationStatus`).
import Foundation

/// `CLAuthorizationStatus`.
public enum LocationAuthorization: Int32, Sendable {
    case notDetermined = 0, restricted = 1, denied = 2, always = 3, whenInUse = 4
}

/// Which location the shopper granted.
public enum LocationAccess: Sendable, Equatable {
    /// Not asked yet.
    case notDetermined
    /// Denied or restricted: KairosKit cannot track.
    case none
    /// Reduced accuracy ("Precise: off", about 3 km): too coarse for fences.
    case approximate
    /// Full accuracy.
    case precise
}

/// The permissions KairosKit uses, as granted now (the same shape as Android's `PermissionStatus`).
public struct PermissionStatus: Sendable, Equatable {
    /// Location, in the foreground.
    public let location: LocationAccess
    /// "Always": regions, visits and significant changes wake the app in the background.
    public let background: Bool
    /// Notifications may be shown (`.authorized`, `.provisional` or `.ephemeral`).
    public let notifications: Bool
    /// Motion & Fitness: CMPedometer may be queried.
    public let motion: Bool

    /// Whether fences, visits and offers can work: precise location.
    public var canTrack: Bool { location == .precise }
    /// Whether they keep working in the background.
    public var canTrackInBackground: Bool { canTrack && background }

    /// The status from the frameworks' raw values: `CLLocationManager.authorizationStatus.rawValue`,
    /// `accuracyAuthorization == .fullAccuracy`, `CMPedometer.authorizationStatus().rawValue`
    /// (3 is authorized), `UNNotificationSettings.authorizationStatus.rawValue` (2, 3, 4 allow).
    public init(location authorization: LocationAuthorization, fullAccuracy: Bool, motionStatus: Int, notificationStatus: Int) {
        switch authorization {
        case .notDetermined: location = .notDetermined
        case .restricted, .denied: location = .none
        case .always, .whenInUse: location = fullAccuracy ? .precise : .approximate
        }
        background = authorization == .always
        motion = motionStatus == 3
        notifications = [2, 3, 4].contains(notificationStatus)
    }

    /// What to ask for next: when-in-use first, "Always" after the app has
    /// explained why (iOS shows the upgrade prompt once), nothing when denied.
    public var nextRequest: PermissionRequest? {
        switch location {
        case .notDetermined: return .whenInUse
        case .approximate: return .temporaryFullAccuracy
        case .precise: return background ? nil : .always
        case .none: return nil
        }
    }
}

/// A location permission request.
public enum PermissionRequest: Sendable, Equatable {
    /// `requestWhenInUseAuthorization()`.
    case whenInUse
    /// `requestAlwaysAuthorization()`.
    case always
    /// `requestTemporaryFullAccuracyAuthorization(withPurposeKey:)` (key `KairosOffers` in Info.plist).
    case temporaryFullAccuracy
}
