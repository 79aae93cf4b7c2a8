import Foundation
import XCTest
@testable import Kairos

/// Location fixes: visits, places, validation, the batch report.
final class LocationTests: EngineTestCase {
    let start = Fixtures.nineAM

    func testAWalkWithTwoStaysGivesTwoVisitsAtTwoPrivatePlaces() throws {
        let engine = try Fixtures.open(dir)
        let fixes = Fixtures.morning(start)
        let report = try engine.recordLocations(fixes: fixes)
        XCTAssertEqual(Int(report.accepted), fixes.count)
        XCTAssertEqual(report.events.map(\.name), ["visitStarted", "visitEnded", "visitStarted", "visitEnded"])
        XCTAssertEqual(report.events.map(\.time), report.events.map(\.time).sorted(), "time order")
        guard case let .visitStarted(_, _, _, arrivedAt) = report.events[0] else { return XCTFail() }
        XCTAssertEqual(arrivedAt, start)
        let visits = try engine.visits(from: start, to: start.addingTimeInterval(86_400))
        XCTAssertEqual(visits.count, 2)
        XCTAssertTrue(visits.allSatisfy { $0.departedAt != nil })
        let places = try engine.places()
        XCTAssertEqual(Set(places.map(\.id)), Set(visits.map(\.placeId)))
        XCTAssertTrue(places.allSatisfy { $0.private && $0.kind == .other && $0.visitCount == 1 })
    }

    func testFixesOneAtATimeStartAVisitOnceTheDwellIsReached() throws {
        let engine = try Fixtures.open(dir)
        let events = try Fixtures.stay(start, minutes: 10, 0, 0).flatMap { try engine.recordLocation(fix: $0) }
        XCTAssertEqual(events.count, 1)
        guard case let .visitStarted(at, _, _, arrivedAt) = events[0] else { return XCTFail("\(events)") }
        XCTAssertEqual(arrivedAt, start)
        XCTAssertGreaterThanOrEqual(at, start.addingTimeInterval(5 * 60), "not before the 5 minute dwell")
        XCTAssertNil(try engine.visits(from: start, to: start.addingTimeInterval(3600)).first?.departedAt, "under way")
    }

    func testAnInvalidFixThrowsInvalidFixWithATypedRejection() throws {
        let engine = try Fixtures.open(dir)
        let fix = Fixtures.fix(start, 0, 0)
        let bad = LocationFix(at: fix.at, lat: 91, lon: fix.lon, accuracyM: fix.accuracyM, speedMps: fix.speedMps)
        assertKairosError(try engine.recordLocation(fix: bad)) { e in
            guard case let .InvalidFix(reason, rejection) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(rejection, .latitudeOutOfRange(lat: 91))
            XCTAssertEqual(reason, "invalid location fix: latitude 91 is outside [-90, 90]")
            XCTAssertTrue(e.localizedDescription.contains("latitude 91 is outside"), e.localizedDescription)
        }
        assertKairosError(try engine.recordLocation(fix: Fixtures.fix(start, 0, 0, speed: -2))) { e in
            guard case let .InvalidFix(_, rejection) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(rejection, .invalidSpeed(speedMps: -2))
        }
    }

    func testAnOldFixIsRefusedAsOutOfOrderWithItsDelay() throws {
        let engine = try Fixtures.open(dir)
        _ = try engine.recordLocation(fix: Fixtures.fix(start.addingTimeInterval(300), 0, 0))
        assertKairosError(try engine.recordLocation(fix: Fixtures.fix(start, 0, 0))) { e in
            guard case let .InvalidFix(_, rejection) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(rejection, .outOfOrder(behindMs: 300_000))
        }
    }

    func testABatchReportsRejectedAndDuplicateFixesWithoutFailing() throws {
        let engine = try Fixtures.open(dir)
        let good = Fixtures.stay(start, minutes: 2, 0, 0)
        let fix = Fixtures.fix(start.addingTimeInterval(5), 0, 0)
        let nan = LocationFix(at: fix.at, lat: fix.lat, lon: .nan, accuracyM: fix.accuracyM, speedMps: fix.speedMps)
        let report = try engine.recordLocations(fixes: good + [good[3], nan])
        XCTAssertEqual(Int(report.accepted), good.count)
        XCTAssertEqual(report.duplicates, 1)
        XCTAssertEqual(report.rejected, [RejectedFix(at: nan.at, rejection: .nonFiniteCoordinate)])
        XCTAssertEqual(report.held, 0)
    }

    func testRawFixesComeBackAsRecorded() throws {
        let engine = try Fixtures.open(dir)
        let fixes = [Fixtures.fix(start, 3, 4, speed: 1.5), Fixtures.fix(start.addingTimeInterval(10), 5, 6)]
        _ = try engine.recordLocations(fixes: fixes)
        XCTAssertEqual(try engine.rawFixes(from: start, to: start.addingTimeInterval(60)), fixes)
        XCTAssertEqual(try engine.clock(), start.addingTimeInterval(10))
    }
}
