// `LocalDay` to and from `DateComponents`.
import Foundation

extension LocalDay {
    /// The day as `DateComponents` (year, month, day), for a `Calendar`.
    public var dateComponents: DateComponents {
        DateComponents(year: Int(year), month: Int(month), day: Int(day))
    }

    /// The day of `components`, or `nil` when it lacks a year, month or
    /// day (the engine refuses a day not on the calendar with `InvalidInput`).
    public init?(_ components: DateComponents) {
        guard let year = components.year.flatMap(Int32.init(exactly:)),
              let month = components.month.flatMap(Int32.init(exactly:)),
              let day = components.day.flatMap(Int32.init(exactly:)) else {
            return nil
        }
        self.init(year: year, month: month, day: day)
    }

    /// The ISO 8601 spelling, `YYYY-MM-DD` (as in the JSON payloads).
    public var iso8601: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }
}
