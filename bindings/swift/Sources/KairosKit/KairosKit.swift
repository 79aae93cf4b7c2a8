// KairosKit on iOS: CoreLocation, CoreMotion and BackgroundTasks around the
// engine. Apple-framework code only; every decision it takes is in the
// platform-free files beside it (tested on Linux). On Linux this file is
// parsed, not compiled.
#if canImport(CoreLocation) && canImport(CoreMotion) && canImport(BackgroundTasks) && os(iOS)
import BackgroundTasks
import CoreLocation
import CoreMotion
import Foundation
import Kairos

/// How KairosKit runs.
public struct KairosKitConfig: Sendable {
    /// The engine's configuration (data directory, time zone, sealing key, catalog keys...).
    public var engine: EngineConfig
    /// The backend to sync with in the background, or `nil` for none.
    public var sync: SyncOptions?
    /// Regions monitored at once (at most 20, iOS's limit per app).
    public var wakeRegionLimit: Int

    /// A configuration; sync off, 20 regions.
    public init(engine: EngineConfig, sync: SyncOptions? = nil, wakeRegionLimit: Int = WakeRegionPlanner.iosLimit) {
        self.engine = engine
        self.sync = sync
        self.wakeRegionLimit = wakeRegionLimit
    }
}

/// Kairos on iOS in one call: `KairosKit.shared.start(config)` in
/// `application(_:didFinishLaunchingWithOptions:)` (before it returns, so
/// the background tasks are registered in time) opens the engine off the
/// main actor, feeds it locations (continuous as the plan asks, plus
/// significant changes and visits), monitors the nearest catalog places,
/// catches up on steps with CMPedometer, and schedules `tick` and the sync
/// with BGTaskScheduler.
public final class KairosKit: NSObject, CLLocationManagerDelegate, @unchecked Sendable {
    /// The one instance.
    public static let shared = KairosKit()

    private let manager = CLLocationManager()
    private let pedometer = CMPedometer()
    private let queue = DispatchQueue(label: "dev.kairos.kit")
    private var engine: Engine?
    private var config: KairosKitConfig?
    private var planner = WakeRegionPlanner()
    private var lastStepQueryEnd: Date?
    private var lastFix: LocationFix?
    private var subscription: Subscription?

    /// The engine, once open.
    public var openEngine: Engine? { queue.sync { engine } }
    private var waiting: [CheckedContinuation<Engine, Never>] = []

    /// The engine: waits until `start` has opened it.
    public func engine() async -> Engine {
        await withCheckedContinuation { continuation in
            queue.async {
                if let engine = self.engine { continuation.resume(returning: engine) } else { self.waiting.append(continuation) }
            }
        }
    }

    /// Every event of the engine from now on ([`Engine.events`]), once it is open.
    public func events() async -> AsyncStream<KairosEvent> { await engine().events() }

    /// Opens the engine and starts everything the permissions allow.
    public func start(_ config: KairosKitConfig) {
        self.config = config
        planner = WakeRegionPlanner(limit: config.wakeRegionLimit)
        registerBackgroundTasks()
        manager.delegate = self
        // A shopper who travels: local days are cut in the new zone from now on.
        NotificationCenter.default.addObserver(forName: .NSSystemTimeZoneDidChange, object: nil, queue: nil) { _ in
            self.queue.async {
                do { _ = try self.engine?.setTimeZone(timeZone: TimeZone.current.identifier) } catch {
                    NSLog("Kairos: setTimeZone failed: \(error)")
                }
            }
        }
        queue.async {
            do {
                let engine = try Engine.open(config: config.engine)
                self.engine = engine
                self.waiting.forEach { $0.resume(returning: engine) }
                self.waiting.removeAll()
                self.subscription = engine.subscribe(listener: PlanListener { [weak self] event in self?.follow(event) })
                // Ask for the plan once: the engine announces each later change.
                let planned = SensingPlanAdapter.settings(try engine.sensingPlan(now: Date()))
                DispatchQueue.main.async {
                    self.arm()
                    switch planned {
                    case .success(let settings): self.apply(settings)
                    case .failure(let error): NSLog("Kairos: sensing plan not followed: \(error)")
                    }
                }
            } catch {
                NSLog("Kairos: cannot open the engine: \(error)")
            }
        }
    }

    /// The permissions granted now.
    public func permissions(motionStatus: Int = CMPedometer.authorizationStatus().rawValue, notificationStatus: Int) -> PermissionStatus {
        PermissionStatus(
            location: LocationAuthorization(rawValue: manager.authorizationStatus.rawValue) ?? .notDetermined,
            fullAccuracy: manager.accuracyAuthorization == .fullAccuracy,
            motionStatus: motionStatus, notificationStatus: notificationStatus)
    }

    /// Asks for the next location permission ([`PermissionStatus.nextRequest`]).
    public func requestLocationPermission(_ request: PermissionRequest) {
        switch request {
        case .whenInUse: manager.requestWhenInUseAuthorization()
        case .always: manager.requestAlwaysAuthorization()
        case .temporaryFullAccuracy: manager.requestTemporaryFullAccuracyAuthorization(withPurposeKey: "KairosOffers")
        }
    }

    private func arm() {
        apply(.initial)
        manager.startMonitoringSignificantLocationChanges()
        manager.startMonitoringVisits()
        manager.allowsBackgroundLocationUpdates = manager.authorizationStatus == .authorizedAlways
        catchUpSteps()
        scheduleRefresh()
        scheduleSync()
    }

    private func apply(_ settings: LocationManagerSettings) {
        manager.desiredAccuracy = settings.desiredAccuracy
        manager.distanceFilter = settings.distanceFilter
        manager.pausesLocationUpdatesAutomatically = settings.pausesAutomatically
        if settings.continuousUpdates { manager.startUpdatingLocation() } else { manager.stopUpdatingLocation() }
    }

    private func follow(_ event: KairosEvent) {
        switch SensingPlanAdapter.settings(event) {
        case .success(let settings)?: DispatchQueue.main.async { self.apply(settings) }
        case .failure(let error)?: NSLog("Kairos: sensing plan not followed: \(error)")
        case nil: return
        }
        if SensingPlanAdapter.regionsChanged(event), let fix = lastFix { refreshRegions(fix, force: true) }
    }

    // MARK: CLLocationManagerDelegate

    public func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        let fixes = locations.compactMap {
            Fixes.fix(LocationReading(timestamp: $0.timestamp, latitude: $0.coordinate.latitude, longitude: $0.coordinate.longitude,
                                      horizontalAccuracy: $0.horizontalAccuracy, speed: $0.speed))
        }
        guard let last = fixes.last else { return }
        queue.async {
            do { _ = try self.engine?.recordLocations(fixes: fixes) } catch { NSLog("Kairos: recordLocations failed: \(error)") }
            self.lastFix = last
            self.refreshRegions(last, force: false)
        }
    }

    public func locationManager(_ manager: CLLocationManager, didVisit visit: CLVisit) {
        queue.async { do { _ = try self.engine?.tick(now: Date()) } catch { NSLog("Kairos: tick failed: \(error)") } }
    }

    public func locationManager(_ manager: CLLocationManager, didEnterRegion region: CLRegion) { manager.requestLocation() }

    public func locationManager(_ manager: CLLocationManager, didExitRegion region: CLRegion) { manager.requestLocation() }

    public func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {
        NSLog("Kairos: location error: \(error)")
    }

    public func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        manager.allowsBackgroundLocationUpdates = manager.authorizationStatus == .authorizedAlways
    }

    // MARK: Regions, steps, background tasks

    private func refreshRegions(_ fix: LocationFix, force: Bool) {
        guard let engine, force || planner.due(lat: fix.lat, lon: fix.lon) else { return }
        do {
            let regions = try engine.wakeRegions(lat: fix.lat, lon: fix.lon, n: Int32(planner.limit))
            let changes = planner.replace(with: regions, lat: fix.lat, lon: fix.lon,
                                          maxRadius: manager.maximumRegionMonitoringDistance)
            DispatchQueue.main.async {
                for region in self.manager.monitoredRegions where changes.remove.contains(region.identifier) {
                    self.manager.stopMonitoring(for: region)
                }
                for r in changes.add {
                    let circle = CLCircularRegion(center: CLLocationCoordinate2D(latitude: r.latitude, longitude: r.longitude),
                                                  radius: r.radius, identifier: r.identifier)
                    self.manager.startMonitoring(for: circle)
                }
            }
        } catch {
            NSLog("Kairos: wakeRegions failed: \(error)")
        }
    }

    private func catchUpSteps() {
        guard CMPedometer.isStepCountingAvailable(),
              let window = BackgroundSchedule.pedometerWindow(lastQueryEnd: lastStepQueryEnd, now: Date()) else { return }
        pedometer.queryPedometerData(from: window.start, to: window.end) { data, error in
            guard let data, error == nil else { return }
            self.queue.async {
                let sample = StepSample.interval(start: data.startDate, end: data.endDate, steps: data.numberOfSteps.int64Value)
                do { _ = try self.engine?.recordSteps(sample: sample); self.lastStepQueryEnd = data.endDate } catch {
                    NSLog("Kairos: recordSteps failed: \(error)")
                }
            }
        }
    }

    private func registerBackgroundTasks() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: BackgroundSchedule.refreshIdentifier, using: nil) { task in
            self.scheduleRefresh()
            self.catchUpSteps()
            self.queue.async {
                do { _ = try self.engine?.tick(now: Date()); task.setTaskCompleted(success: true) } catch {
                    task.setTaskCompleted(success: false)
                }
            }
        }
        BGTaskScheduler.shared.register(forTaskWithIdentifier: BackgroundSchedule.syncIdentifier, using: nil) { task in
            self.scheduleSync()
            let work = Task {
                guard let engine = self.openEngine, let options = self.config?.sync else { return task.setTaskCompleted(success: true) }
                do {
                    _ = try await engine.sync(options: options, transport: URLSessionTransport(), now: Date())
                    task.setTaskCompleted(success: true)
                } catch {
                    task.setTaskCompleted(success: false)
                }
            }
            task.expirationHandler = { work.cancel() }
        }
    }

    private func scheduleRefresh() {
        let request = BGAppRefreshTaskRequest(identifier: BackgroundSchedule.refreshIdentifier)
        request.earliestBeginDate = BackgroundSchedule.nextRefresh(after: Date())
        do { try BGTaskScheduler.shared.submit(request) } catch { NSLog("Kairos: cannot schedule \(request.identifier): \(error)") }
    }

    private func scheduleSync() {
        guard config?.sync != nil else { return }
        let request = BGProcessingTaskRequest(identifier: BackgroundSchedule.syncIdentifier)
        request.requiresNetworkConnectivity = true
        request.earliestBeginDate = BackgroundSchedule.nextSync(after: Date(), in: .current)
        do { try BGTaskScheduler.shared.submit(request) } catch { NSLog("Kairos: cannot schedule \(request.identifier): \(error)") }
    }
}

/// Hands the engine's events to KairosKit's plan follower.
private final class PlanListener: EventListener, @unchecked Sendable {
    let onEvent: (KairosEvent) -> Void
    init(_ onEvent: @escaping (KairosEvent) -> Void) { self.onEvent = onEvent }
    func onEvents(events: [KairosEvent]) { events.forEach(onEvent) }
}
#endif
