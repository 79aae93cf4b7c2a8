import Foundation

/// Short, human texts for times and durations, shared by every screen.
public enum Countdown {
    /// "claim within 42 min", "claim within 1 h 05 min", "claim now: under a minute left", "claim window over".
    public static func claimText(expiresAt: Date, now: Date) -> String {
        let left = expiresAt.timeIntervalSince(now)
        if left <= 0 { return "claim window over" }
        if left < 60 { return "claim now: under a minute left" }
        return "claim within \(duration(left))"
    }

    /// "under a minute", "42 min", "1 h 05 min", "2 days 3 h". Rounded up to the minute.
    public static func duration(_ seconds: TimeInterval) -> String {
        let minutes = Int((seconds / 60).rounded(.up))
        switch seconds {
        case ..<60: return "under a minute"
        case ..<3600: return "\(minutes) min"
        case ..<86400: return String(format: "%d h %02d min", minutes / 60, minutes % 60)
        default: return "\(minutes / 1440) days \(minutes % 1440 / 60) h"
        }
    }

    /// "14:05" in `zone`.
    public static func clock(_ date: Date, zone: TimeZone) -> String { format("HH:mm", date, zone) }

    /// "Tue 24 Nov 14:05" in `zone`.
    public static func dayAndClock(_ date: Date, zone: TimeZone) -> String { format("EEE d MMM HH:mm", date, zone) }

    private static func format(_ pattern: String, _ date: Date, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
