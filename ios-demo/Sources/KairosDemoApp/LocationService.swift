#if canImport(CoreLocation) && os(iOS)
import CoreLocation
import Foundation
import Kairos
import KairosDemoCore

/// CoreLocation for the engine: significant location changes and visits (both wake a closed
/// app), and the nearest 20 catalog places monitored as regions. A region crossing asks for one
/// fresh fix; the engine decides whether an offer fires.
public final class LocationService: NSObject, CLLocationManagerDelegate, ObservableObject {
    private let engine: Engine
    private let manager = CLLocationManager()
    private let planner = WakeRegionPlanner(limit: 20)
    /// The authorization, for the permissions screen.
    @Published public private(set) var authorization: CLAuthorizationStatus

    init(engine: Engine) {
        self.engine = engine
        authorization = manager.authorizationStatus
        super.init()
        manager.delegate = self
        manager.allowsBackgroundLocationUpdates = false
    }

    /// Asks "While Using", then (a second call) "Always".
    public func requestPermission() {
        if manager.authorizationStatus == .notDetermined { manager.requestWhenInUseAuthorization() }
        else { manager.requestAlwaysAuthorization() }
    }

    /// Starts the feeds that wake the app: significant changes and visits.
    public func start() {
        manager.startMonitoringSignificantLocationChanges()
        manager.startMonitoringVisits()
        manager.requestLocation()
    }

    /// Stops them and forgets the regions.
    public func stop() {
        manager.stopMonitoringSignificantLocationChanges()
        manager.stopMonitoringVisits()
        manager.monitoredRegions.forEach(manager.stopMonitoring)
    }

    public func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        authorization = manager.authorizationStatus
    }

    public func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        let fixes = locations.filter { $0.horizontalAccuracy >= 0 }.map {
            LocationFix(at: $0.timestamp, lat: $0.coordinate.latitude, lon: $0.coordinate.longitude,
                        accuracyM: $0.horizontalAccuracy, speedMps: $0.speed >= 0 ? $0.speed : nil)
        }
        guard let last = fixes.last else { return }
        Task {
            _ = try? await engine.recordLocationsAsync(fixes: fixes)
            if let plan = try? planner.planIfMoved(engine: engine, lat: last.lat, lon: last.lon) {
                await MainActor.run { register(plan) }
            }
        }
    }

    public func locationManager(_ manager: CLLocationManager, didVisit visit: CLVisit) {
        guard visit.departureDate != .distantFuture else { return } // still there: the fixes tell
        _ = try? engine.recordVisit(lat: visit.coordinate.latitude, lon: visit.coordinate.longitude,
                                    arrived: visit.arrivalDate, departed: visit.departureDate)
    }

    public func locationManager(_ manager: CLLocationManager, didEnterRegion region: CLRegion) { manager.requestLocation() }
    public func locationManager(_ manager: CLLocationManager, didExitRegion region: CLRegion) { manager.requestLocation() }
    public func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {}

    private func register(_ plan: RegionPlan) {
        manager.monitoredRegions.forEach(manager.stopMonitoring)
        for r in plan.regions {
            let region = CLCircularRegion(center: CLLocationCoordinate2D(latitude: r.lat, longitude: r.lon),
                                          radius: min(r.radiusM, manager.maximumRegionMonitoringDistance), identifier: r.id)
            region.notifyOnEntry = true
            region.notifyOnExit = true
            manager.startMonitoring(for: region)
        }
    }
}
#endif
