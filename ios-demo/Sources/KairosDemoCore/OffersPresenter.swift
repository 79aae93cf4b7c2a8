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
    /// The engine refused (the window ended, already redeemed...); the message says why.
    case refused(String)
}

/// The offer a notification opened (`OffersPresenter.open`).
public enum OpenedOffer: Equatable, Sendable {
    /// It can still be claimed: the row is shown first.
    case claimable(OfferRow)
    /// It cannot any more (redeemed, dismissed, its window ended); the message says so.
    case gone(String)
}

/// The offers screen: what can be claimed now, with countdowns, and the shopper's actions on it.
public final class OffersPresenter {
    /// Below this much time left an offer is shown as urgent.
    public static let urgent: TimeInterval = 10 * 60

    private let engine: EngineProtocol

    public init(engine: EngineProtocol) { self.engine = engine }

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

    /// The shopper shows the offer at the till.
    public func redeem(_ id: Int64, now: Date) -> ActionResult {
        act("Enjoy! The offer is redeemed.") { try engine.redeemed(instanceId: id, now: now) }
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
        } catch KairosError.InvalidOfferTransition(let reason, _) {
            return .refused(reason)
        } catch KairosError.UnknownOffer(let reason, _) {
            return .refused(reason)
        } catch {
            return .refused("\(error)")
        }
    }
}
