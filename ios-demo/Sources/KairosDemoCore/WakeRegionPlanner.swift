import Foundation
import Kairos

/// A circle to register with the OS: the place's id, centre and radius.
public struct OsRegion: Equatable, Sendable {
    public let id: String
    public let lat: Double
    public let lon: Double
    public let radiusM: Double
}

/// The regions to register and when to ask again.
public struct RegionPlan: Equatable, Sendable {
    /// Nearest first.
    public let regions: [OsRegion]
    /// Register again once the phone is this far from where the plan was made.
    public let refreshAfterM: Double
}

/// Which catalog places CoreLocation monitors so it wakes the app near them. iOS monitors at most
/// 20 regions per app, so the app registers the nearest ones and asks again after moving half way
/// towards the farthest of them (significant location changes wake it to check).
public final class WakeRegionPlanner {
    /// Never re-register for moves under this.
    public static let minRefreshM = 500.0

    private let limit: Int
    private let minRadiusM: Double
    private let maxRadiusM: Double
    private var last: (lat: Double, lon: Double, refreshAfterM: Double)?

    /// A planner registering at most `limit` regions, their radii kept within what the OS handles.
    public init(limit: Int = 20, minRadiusM: Double = 100, maxRadiusM: Double = 50_000) {
        self.limit = limit
        self.minRadiusM = minRadiusM
        self.maxRadiusM = maxRadiusM
    }

    /// The new plan at (`lat`, `lon`) if the phone moved enough since the last one, else nil.
    public func planIfMoved(engine: EngineProtocol, lat: Double, lon: Double) throws -> RegionPlan? {
        if let last, Self.distanceM(last.lat, last.lon, lat, lon) < last.refreshAfterM { return nil }
        let plan = plan(try engine.wakeRegions(lat: lat, lon: lon, n: Int32(limit)))
        last = (lat, lon, plan.refreshAfterM)
        return plan
    }

    /// The plan for `regions`, as the engine returned them (nearest first).
    public func plan(_ regions: [WakeRegion]) -> RegionPlan {
        let chosen = regions.prefix(limit)
        return RegionPlan(
            regions: chosen.map { OsRegion(id: $0.placeId, lat: $0.lat, lon: $0.lon, radiusM: min(max($0.radiusM, minRadiusM), maxRadiusM)) },
            refreshAfterM: max(Self.minRefreshM, (chosen.map(\.distanceM).max() ?? 0) / 2))
    }

    /// Great-circle distance in metres.
    public static func distanceM(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let rad = Double.pi / 180
        let a = pow(sin((lat2 - lat1) * rad / 2), 2) + cos(lat1 * rad) * cos(lat2 * rad) * pow(sin((lon2 - lon1) * rad / 2), 2)
        return 2 * 6_371_000 * asin(a.squareRoot())
    }
}
