// Which catalog places iOS monitors, and when to ask again: platform-free.
import Foundation
import Kairos

/// A circle to monitor (`CLCircularRegion`, or a `CLMonitor` condition),
/// identified by its catalog place.
public struct MonitoredRegion: Sendable, Equatable, Hashable {
    /// The catalog place: the region's identifier.
    public let identifier: String
    /// Centre latitude.
    public let latitude: Double
    /// Centre longitude.
    public let longitude: Double
    /// Radius, metres (within what iOS handles well).
    public let radius: Double
}

/// What to change in the monitored set.
public struct RegionChanges: Sendable, Equatable {
    /// Regions to start monitoring.
    public let add: [MonitoredRegion]
    /// Identifiers to stop monitoring.
    public let remove: [String]
}

/// iOS monitors at most 20 regions per app and needs about 200 m of
/// movement across a boundary: KairosKit monitors the nearest places the
/// engine gives (`Engine.wakeRegions`), at least 100 m in radius, and asks
/// again once the phone has moved half way towards the farthest of them
/// (never under 500 m), or when the engine's plan says they changed.
public struct WakeRegionPlanner: Sendable {
    /// iOS's limit per app.
    public static let iosLimit = 20
    /// Smallest radius monitored, metres.
    public static let minRadius = 100.0
    /// Never ask again for moves under this, metres.
    public static let minRefresh = 500.0

    /// Most regions monitored (at most 20; the app may keep some for itself).
    public let limit: Int
    private var last: (lat: Double, lon: Double)?
    private var refreshAfter = 0.0
    /// The regions monitored now.
    public private(set) var monitored: [MonitoredRegion] = []

    /// A planner that monitors at most `limit` regions (clamped to 1...20).
    public init(limit: Int = WakeRegionPlanner.iosLimit) {
        self.limit = min(max(limit, 1), WakeRegionPlanner.iosLimit)
    }

    /// Whether the phone, now at (`lat`, `lon`), moved far enough to ask again.
    public func due(lat: Double, lon: Double) -> Bool {
        guard let last else { return true }
        return Self.distance(last.lat, last.lon, lat, lon) >= refreshAfter
    }

    /// Takes the engine's `regions` (asked for at `lat`, `lon`; nearest
    /// first) and returns what to add and remove; `maxRadius` is
    /// `CLLocationManager.maximumRegionMonitoringDistance`.
    public mutating func replace(with regions: [WakeRegion], lat: Double, lon: Double, maxRadius: Double = 50_000) -> RegionChanges {
        let chosen = regions.prefix(limit).map {
            MonitoredRegion(identifier: $0.placeId, latitude: $0.lat, longitude: $0.lon,
                            radius: min(max($0.radiusM, Self.minRadius), maxRadius))
        }
        let old = Set(monitored)
        let new = Set(chosen)
        let changes = RegionChanges(
            add: chosen.filter { !old.contains($0) },
            remove: monitored.filter { !new.contains($0) }.map(\.identifier))
        monitored = Array(chosen)
        last = (lat, lon)
        refreshAfter = max(Self.minRefresh, (regions.prefix(limit).map(\.distanceM).max() ?? 0) / 2)
        return changes
    }

    /// Great-circle distance, metres.
    public static func distance(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let rad = Double.pi / 180
        let dLat = (lat2 - lat1) * rad
        let dLon = (lon2 - lon1) * rad
        let a = pow(sin(dLat / 2), 2) + cos(lat1 * rad) * cos(lat2 * rad) * pow(sin(dLon / 2), 2)
        return 2 * 6_371_000 * asin(sqrt(a))
    }
}
