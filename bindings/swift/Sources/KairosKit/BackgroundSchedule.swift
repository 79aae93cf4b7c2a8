// When the background tasks run: platform-free scheduling decisions.
import Foundation

/// The `BGTaskScheduler` tasks KairosKit submits. Their identifiers must be
/// listed in Info.plist under `BGTaskSchedulerPermittedIdentifiers`.
public enum BackgroundSchedule {
    /// The refresh task (`BGAppRefreshTask`): `tick`, and the step catch-up.
    public static let refreshIdentifier = "dev.kairos.refresh"
    /// The sync task (`BGProcessingTask`, on a network).
    public static let syncIdentifier = "dev.kairos.sync"
    /// Earliest time between refreshes (iOS decides the real one).
    public static let refreshInterval: TimeInterval = 15 * 60
    /// Local hour the nightly sync aims at (the canonical day syncs at 02:00).
    public static let syncHour = 2
    /// CMPedometer answers queries for the last 7 days only.
    public static let pedometerHistory: TimeInterval = 7 * 24 * 3600

    /// `earliestBeginDate` of the next refresh after `now`.
    public static func nextRefresh(after now: Date) -> Date { now.addingTimeInterval(refreshInterval) }

    /// `earliestBeginDate` of the next sync: the next `syncHour`:00 in `zone` strictly after `now`.
    public static func nextSync(after now: Date, in zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = DateComponents(hour: syncHour, minute: 0, second: 0)
        return calendar.nextDate(after: now, matching: parts, matchingPolicy: .nextTime) ?? now.addingTimeInterval(24 * 3600)
    }

    /// The CMPedometer query to catch up on: from the end of the last one
    /// (or 7 days back, the most iOS keeps) to `now`; `nil` when nothing is due.
    public static func pedometerWindow(lastQueryEnd: Date?, now: Date) -> DateInterval? {
        let earliest = now.addingTimeInterval(-pedometerHistory)
        let start = max(lastQueryEnd ?? earliest, earliest)
        return start < now ? DateInterval(start: start, end: now) : nil
    }
}
