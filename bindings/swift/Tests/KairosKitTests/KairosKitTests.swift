import Foundation
import Kairos
import XCTest
@testable import KairosKit

/// The platform-free half of KairosKit: fixes, the plan's settings, the
/// monitored regions, permissions and background scheduling.
final class KairosKitTests: XCTestCase {
    let noon = Date(timeIntervalSince1970: 1_795_543_200) // 2026-11-24T18:00:00Z

    func testAReadingBecomesAFixWithItsAccuracyAndSpeed() {
        let fix = Fixes.fix(LocationReading(timestamp: noon, latitude: 37.3, longitude: -121.9, horizontalAccuracy: 12, speed: 1.5))
        XCTAssertEqual(fix, LocationFix(at: noon, lat: 37.3, lon: -121.9, accuracyM: 12, speedMps: 1.5))
    }

    func testAnInvalidReadingIsDroppedAndAnUnknownSpeedIsNil() {
        XCTAssertNil(Fixes.fix(LocationReading(timestamp: noon, latitude: 0, longitude: 0, horizontalAccuracy: -1, speed: 0)))
        let fix = Fixes.fix(LocationReading(timestamp: noon, latitude: 1, longitude: 2, horizontalAccuracy: 65, speed: -1))
        XCTAssertNil(fix?.speedMps)
        XCTAssertEqual(fix?.accuracyM, 65)
    }

    private func plan(_ accuracy: SensingAccuracy, interval: Int64 = 5_000, displacement: Double = 10, regions: Bool = false) -> KairosEvent {
        .sensingPlanChanged(at: noon, accuracy: accuracy, intervalMs: interval, minDisplacementM: displacement,
                            wakeOnMotion: true, reason: .nearBoundary, regionsChanged: regions)
    }

    func testAHighAccuracyPlanRunsContinuousBestUpdatesThatDoNotPause() throws {
        let settings = try XCTUnwrap(SensingPlanAdapter.settings(plan(.high))).get()
        XCTAssertEqual(settings, LocationManagerSettings(desiredAccuracy: -1, distanceFilter: 10, continuousUpdates: true, pausesAutomatically: false))
    }

    func testAPassivePlanStopsContinuousUpdates() throws {
        let settings = try XCTUnwrap(SensingPlanAdapter.settings(plan(.passive))).get()
        XCTAssertFalse(settings.continuousUpdates)
        XCTAssertGreaterThanOrEqual(settings.distanceFilter, 500)
    }

    func testAPlanOutOfRangeIsAnErrorNamingItAndOtherEventsAreNotPlans() {
        XCTAssertEqual(SensingPlanAdapter.settings(plan(.high, interval: 0)), .failure(.outOfRange(intervalMs: 0, minDisplacementM: 10)))
        XCTAssertNil(SensingPlanAdapter.settings(.catalogLoaded(at: noon, version: 1, offers: 1, fences: 1)))
        XCTAssertTrue(SensingPlanAdapter.regionsChanged(plan(.high, regions: true)))
    }

    private func region(_ id: String, _ distance: Double, radius: Double = 50) -> WakeRegion {
        WakeRegion(placeId: id, lat: 37.3 + distance / 111_000, lon: -121.9, radiusM: radius, distanceM: distance)
    }

    func testTheNearestTwentyAreMonitoredWithAtLeast100MetreRadii() {
        var planner = WakeRegionPlanner(limit: 50)
        XCTAssertEqual(planner.limit, 20, "iOS's limit")
        let regions = (0..<30).map { region("p\($0)", Double($0) * 100) }
        let changes = planner.replace(with: regions, lat: 37.3, lon: -121.9)
        XCTAssertEqual(changes.add.map(\.identifier), (0..<20).map { "p\($0)" })
        XCTAssertTrue(changes.add.allSatisfy { $0.radius == 100 })
        XCTAssertEqual(changes.remove, [])
    }

    func testRegionsAreAskedForAgainAfterMovingHalfWayToTheFarthest() {
        var planner = WakeRegionPlanner()
        XCTAssertTrue(planner.due(lat: 37.3, lon: -121.9))
        _ = planner.replace(with: [region("near", 0), region("far", 4_000)], lat: 37.3, lon: -121.9)
        XCTAssertFalse(planner.due(lat: 37.3 + 1_000 / 111_000, lon: -121.9), "1 km of 2 km")
        XCTAssertTrue(planner.due(lat: 37.3 + 2_100 / 111_000, lon: -121.9), "past half way to the farthest (4 km)")
    }

    func testAReplacementOnlyAddsAndRemovesWhatChanged() {
        var planner = WakeRegionPlanner()
        _ = planner.replace(with: [region("a", 0), region("b", 300)], lat: 37.3, lon: -121.9)
        let changes = planner.replace(with: [region("b", 300), region("c", 600)], lat: 37.3, lon: -121.9)
        XCTAssertEqual(changes.add.map(\.identifier), ["c"])
        XCTAssertEqual(changes.remove, ["a"])
    }

    func testPermissionStatesMapFromTheFrameworksRawValues() {
        let always = PermissionStatus(location: .always, fullAccuracy: true, motionStatus: 3, notificationStatus: 2)
        XCTAssertTrue(always.canTrackInBackground && always.motion && always.notifications)
        XCTAssertNil(always.nextRequest)
        let reduced = PermissionStatus(location: .whenInUse, fullAccuracy: false, motionStatus: 2, notificationStatus: 1)
        XCTAssertEqual(reduced.location, .approximate)
        XCTAssertFalse(reduced.canTrack || reduced.motion || reduced.notifications)
        XCTAssertEqual(reduced.nextRequest, .temporaryFullAccuracy)
        XCTAssertEqual(PermissionStatus(location: .whenInUse, fullAccuracy: true, motionStatus: 0, notificationStatus: 0).nextRequest, .always)
        XCTAssertEqual(PermissionStatus(location: .notDetermined, fullAccuracy: true, motionStatus: 0, notificationStatus: 0).nextRequest, .whenInUse)
        XCTAssertEqual(PermissionStatus(location: .denied, fullAccuracy: true, motionStatus: 0, notificationStatus: 0).location, LocationAccess.none)
    }

    func testTheSyncRunsAtTheNextTwoOClockLocalAndRefreshesEveryQuarterHour() {
        let la = TimeZone(identifier: "America/Los_Angeles")!
        // 10:00 in Los Angeles: the next 02:00 is tomorrow's, 10:00Z.
        XCTAssertEqual(BackgroundSchedule.nextSync(after: noon, in: la), Date(timeIntervalSince1970: 1_795_543_200 + 16 * 3600))
        XCTAssertEqual(BackgroundSchedule.nextRefresh(after: noon), noon.addingTimeInterval(900))
    }

    func testStepsAreCaughtUpFromTheLastQueryButNeverBeyondSevenDays() {
        let window = BackgroundSchedule.pedometerWindow(lastQueryEnd: noon.addingTimeInterval(-3600), now: noon)
        XCTAssertEqual(window, DateInterval(start: noon.addingTimeInterval(-3600), end: noon))
        let first = BackgroundSchedule.pedometerWindow(lastQueryEnd: nil, now: noon)
        XCTAssertEqual(first?.duration, 7 * 24 * 3600)
        XCTAssertEqual(BackgroundSchedule.pedometerWindow(lastQueryEnd: noon.addingTimeInterval(-30 * 24 * 3600), now: noon)?.duration, 7 * 24 * 3600)
        XCTAssertNil(BackgroundSchedule.pedometerWindow(lastQueryEnd: noon, now: noon))
    }
}
