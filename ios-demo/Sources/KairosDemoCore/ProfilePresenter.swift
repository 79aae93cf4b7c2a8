import Foundation
import Kairos

/// The profile screen's content.
public struct Profile: Equatable, Sendable {
    /// "4,210 of 7,500 steps".
    public let steps: String
    /// 0 to 1, for a progress view.
    public let progress: Double
    /// "3,290 to go" or "Goal reached!".
    public let goalLine: String
    /// Today's visits, oldest first: "09:12–10:40 · home · 88 min".
    public let visits: [String]
    /// The routines learned: "weekly, Thursdays around 18:00 · overdue by 2 days".
    public let routines: [String]
}

/// Builds the profile screen from the engine.
public final class ProfilePresenter {
    private let engine: EngineProtocol
    private let zone: TimeZone

    public init(engine: EngineProtocol, zone: TimeZone) {
        self.engine = engine
        self.zone = zone
    }

    /// The profile at `now`.
    public func load(now: Date) throws -> Profile {
        let today = try engine.today(now: now)
        var kinds: [Int64: PlaceKind] = [:]
        for place in try engine.places() { kinds[place.id] = place.kind }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let visits = try engine.visits(from: calendar.startOfDay(for: now), to: now).map { visit -> String in
            let end = visit.departedAt.map { Countdown.clock($0, zone: zone) } ?? "now"
            let minutes = Int((visit.departedAt ?? now).timeIntervalSince(visit.arrivedAt) / 60)
            return "\(Countdown.clock(visit.arrivedAt, zone: zone))–\(end) · \(Self.placeName(kinds[visit.placeId])) · \(minutes) min"
        }
        let routines = try engine.routines(now: now).map { routine -> String in
            switch routine.status {
            case .onTrack: return "\(routine.description) · next around \(Countdown.dayAndClock(routine.nextExpectedAt, zone: zone))"
            case .overdue: return "\(routine.description) · overdue by \(routine.daysOverdue == 1 ? "1 day" : "\(routine.daysOverdue) days")"
            case .lapsed: return "\(routine.description) · lapsed"
            }
        }
        let goal = Int64(today.goal)
        return Profile(
            steps: "\(Self.grouped(today.steps)) of \(Self.grouped(goal)) steps",
            progress: goal <= 0 ? 1 : min(1, Double(today.steps) / Double(goal)),
            goalLine: today.goalReached ? "Goal reached!" : "\(Self.grouped(today.remaining)) to go",
            visits: visits,
            routines: routines)
    }

    private static func placeName(_ kind: PlaceKind?) -> String {
        switch kind {
        case .home?: return "home"
        case .work?: return "work"
        default: return "a place"
        }
    }

    /// "4,210", whatever the device's locale (the demo is in English).
    static func grouped(_ n: Int64) -> String {
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: "en_US")
        formatter.numberStyle = .decimal
        return formatter.string(from: NSNumber(value: n)) ?? "\(n)"
    }
}
