import Foundation
import Kairos

/// A notification the demo posts for an engine event, decided without the platform.
public struct Notice: Equatable, Sendable {
    /// Which kind, for grouping (`UNNotificationContent.threadIdentifier`).
    public enum Kind: String, Sendable {
        /// An offer near the shopper.
        case offer
        /// The step goal or an inactivity nudge.
        case activity
        /// An overdue routine or an on-the-way reminder.
        case reminder
    }

    /// The request identifier: the offer instance's for an offer, one per kind otherwise.
    public let id: String
    /// Its kind.
    public let kind: Kind
    /// The title.
    public let title: String
    /// The text.
    public let body: String
    /// The offer a tap opens (nil: a tap opens the app where it was).
    public let offerInstanceId: Int64?
}

/// Which engine events become notifications, and what they say.
public enum Notices {
    /// The `userInfo` key of the offer instance a tap opens.
    public static let offerKey = "instanceId"

    /// The request identifier of offer instance `id`'s notification.
    public static func offerId(_ id: Int64) -> String { "offer-\(id)" }

    /// The notification for `event` at `now`, or nil when it shows none.
    public static func of(_ event: KairosEvent, now: Date) -> Notice? {
        switch event {
        case let .offerTriggered(_, instanceId, _, _, _, _, title, expiresAt):
            return Notice(id: offerId(instanceId), kind: .offer, title: title,
                          body: Countdown.claimText(expiresAt: expiresAt, now: now), offerInstanceId: instanceId)
        case let .stepGoalReached(_, _, steps, _):
            return Notice(id: "goal", kind: .activity, title: "Goal reached!", body: "\(steps) steps today.", offerInstanceId: nil)
        case let .inactivityNudge(_, _, minutes):
            return Notice(id: "nudge", kind: .activity, title: "Time for a walk?",
                          body: "You have been sitting for \(minutes) min.", offerInstanceId: nil)
        case let .routineOverdue(_, routineId, _, _, daysOverdue, _):
            return Notice(id: "routine", kind: .reminder, title: "Time for \(name(routineId))?",
                          body: "Your usual visit is \(days(daysOverdue)) overdue.", offerInstanceId: nil)
        case let .onTheWayReminder(_, _, _, merchantId, distanceM, daysOverdue):
            return Notice(id: "on-the-way", kind: .reminder, title: "On your way: \(name(merchantId))",
                          body: "\(Int(distanceM)) m ahead, and your usual visit is \(days(daysOverdue)) overdue.",
                          offerInstanceId: nil)
        default:
            return nil
        }
    }

    /// The notification `event` withdraws (an expired offer's), or nil.
    public static func withdrawn(_ event: KairosEvent) -> String? {
        if case let .offerExpired(_, instanceId, _) = event { return offerId(instanceId) }
        return nil
    }

    /// A routine or merchant id in words: `category:grocery` is "grocery", `corner-cafe` "corner cafe".
    public static func name(_ id: String) -> String {
        let tail = id.split(separator: ":", maxSplits: 1).last.map(String.init) ?? id
        return tail.replacingOccurrences(of: "-", with: " ")
    }

    private static func days(_ n: Int32) -> String { n == 1 ? "1 day" : "\(n) days" }
}
