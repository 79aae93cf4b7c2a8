import Foundation
import Kairos

/// One line per engine event, for the QA timeline and the logs.
public enum EventText {
    /// "12:00 Offer suppressed: drive-thru-combo (while_driving)".
    public static func line(_ event: KairosEvent, zone: TimeZone) -> String {
        "\(Countdown.clock(at(event), zone: zone)) \(describe(event))"
    }

    /// The event's time.
    public static func at(_ event: KairosEvent) -> Date {
        switch event {
        case let .visitStarted(at, _, _, _), let .visitEnded(at, _, _, _, _, _), let .placeClassified(at, _, _),
             let .stepGoalReached(at, _, _, _), let .inactivityNudge(at, _, _), let .fenceEntered(at, _, _),
             let .fenceDwelled(at, _, _, _), let .fenceExited(at, _, _, _), let .offerTriggered(at, _, _, _, _, _, _, _),
             let .offerSuppressed(at, _, _, _, _, _, _), let .offerHeldOut(at, _, _, _), let .offerExpired(at, _, _),
             let .routineOverdue(at, _, _, _, _, _), let .routineResumed(at, _, _, _), let .onTheWayReminder(at, _, _, _, _, _),
             let .notificationHeld(at, _, _, _, _), let .notificationRetried(at, _, _, _), let .catalogLoaded(at, _, _, _),
             let .tilesLoaded(at, _, _, _),
             let .databaseRecovered(at, _, _),
             let .clockCorrected(at, _, _),
             let .sensingPlanChanged(at, _, _, _, _, _, _):
            return at
        }
    }

    /// What happened, without the time.
    public static func describe(_ event: KairosEvent) -> String {
        switch event {
        case let .visitStarted(_, _, placeId, _): return "Visit started at place \(placeId)"
        case let .visitEnded(_, _, placeId, _, _, minutes): return "Visit ended at place \(placeId) after \(minutes) min"
        case let .placeClassified(_, placeId, kind): return "Place \(placeId) is \(kind)"
        case let .stepGoalReached(_, _, steps, goal): return "Step goal reached: \(steps) of \(goal)"
        case let .inactivityNudge(_, _, minutes): return "Sitting for \(minutes) min: time for a walk?"
        case let .fenceEntered(_, placeId, _): return "Entered \(placeId)"
        case let .fenceDwelled(_, placeId, _, _): return "Staying at \(placeId)"
        case let .fenceExited(_, placeId, _, _): return "Left \(placeId)"
        case let .offerTriggered(_, _, offerId, _, _, _, title, _): return "Offer: \(title) (\(offerId))"
        case let .offerSuppressed(_, offerId, _, _, _, _, explanation): return "Offer suppressed: \(offerId) (\(explanation))"
        case let .offerHeldOut(_, _, offerId, _): return "Offer held out: \(offerId)"
        case let .offerExpired(_, _, offerId): return "Offer expired: \(offerId)"
        case let .routineOverdue(_, routineId, _, _, daysOverdue, _): return "Routine overdue by \(daysOverdue) days: \(routineId)"
        case let .routineResumed(_, routineId, _, _): return "Routine resumed: \(routineId)"
        case let .onTheWayReminder(_, _, _, merchantId, distanceM, _): return "On your way: \(merchantId) is \(Int(distanceM)) m ahead"
        case let .notificationHeld(_, message, _, _, explanation): return "Held (\(message)): \(explanation)"
        case let .notificationRetried(_, message, _, outcome): return "Held \(message): \(outcome)"
        case let .catalogLoaded(_, version, offers, _): return "Catalog v\(version) loaded: \(offers) offers"
        case let .tilesLoaded(_, headerVersion, tilesUpdated, tilesHeld):
            return "Catalog tiles: \(tilesUpdated) arrived, \(tilesHeld) held (v\(headerVersion))"
        case let .databaseRecovered(_, _, reason): return "Database recovered: \(reason)"
        case let .clockCorrected(_, from, _): return "Device clock corrected: back from \(from)"
        case let .sensingPlanChanged(_, accuracy, intervalMs, _, _, reason, _):
            return SensingStatus.text(accuracy, intervalMs: intervalMs, reason)
        }
    }
}
