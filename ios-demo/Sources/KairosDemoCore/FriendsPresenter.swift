import Foundation
import Kairos

/// The profile screen's "Friends" section, before the shopper acts.
public struct FriendsPanel: Equatable, Sendable {
    /// `social` is granted: "Invite a friend" and "Accept an invite" may be used.
    public let enabled: Bool
    /// What linking friends means, or, while `social` is off, that it must be turned on first.
    public let explanation: String

    /// A panel: whether the buttons may be used, and what the section says.
    public init(enabled: Bool, explanation: String) {
        self.enabled = enabled
        self.explanation = explanation
    }
}

/// The outcome of "Invite a friend" or "Accept an invite", in words for the shopper.
public enum FriendsOutcome: Equatable, Sendable {
    /// A code was created: the code (grouped for reading aloud) goes to the friend; the message says how.
    case invited(code: String, message: String)
    /// The friend's code was accepted: the two are friends.
    case linked(String)
    /// Nothing happened; the message says why (a refused code, `social` off, no network).
    case failed(String)

    /// The text shown.
    public var message: String {
        switch self {
        case let .invited(_, message), let .linked(message), let .failed(message): return message
        }
    }
}

/// Friend invites (purpose `social`, docs/privacy.md "Social proof") through the backend at
/// `options` over `transport`, as the nightly sync talks to it.
public final class FriendsPresenter {
    /// The explanation while `social` is granted.
    public static let linkedFriends =
        "Friends you link see how many of you visited a partner shop in the last 30 days (from 2), never who."
    /// The explanation while `social` is off: the buttons stay disabled.
    public static let turnOn =
        "To invite a friend or accept an invite, first turn on Friends in Privacy. Until then nothing about friends leaves this phone."

    private let engine: EngineProtocol
    private let options: SyncOptions
    private let transport: HttpTransport

    public init(engine: EngineProtocol, options: SyncOptions, transport: HttpTransport) {
        self.engine = engine
        self.options = options
        self.transport = transport
    }

    /// The section as it stands: usable only while `social` is granted.
    public func panel() throws -> FriendsPanel {
        let granted = try engine.consents().current.contains { $0.purpose == .social && $0.granted }
        return FriendsPanel(enabled: granted, explanation: granted ? Self.linkedFriends : Self.turnOn)
    }

    /// Creates a single-use code for a friend.
    public func invite() async -> FriendsOutcome {
        do {
            let invite = try await engine.createFriendInvite(options: options, transport: transport)
            return .invited(code: Self.grouped(invite.code),
                            message: "Give this code to a friend who uses the app. It works once, until \(Self.day(invite.expiresOn)).")
        } catch {
            return .failed(Self.failure(error))
        }
    }

    /// Accepts a friend's `code` (case, spaces and hyphens do not matter).
    public func accept(_ code: String) async -> FriendsOutcome {
        do {
            try await engine.acceptFriendInvite(options: options, transport: transport,
                                                code: code.trimmingCharacters(in: .whitespacesAndNewlines))
            return .linked("You are now friends. How many of your friends visited a shop shows after the next sync.")
        } catch {
            return .failed(Self.failure(error))
        }
    }

    /// Whether "Accept an invite" can be pressed: `social` on, a code typed, no request running.
    public static func canAccept(_ panel: FriendsPanel, code: String, busy: Bool) -> Bool {
        panel.enabled && !code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && !busy
    }

    /// Whether "Invite a friend" can be pressed: `social` on, no request running.
    public static func canInvite(_ panel: FriendsPanel, busy: Bool) -> Bool { panel.enabled && !busy }

    /// A code in groups of four, easier to read out: `ABCDEFGHJKMN` is "ABCD-EFGH-JKMN".
    public static func grouped(_ code: String) -> String {
        stride(from: 0, to: code.count, by: 4).map { start -> String in
            let from = code.index(code.startIndex, offsetBy: start)
            return String(code[from..<(code.index(from, offsetBy: 4, limitedBy: code.endIndex) ?? code.endIndex)])
        }.joined(separator: "-")
    }

    /// Why the backend refused a code, in words.
    public static func refusal(_ refusal: InviteRefusal) -> String {
        switch refusal {
        case .unknown: return "There is no such code. Check it with your friend: they may have withdrawn it."
        case .expired: return "This code has expired. Ask your friend for a new one."
        case .used: return "This code has been used already. Each code works once: ask your friend for a new one."
        case .ownInvite: return "This is your own code. Give it to a friend instead."
        case .malformed: return "That is not an invite code. Check what you typed against your friend's code."
        case .tooManyFriends: return "One of you has as many friends as the app allows."
        case .tooManyInvites: return "You have as many open codes as the app allows. Wait until a friend uses one or it expires."
        }
    }

    /// What the shopper reads when an invite or accept failed with `error`.
    public static func failure(_ error: Error) -> String {
        switch error as? KairosError {
        case let .FriendInviteRefused(_, refusal)?: return Self.refusal(refusal)
        case .ConsentRequired?: return turnOn
        case .SocialUnavailable?: return "The server cannot be reached now. Check your connection and try again."
        default: return "Something went wrong: \(error)"
        }
    }

    /// "Mon 30 Nov".
    private static func day(_ day: LocalDay) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: day.dateComponents) else { return day.iso8601 }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = "EEE d MMM"
        return formatter.string(from: date)
    }
}
