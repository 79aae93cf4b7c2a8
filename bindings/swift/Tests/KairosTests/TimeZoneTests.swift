import Foundation
import XCTest
@testable import Kairos

/// `setTimeZone`: a shopper who travels.
final class TimeZoneTests: EngineTestCase {
    /// 07:30 UTC on 25 November: the 24th in Los Angeles, the 25th in Paris.
    let morningInParis = ISO8601DateFormatter().date(from: "2026-11-25T07:30:00Z")!

    func testAfterSetTimeZoneDaysAreCutInTheNewZone() throws {
        let engine = try Fixtures.open(dir)
        XCTAssertEqual(try engine.today(now: morningInParis).day, LocalDay(year: 2026, month: 11, day: 24))
        _ = try engine.setTimeZone(timeZone: "Europe/Paris")
        XCTAssertEqual(try engine.today(now: morningInParis).day, LocalDay(year: 2026, month: 11, day: 25))
    }

    func testAnUnknownZoneIsInvalidInputNamingItAndTheZoneStays() throws {
        let engine = try Fixtures.open(dir)
        assertKairosError(try engine.setTimeZone(timeZone: "Mars/Olympus")) { error in
            guard case let .InvalidInput(reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("Mars/Olympus"), reason)
        }
        XCTAssertEqual(try engine.today(now: morningInParis).day, LocalDay(year: 2026, month: 11, day: 24))
    }
}
