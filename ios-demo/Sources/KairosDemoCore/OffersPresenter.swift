import Foundation
import Kairos

/// One offer as the list and the notification show it.
public struct OfferRow: Equatable, Identifiable, Sendable {
    /// The offer instance's id, for redeem and dismiss.
    public let id: Int64
    /// The offer's title.
    public let title: String
    /// The offer's text.
    public let body: String
    /// "claim within 42 min".
    public let countdown: String
    /// Less than `OffersPresenter.urgent` left: the UI highlights it.
    public let urgent: Bool
}

/// The outcome of a redeem or dismiss, as a message for the shopper.
public enum ActionResult: Equatable, Sendable {
    /// Done; the message confirms it.
    case done(String)
    /// Redeemed: the code is shown for the till to scan; the message confirms it.
    case redeemed(String, TillCode)
    /// The engine refused (the window ended, already redeemed, the shop is closed...); the message says why.
    case refused(String)
}

/// The offer a notification opened (`OffersPresenter.open`).
public enum OpenedOffer: Equatable, Sendable {
    /// It can still be claimed: the row is shown first.
    case claimable(OfferRow)
    /// It cannot any more (redeemed, dismissed, its window ended); the message says so.
    case gone(String)
}

/// The offers screen: what can be claimed now, with countdowns, and the shopper's actions on it;
/// times in `zone`.
public final class OffersPresenter {
    /// Below this much time left an offer is shown as urgent.
    public static let urgent: TimeInterval = 10 * 60
    /// The confirmation above the QR code.
    public static let redeemedMessage = "Redeemed. Show the code below at the till."

    private let engine: EngineProtocol
    private let zone: TimeZone

    public init(engine: EngineProtocol, zone: TimeZone = .current) {
        self.engine = engine
        self.zone = zone
    }

    /// The offers claimable at `now`, soonest expiry first; marks the newly shown ones as presented.
    public func load(now: Date) throws -> [OfferRow] {
        let offers = try engine.offers(now: now)
        for offer in offers where offer.state == .triggered {
            _ = try engine.presented(instanceId: offer.id, now: now)
        }
        return offers.map { Self.row($0, now: now) }
    }

    /// The offer instance `id` a notification opened, at `now`; marks it presented.
    public func open(_ id: Int64, now: Date) throws -> OpenedOffer {
        guard let offer = try engine.offers(now: now).first(where: { $0.id == id }) else {
            return .gone("That offer can no longer be claimed.")
        }
        if offer.state == .triggered { _ = try engine.presented(instanceId: id, now: now) }
        return .claimable(Self.row(offer, now: now))
    }

    /// The shopper redeems the offer at the till: the engine signs a token, shown as a QR code
    /// (`.redeemed`) that the till verifies once with the backend.
    public func redeem(_ id: Int64, now: Date) -> ActionResult {
        do {
            return .redeemed(Self.redeemedMessage, TillCode(try engine.redeem(instanceId: id, now: now), zone: zone))
        } catch {
            return .refused(Self.refusal(error, zone: zone) ?? "Something went wrong: \(error)")
        }
    }

    /// What the shopper reads when the engine refuses a redeem or dismiss, or nil for an error
    /// that is no refusal (storage, a bug).
    public static func refusal(_ error: Error, zone: TimeZone) -> String? {
        switch error as? KairosError {
        case let .InvalidOfferTransition(reason, _)?: return reason
        case let .UnknownOffer(reason, _)?: return reason
        case let .StoreClosed(_, _, _, reopensAt?)?:
            return "The shop is closed now. The offer stays yours: redeem it from \(Countdown.dayAndClock(reopensAt, zone: zone)), when it opens again."
        case .StoreClosed?: return "The shop is closed now, and it does not open again before the offer ends."
        default: return nil
        }
    }

    /// The shopper swipes the offer away; it stays silent for the cooldown.
    public func dismiss(_ id: Int64, now: Date) -> ActionResult {
        act("Dismissed. You won't see this offer again for a while.") { try engine.dismissed(instanceId: id, now: now) }
    }

    /// The row for `offer` at `now`.
    public static func row(_ offer: OfferInstance, now: Date) -> OfferRow {
        OfferRow(id: offer.id, title: offer.title, body: offer.body,
                 countdown: Countdown.claimText(expiresAt: offer.expiresAt, now: now),
                 urgent: offer.expiresAt.timeIntervalSince(now) < urgent)
    }

    private func act(_ message: String, _ call: () throws -> OfferInstance) -> ActionResult {
        do {
            _ = try call()
            return .done(message)
        } catch {
            return .refused(Self.refusal(error, zone: zone) ?? "Something went wrong: \(error)")
        }
    }
}
