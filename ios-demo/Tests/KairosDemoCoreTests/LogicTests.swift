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

final class CountdownTests: XCTestCase {
    func testClaimTexts() {
        let now = Fixtures.tenAM
        XCTAssertEqual(Countdown.claimText(expiresAt: now.addingTimeInterval(41 * 60 + 1), now: now), "claim within 42 min")
        XCTAssertEqual(Countdown.claimText(expiresAt: now.addingTimeInterval(65 * 60), now: now), "claim within 1 h 05 min")
        XCTAssertEqual(Countdown.claimText(expiresAt: now.addingTimeInterval(30), now: now), "claim now: under a minute left")
        XCTAssertEqual(Countdown.claimText(expiresAt: now, now: now), "claim window over")
        XCTAssertEqual(Countdown.duration(51 * 3600), "2 days 3 h")
    }


}

final class QaTrackTests: XCTestCase {
    func testTheBundledDriveReadsThroughTheEnginesParserAsTimedFixes() throws {
        let drive = QaTrack.all[0]
        let fixes = try drive.parse(try Fixtures.text(drive.file))
        XCTAssertEqual(fixes.count, 75)
        XCTAssertEqual(fixes.first, LocationFix(at: Fixtures.at("2026-11-24T20:00:00Z"), lat: 37.33, lon: -121.892, accuracyM: 10, speedMps: nil))
        XCTAssertEqual(fixes.last?.at, Fixtures.at("2026-11-24T20:30:25Z"))
        XCTAssertThrowsError(try drive.parse(#"<gpx><trk><trkseg><trkpt lat="1" lon="2"/></trkseg></trk></gpx>"#)) {
            XCTAssertTrue("\($0)".contains("drive-past-drive-thru.gpx"), "\($0)")
        }
    }

    func testEveryBundledTrackParses() throws {
        for track in QaTrack.all {
            XCTAssertGreaterThan(try track.parse(try Fixtures.text(track.file)).count, 50, track.file)
            if let catalog = track.catalog { XCTAssertNoThrow(try Fixtures.resource(catalog)) }
        }
    }
}

final class NoticesTests: XCTestCase {
    let now = Fixtures.tenAM

    func testAnOverdueRoutineBecomesAReminder() throws {
        let event = KairosEvent.routineOverdue(at: now, routineId: "category:grocery", expectedAt: now.addingTimeInterval(-2 * 86_400),
                                               cyclesMissed: 1, daysOverdue: 2, periodDays: 7)
        let notice = try XCTUnwrap(Notices.of(event, now: now))
        XCTAssertEqual(notice.kind, .reminder)
        XCTAssertEqual(notice.title, "Time for grocery?")
        XCTAssertTrue(notice.body.contains("2 days overdue"), notice.body)
        XCTAssertNil(notice.offerInstanceId)
    }

    func testAnOnTheWayReminderNamesTheShopAndTheDistance() throws {
        let event = KairosEvent.onTheWayReminder(at: now, routineIds: ["place:corner-cafe-main"], placeId: "corner-cafe-main",
                                                 merchantId: "corner-cafe", distanceM: 180.4, daysOverdue: 1)
        let notice = try XCTUnwrap(Notices.of(event, now: now))
        XCTAssertEqual(notice.kind, .reminder)
        XCTAssertEqual(notice.title, "On your way: corner cafe")
        XCTAssertTrue(notice.body.contains("180 m ahead") && notice.body.contains("1 day overdue"), notice.body)
    }

    func testANudgeIsAnActivityNoticeAndAnExpiredOfferWithdrawsItsOwn() throws {
        let nudge = try XCTUnwrap(Notices.of(.inactivityNudge(at: now, sedentarySince: now.addingTimeInterval(-75 * 60), minutes: 75), now: now))
        XCTAssertEqual(nudge.kind, .activity)
        XCTAssertTrue(nudge.body.contains("75 min"), nudge.body)
        XCTAssertEqual(Notices.withdrawn(.offerExpired(at: now, instanceId: 42, offerId: "pastry")), "offer-42")
        XCTAssertNil(Notices.of(.routineResumed(at: now, routineId: "place:x", cyclesMissed: 1, nextExpectedAt: now), now: now))
    }
}
