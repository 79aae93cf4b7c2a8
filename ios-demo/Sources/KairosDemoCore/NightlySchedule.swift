import Foundation
import Kairos

/// When the nightly sync runs: the next 02:00 local time (BGTaskScheduler's `earliestBeginDate`).
public struct NightlySchedule: Sendable {
    private let hour: Int

    public init(hour: Int = 2) { self.hour = hour }

    /// The next `hour`:00 after `now` in `zone` (never `now`: a sync just run waits a day).
    public func next(after now: Date, zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.nextDate(after: now, matching: DateComponents(hour: hour, minute: 0, second: 0),
                                 matchingPolicy: .nextTime) ?? now.addingTimeInterval(86_400)
    }
}

/// Where a CMPedometer query starts: after the last sample recorded, but not before midnight
/// seven days ago (what iOS keeps) and not before today's midnight on a first run.
public enum PedometerWindow {
    /// The start of the query at `now`, given the end of the last interval recorded.
    public static func start(lastRecordedEnd: Date?, now: Date, zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let midnight = calendar.startOfDay(for: now)
        guard let last = lastRecordedEnd else { return midnight }
        let oldest = calendar.date(byAdding: .day, value: -7, to: midnight) ?? midnight
        return max(min(last, now), oldest)
    }
}
