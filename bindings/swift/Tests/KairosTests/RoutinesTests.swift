import Foundation
import XCTest
@testable import Kairos

/// An RFC 3339 time with offset, e.g. `2026-11-28T08:00:00-08:00`.
func rfc3339(_ text: String) -> Date {
    ISO8601DateFormatter().date(from: text)!
}

/// The example catalog's grocery store (Fresh Market, category `grocery`, a
/// 120 m circle) and a shopper who went there six Thursdays in a row at
/// about 18:00, the last on 19 November 2026.
enum Grocery {
    static let place = "fresh-market-stevens-creek"
    static let merchant = "fresh-market"
    static let lat = 37.332
    static let lon = -121.938

    static let thursdays: [Date] = [
        "2026-10-15T18:00:00-07:00", "2026-10-22T18:10:00-07:00", "2026-10-29T17:50:00-07:00",
        "2026-11-05T18:05:00-08:00", "2026-11-12T17:55:00-08:00", "2026-11-19T18:00:00-08:00",
    ].map(rfc3339)

    /// The catalog loaded on Friday 20 November and the six visits recorded.
    static func engineWithHistory(_ dir: URL) throws -> Engine {
        let engine = try Mall.open(dir)
        _ = try engine.loadCatalog(envelope: Mall.envelope, now: rfc3339("2026-11-20T12:00:00-08:00"))
        for a in thursdays {
            _ = try engine.recordVisit(lat: lat, lon: lon, arrived: a, departed: a.addingTimeInterval(40 * 60))
        }
        return engine
    }

    /// A drive due east at 13 m/s along a road 310 m south of the store's
    /// centre (190 m from its fence), from 3 km west of it to 3 km east.
    static func drive(_ start: Date) -> [LocationFix] {
        let roadLat = lat - 310 / 111_320.0
        let perDegreeLon = 111_320.0 * cos(roadLat * .pi / 180)
        return (0...92).map { i in
            LocationFix(at: start.addingTimeInterval(Double(i) * 5), lat: roadLat,
                        lon: lon + (-3000 + 65 * Double(i)) / perDegreeLon, accuracyM: 8, speedMps: 13)
        }
    }
}

/// Routines (learned, overdue, on-the-way reminders, resumed), recorded visits, and the week.
final class RoutinesTests: EngineTestCase {
    func overdue(_ events: [KairosEvent]) -> [(id: String, at: Date, expected: Date, missed: Int32, days: Int32, period: Double)] {
        events.compactMap {
            if case let .routineOverdue(at, id, expected, missed, days, period) = $0 { return (id, at, expected, missed, days, period) }
            return nil
        }
    }

    func testEachRecordedVisitReturnsItsStartAndEnd() throws {
        let engine = try Mall.open(dir)
        let a = Grocery.thursdays[0]
        let events = try engine.recordVisit(lat: Grocery.lat, lon: Grocery.lon, arrived: a, departed: a.addingTimeInterval(40 * 60))
        guard case let .visitStarted(_, _, _, arrivedAt) = events.first else { return XCTFail("\(events)") }
        XCTAssertEqual(arrivedAt, a)
        let minutes: [Int64] = events.compactMap { if case let .visitEnded(_, _, _, _, _, m) = $0 { return m }; return nil }
        XCTAssertEqual(minutes, [40])
        XCTAssertEqual(try engine.visits(from: a, to: a.addingTimeInterval(86_400)).count, 1)
    }

    func testSixThursdayVisitsMakeAWeeklyRoutineForTheCategoryAndThePlace() throws {
        let engine = try Grocery.engineWithHistory(dir)
        let routines = try engine.routines(now: rfc3339("2026-11-20T12:00:00-08:00"))
        let grocery = try XCTUnwrap(routines.first { $0.id == "category:grocery" })
        XCTAssertEqual(grocery.subject, .category(category: "grocery"))
        XCTAssertEqual(grocery.description, "weekly, Thursdays around 18:00")
        XCTAssertEqual(grocery.usualWeekday, .thursday)
        XCTAssertEqual(grocery.usualTime, TimeOfDay(hour: 18, minute: 0))
        XCTAssertEqual(grocery.periodDays, 7, accuracy: 0.05)
        XCTAssertEqual(grocery.visits, 6)
        XCTAssertEqual(grocery.status, .onTrack)
        XCTAssertEqual(grocery.privacy, .summarisable)
        XCTAssertEqual(grocery.lastVisitAt, rfc3339("2026-11-19T18:00:00-08:00"))
        XCTAssertEqual(grocery.nextExpectedAt, rfc3339("2026-11-26T18:00:00-08:00"))
        let place = try XCTUnwrap(routines.first { $0.merchantId == Grocery.merchant })
        guard case .place = place.subject else { return XCTFail("\(place.subject)") }
        XCTAssertEqual(place.privacy, .deviceOnly, "a learned place never leaves the device")
    }

    func testTheRoutineFallsOverdueAtItsInstantOnceFromTickAndForListeners() throws {
        let engine = try Grocery.engineWithHistory(dir)
        let due = rfc3339("2026-11-28T03:36:00-08:00")
        XCTAssertEqual(try engine.routines(now: due).first { $0.id == "category:grocery" }?.overdueAt, due)
        XCTAssertTrue(overdue(try engine.tick(now: due.addingTimeInterval(-1))).isEmpty)
        let recorder = Recorder()
        let subscription = engine.subscribe(listener: recorder)
        let events = overdue(try engine.tick(now: rfc3339("2026-11-28T08:00:00-08:00")))
        XCTAssertEqual(events.count, 2, "the category and the place")
        let grocery = try XCTUnwrap(events.first { $0.id == "category:grocery" })
        XCTAssertEqual(grocery.at, due)
        XCTAssertEqual(grocery.expected, rfc3339("2026-11-26T18:00:00-08:00"))
        XCTAssertEqual(grocery.days, 2)
        XCTAssertEqual(grocery.missed, 1)
        XCTAssertEqual(grocery.period, 7, accuracy: 0.05)
        XCTAssertEqual(overdue(recorder.events).map(\.id), events.map(\.id))
        subscription.cancel()
        XCTAssertTrue(overdue(try engine.tick(now: rfc3339("2026-11-29T12:00:00-08:00"))).isEmpty, "once per cycle")
        let routine = try XCTUnwrap(try engine.routines(now: rfc3339("2026-11-28T08:00:00-08:00")).first { $0.id == "category:grocery" })
        XCTAssertEqual(routine.status, .overdue)
        XCTAssertEqual(routine.daysOverdue, 2)
    }

    func testDrivingPastTheStoreWhileOverdueBringsOneOnTheWayReminder() throws {
        let engine = try Grocery.engineWithHistory(dir)
        _ = try engine.tick(now: rfc3339("2026-11-28T08:00:00-08:00"))
        let events = try engine.recordLocations(fixes: Grocery.drive(rfc3339("2026-11-28T11:15:00-08:00"))).events
        let reminders = events.compactMap { e -> (ids: [String], place: String, merchant: String, distance: Double, days: Int32)? in
            if case let .onTheWayReminder(_, ids, place, merchant, distance, days) = e { return (ids, place, merchant, distance, days) }
            return nil
        }
        XCTAssertEqual(reminders.count, 1, "\(events)")
        let reminder = try XCTUnwrap(reminders.first)
        XCTAssertEqual(reminder.place, Grocery.place)
        XCTAssertEqual(reminder.merchant, Grocery.merchant)
        XCTAssertTrue(reminder.ids.contains("category:grocery"), "\(reminder.ids)")
        XCTAssertEqual(reminder.days, 2)
        XCTAssertTrue((0...400).contains(reminder.distance), "\(reminder.distance)")
        let back = try engine.recordLocations(fixes: Grocery.drive(rfc3339("2026-11-28T15:00:00-08:00"))).events
        XCTAssertFalse(back.contains { if case .onTheWayReminder = $0 { return true }; return false }, "once a day")
    }

    func testAVisitToTheStoreResumesTheRoutine() throws {
        let engine = try Grocery.engineWithHistory(dir)
        _ = try engine.tick(now: rfc3339("2026-11-28T08:00:00-08:00"))
        let arrived = rfc3339("2026-11-28T12:00:00-08:00")
        let events = try engine.recordVisit(lat: Grocery.lat, lon: Grocery.lon, arrived: arrived, departed: arrived.addingTimeInterval(30 * 60))
        let resumed = events.compactMap { e -> (String, Int32, Date)? in
            if case let .routineResumed(_, id, missed, next) = e { return (id, missed, next) }
            return nil
        }
        let grocery = try XCTUnwrap(resumed.first { $0.0 == "category:grocery" }, "\(events)")
        XCTAssertEqual(grocery.1, 1)
        XCTAssertGreaterThan(grocery.2, arrived)
        let routine = try XCTUnwrap(try engine.routines(now: arrived.addingTimeInterval(3600)).first { $0.id == "category:grocery" })
        XCTAssertEqual(routine.status, .onTrack)
        XCTAssertEqual(routine.visits, 7)
    }

    func testImpossibleVisitsAreInvalidInputAndTheSameVisitTwiceIsIgnored() throws {
        let engine = try Grocery.engineWithHistory(dir)
        let a = rfc3339("2026-11-21T10:00:00-08:00")
        assertKairosError(try engine.recordVisit(lat: Grocery.lat, lon: Grocery.lon, arrived: a, departed: a.addingTimeInterval(-60))) { e in
            guard case let .InvalidInput(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("is not after arrival"), reason)
        }
        assertKairosError(try engine.recordVisit(lat: Grocery.lat, lon: Grocery.lon, arrived: a, departed: a.addingTimeInterval(60))) { e in
            guard case let .InvalidInput(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("dwell"), reason)
        }
        assertKairosError(try engine.recordVisit(lat: 91, lon: Grocery.lon, arrived: a, departed: a.addingTimeInterval(3600))) { e in
            guard case .InvalidInput = e else { return XCTFail("\(e)") }
        }
        let last = Grocery.thursdays[5]
        XCTAssertEqual(try engine.recordVisit(lat: Grocery.lat, lon: Grocery.lon, arrived: last, departed: last.addingTimeInterval(40 * 60)), [])
    }

    func testTheWeekHasSevenDaysTheTotalAndTheDaysTheGoalWasMet() throws {
        let engine = try Fixtures.open(dir)
        _ = try engine.recordStepSamples(samples: [
            Fixtures.interval(rfc3339("2026-11-22T09:00:00-08:00"), minutes: 60, steps: 1000),
            Fixtures.interval(rfc3339("2026-11-24T09:00:00-08:00"), minutes: 60, steps: 8000),
        ])
        let week = try engine.week(now: rfc3339("2026-11-24T12:00:00-08:00"))
        XCTAssertEqual(week.days.map(\.day), (18...24).map { LocalDay(year: 2026, month: 11, day: $0) })
        XCTAssertEqual(week.days[4], DaySteps(day: LocalDay(year: 2026, month: 11, day: 22), steps: 1000, goalMet: false))
        XCTAssertEqual(week.days[6], DaySteps(day: LocalDay(year: 2026, month: 11, day: 24), steps: 8000, goalMet: true))
        XCTAssertEqual(week.total, 9000)
        XCTAssertEqual(week.goal, 7500)
        XCTAssertEqual(week.daysGoalMet, 1)
    }
}
