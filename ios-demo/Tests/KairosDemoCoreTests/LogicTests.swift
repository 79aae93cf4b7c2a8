import Foundation
import Kairos
import KairosDemoCore
import XCTest

final class PermissionFlowTests: XCTestCase {
    func testAsksLocationMotionNotificationsThenAlways() {
        let flow = PermissionFlow()
        var states: [DemoPermission: PermissionState] = [:]
        var asked: [DemoPermission] = []
        while case let .ask(permission) = flow.next(states) {
            asked.append(permission)
            states[permission] = .granted
        }
        XCTAssertEqual(asked, [.locationWhenInUse, .motion, .notifications, .locationAlways])
        XCTAssertEqual(flow.next(states), .done(missing: []))
    }

    func testRefusedOptionalsAreSkippedRefusedLocationBlocks() {
        let flow = PermissionFlow()
        let states: [DemoPermission: PermissionState] = [.locationWhenInUse: .granted, .motion: .denied, .notifications: .denied, .locationAlways: .granted]
        XCTAssertEqual(flow.next(states), .done(missing: [.motion, .notifications]))
        XCTAssertTrue(flow.canTrack(states))
        XCTAssertEqual(flow.next([.locationWhenInUse: .denied]), .blocked(.locationWhenInUse))
        XCTAssertFalse(flow.canTrack([:]))
    }
}

final class CountdownAndScheduleTests: XCTestCase {
    func testClaimTexts() {
        let now = Fixtures.tenAM
        XCTAssertEqual(Countdown.claimText(expiresAt: now.addingTimeInterval(41 * 60 + 1), now: now), "claim within 42 min")
        XCTAssertEqual(Countdown.claimText(expiresAt: now.addingTimeInterval(65 * 60), now: now), "claim within 1 h 05 min")
        XCTAssertEqual(Countdown.claimText(expiresAt: now.addingTimeInterval(30), now: now), "claim now: under a minute left")
        XCTAssertEqual(Countdown.claimText(expiresAt: now, now: now), "claim window over")
        XCTAssertEqual(Countdown.duration(51 * 3600), "2 days 3 h")
    }

    func testNightlySyncAtTwoLocalAcrossDst() {
        let schedule = NightlySchedule()
        XCTAssertEqual(schedule.next(after: Fixtures.at("2026-11-24T07:00:00Z"), zone: Fixtures.la), Fixtures.at("2026-11-24T10:00:00Z"))
        XCTAssertEqual(schedule.next(after: Fixtures.at("2026-11-24T10:00:00Z"), zone: Fixtures.la), Fixtures.at("2026-11-25T10:00:00Z"))
        // 31 Oct 23:00 PDT; 02:00 PST on 1 Nov is four hours later.
        XCTAssertEqual(schedule.next(after: Fixtures.at("2026-11-01T06:00:00Z"), zone: Fixtures.la), Fixtures.at("2026-11-01T10:00:00Z"))
    }

    func testPedometerQueriesTheGapUpToSevenDays() {
        let now = Fixtures.tenAM
        XCTAssertEqual(PedometerWindow.start(lastRecordedEnd: nil, now: now, zone: Fixtures.la), Fixtures.at("2026-11-24T08:00:00Z"))
        let last = Fixtures.at("2026-11-23T20:00:00Z")
        XCTAssertEqual(PedometerWindow.start(lastRecordedEnd: last, now: now, zone: Fixtures.la), last)
        XCTAssertEqual(PedometerWindow.start(lastRecordedEnd: Fixtures.at("2026-10-01T00:00:00Z"), now: now, zone: Fixtures.la),
                       Fixtures.at("2026-11-17T08:00:00Z"))
    }
}

final class GpxTrackTests: XCTestCase {
    func testTheBundledDriveReadsAsTimedFixes() throws {
        let fixes = try GpxTrack.parse(try Fixtures.text("tracks/drive-past-drive-thru.gpx"))
        XCTAssertEqual(fixes.count, 75)
        XCTAssertEqual(fixes.first, LocationFix(at: Fixtures.at("2026-11-24T20:00:00Z"), lat: 37.33, lon: -121.892, accuracyM: 10, speedMps: nil))
        XCTAssertEqual(fixes.last?.at, Fixtures.at("2026-11-24T20:30:25Z"))
    }

    func testTrackPointsWinAndBadPointsAreNamed() throws {
        let gpx = """
        <gpx xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="1" lon="2"><time>2026-11-24T20:00:00Z</time></wpt>
        <trk><trkseg><trkpt lon="-121.5" lat="37.5"><ele>3</ele><time>2026-11-24T20:00:05Z</time></trkpt></trkseg></trk></gpx>
        """
        XCTAssertEqual(try GpxTrack.parse(gpx).map(\.lat), [37.5])
        XCTAssertThrowsError(try GpxTrack.parse(#"<gpx><wpt lat="1" lon="2"><time>2026-11-24T20:00:00Z</time></wpt><wpt lat="1" lon="2"/></gpx>"#)) {
            XCTAssertEqual("\($0)", "point 2 has no <time>: a replay needs timed points")
        }
        XCTAssertThrowsError(try GpxTrack.parse(#"<gpx><wpt lat="north" lon="2"/></gpx>"#)) {
            XCTAssertEqual("\($0)", "point 1: bad or missing lat \"north\"")
        }
    }

    func testEveryBundledTrackParses() throws {
        for track in QaTrack.all {
            XCTAssertGreaterThan(try track.parse(try Fixtures.text(track.file)).count, 50, track.file)
            if let catalog = track.catalog { XCTAssertNoThrow(try Fixtures.resource(catalog)) }
        }
    }
}
