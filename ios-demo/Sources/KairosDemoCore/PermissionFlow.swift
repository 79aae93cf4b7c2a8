import Foundation

/// A permission the demo asks for, with why, in the shopper's words.
public enum DemoPermission: String, CaseIterable, Sendable {
    /// Location while the app is in use: visits, steps between places, offers at the door.
    case locationWhenInUse
    /// Motion and fitness: CMPedometer's steps.
    case motion
    /// Offers and step-goal messages as notifications.
    case notifications
    /// Location always: visits, significant changes and regions wake the app when it is closed.
    case locationAlways

    /// Whether tracking cannot start without it.
    public var required: Bool { self == .locationWhenInUse }

    /// What the shopper gets by granting it.
    public var why: String {
        switch self {
        case .locationWhenInUse:
            return "Kairos works out the places you visit and the shops near you, on this phone. Without location it cannot do anything."
        case .motion:
            return "Counts your steps towards today's goal. Without it the profile shows no steps."
        case .notifications:
            return "Tells you when an offer is waiting near you. Without it offers only appear in the app's list."
        case .locationAlways:
            return "Lets the shops you pass wake Kairos when the app is closed. Choose \"Change to Always Allow\"."
        }
    }
}

/// What iOS says about one permission. iOS asks once: a refusal can only be undone in Settings.
public enum PermissionState: Sendable {
    /// Never asked.
    case notDetermined
    /// Granted.
    case granted
    /// Refused (or restricted): only Settings can change it.
    case denied
}

/// The next thing the permissions screen does.
public enum PermissionStep: Equatable, Sendable {
    /// Explain the permission, then show the system prompt.
    case ask(DemoPermission)
    /// Location was refused: tracking needs the shopper to allow it in Settings.
    case blocked(DemoPermission)
    /// Every permission was answered; the optional ones refused.
    case done(missing: [DemoPermission])
}

/// The order and rules of iOS's permission prompts for the demo: location first (everything needs
/// it), "Always" last, since iOS offers it only after "While Using". An optional permission refused
/// is skipped: the app works without it, with less.
public struct PermissionFlow: Sendable {
    public init() {}

    /// The next step, given what iOS says about each permission (absent: not determined).
    public func next(_ states: [DemoPermission: PermissionState]) -> PermissionStep {
        var missing: [DemoPermission] = []
        for permission in DemoPermission.allCases {
            switch states[permission] ?? .notDetermined {
            case .granted: continue
            case .notDetermined: return .ask(permission)
            case .denied:
                if permission.required { return .blocked(permission) }
                missing.append(permission)
            }
        }
        return .done(missing: missing)
    }

    /// Whether tracking may start: location is granted.
    public func canTrack(_ states: [DemoPermission: PermissionState]) -> Bool {
        DemoPermission.allCases.filter(\.required).allSatisfy { states[$0] == .granted }
    }
}
