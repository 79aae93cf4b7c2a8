import Foundation
import Kairos

/// Where a replay is.
public struct ReplayProgress: Equatable, Sendable {
    /// The track time reached.
    public let trackTime: Date
    /// Fixes fed to the engine so far.
    public let fixesSent: Int
    /// Fixes in the track.
    public let fixesTotal: Int
    /// Events the engine produced so far.
    public let events: Int

    public init(trackTime: Date, fixesSent: Int, fixesTotal: Int, events: Int) {
        self.trackTime = trackTime
        self.fixesSent = fixesSent
        self.fixesTotal = fixesTotal
        self.events = events
    }
}

/// QA replay at a chosen speed: feeds a recorded track to an engine window by window, waiting
/// between windows as long as the track took, divided by the speed (1x to 60x), so the events
/// arrive as they would on a walk. The speed is read before every window: a slider can change it
/// during the replay. Cancelling the task stops the replay between two windows.
///
/// Unlike `Engine.replay`, which runs at full speed, this paces the track for people watching.
/// Replay into its own engine (see `QaSession`): replayed fixes become the profile's history.
public struct ReplayDriver {
    /// The slowest speed: real time.
    public static let minSpeed = 1
    /// The fastest speed: an hour a minute.
    public static let maxSpeed = 60

    private let engine: EngineProtocol
    private let pause: (TimeInterval) async throws -> Void
    private let window: TimeInterval

    /// A driver for `engine`; `pause` spends a window's wait (tests record it instead), `window`
    /// is the track time per window, as a platform batches fixes.
    public init(engine: EngineProtocol,
                pause: @escaping (TimeInterval) async throws -> Void = { try await Task.sleep(nanoseconds: UInt64($0 * 1e9)) },
                window: TimeInterval = 10) {
        self.engine = engine
        self.pause = pause
        self.window = window
    }

    /// `speed` within `minSpeed...maxSpeed`.
    public static func clampSpeed(_ speed: Int) -> Int { min(max(speed, minSpeed), maxSpeed) }

    /// Replays `fixes`; hands each window's events to `onEvents` and returns the final progress.
    @discardableResult
    public func play(_ fixes: [LocationFix], speed: () -> Int, onEvents: ([KairosEvent]) -> Void,
                     onProgress: (ReplayProgress) -> Void = { _ in }) async throws -> ReplayProgress {
        let sorted = fixes.sorted { $0.at < $1.at }
        guard let start = sorted.first?.at else {
            return ReplayProgress(trackTime: Date(timeIntervalSince1970: 0), fixesSent: 0, fixesTotal: 0, events: 0)
        }
        let windowMs = Int64(window * 1000)
        func index(_ fix: LocationFix) -> Int64 { Int64((fix.at.timeIntervalSince(start) * 1000).rounded(.down)) / windowMs }
        var progress = ReplayProgress(trackTime: start, fixesSent: 0, fixesTotal: sorted.count, events: 0)
        var reached = start
        var i = 0
        while i < sorted.count {
            let k = index(sorted[i])
            var j = i
            while j < sorted.count && index(sorted[j]) == k { j += 1 }
            let batch = Array(sorted[i..<j])
            i = j
            let end = start.addingTimeInterval(Double((k + 1) * windowMs) / 1000)
            try await pause(end.timeIntervalSince(reached) / Double(Self.clampSpeed(speed())))
            try Task.checkCancellation()
            reached = end
            let events = try engine.recordLocations(fixes: batch).events + engine.tick(now: end)
            if !events.isEmpty { onEvents(events) }
            progress = ReplayProgress(trackTime: end, fixesSent: progress.fixesSent + batch.count,
                                      fixesTotal: sorted.count, events: progress.events + events.count)
            onProgress(progress)
        }
        return progress
    }
}
