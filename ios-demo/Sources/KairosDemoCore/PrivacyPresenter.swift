import Foundation
import Kairos

/// One purpose on the consent screen.
public struct ConsentRow: Equatable, Identifiable {
    /// The purpose.
    public let purpose: Purpose
    /// "Activity".
    public let title: String
    /// What is shared when it is on.
    public let shares: String
    /// The shopper's current choice (off until they choose).
    public let granted: Bool
    public var id: String { title }
}

/// The privacy screen: a switch per purpose, the ledger of choices, what waits to leave.
public struct Privacy: Equatable {
    /// One row per purpose.
    public let purposes: [ConsentRow]
    /// Every choice ever made, newest first: "Tue 24 Nov 09:00 · Activity on · policy 2026-11".
    public let ledger: [String]
    /// "2 items wait to be sent" or "Nothing waits to be sent".
    public let outbox: String
}

/// Consent per purpose, export and erase.
public final class PrivacyPresenter {
    /// The version of the privacy policy the consent screen shows.
    public static let policyVersion = "2026-11"
    /// Every purpose, in screen order.
    public static let purposes: [Purpose] = [.activity, .visits, .offers, .social]

    private let engine: EngineProtocol
    private let zone: TimeZone

    public init(engine: EngineProtocol, zone: TimeZone) {
        self.engine = engine
        self.zone = zone
    }

    /// The screen at the moment.
    public func load() throws -> Privacy {
        let consents = try engine.consents()
        let waiting = try engine.outbox().count
        return Privacy(
            purposes: Self.purposes.map { purpose in
                ConsentRow(purpose: purpose, title: Self.title(purpose), shares: Self.shares(purpose),
                           granted: consents.current.first { $0.purpose == purpose }?.granted ?? false)
            },
            ledger: consents.ledger.sorted { $0.at > $1.at }.map {
                "\(Countdown.dayAndClock($0.at, zone: zone)) · \(Self.title($0.purpose)) \($0.granted ? "on" : "off") · policy \($0.policyVersion)"
            },
            outbox: waiting == 0 ? "Nothing waits to be sent" : waiting == 1 ? "1 item waits to be sent" : "\(waiting) items wait to be sent")
    }

    /// Records the shopper's choice for `purpose` under the policy they saw.
    public func setConsent(_ purpose: Purpose, granted: Bool, now: Date) throws {
        _ = try engine.setConsent(purpose: purpose, granted: granted, policyVersion: Self.policyVersion, now: now)
    }

    /// Everything held, as one JSON document, for the shopper only (it holds raw coordinates).
    public func export() throws -> String { try engine.exportProfile() }

    /// Erases everything held; the backend is told at the next sync.
    public func erase(now: Date) throws { try engine.eraseAll(now: now) }

    /// The purpose's name.
    public static func title(_ purpose: Purpose) -> String {
        switch purpose {
        case .activity: return "Activity"
        case .visits: return "Visits"
        case .offers: return "Offers"
        case .social: return "Friends"
        }
    }

    /// What leaves the phone, once a day, when `purpose` is on (docs/privacy.md).
    public static func shares(_ purpose: Purpose) -> String {
        switch purpose {
        case .activity: return "Your daily steps, rounded to 100, and whether you met your goal."
        case .visits: return "How often and how long you visited partner shops. Never your home, work or other places."
        case .offers: return "Which offers you saw, redeemed or dismissed."
        case .social:
            return "That you count among your linked friends' social proof: friends you invite see how many of them visited a partner shop in the last 30 days (from 2), never who."
        }
    }
}
