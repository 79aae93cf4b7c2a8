import Foundation
import XCTest
@testable import Kairos

/// QA replay: CSV tracks, replay through the engine, the async variants.
final class ReplayTests: EngineTestCase {
    let walk = Mall.walk(Mall.at(10, 32))

    func testParseTrackCsvReadsACsvTrackExactly() throws {
        XCTAssertEqual(try parseTrackCsv(text: Mall.csv(walk)), walk)
        let fixes = try parseTrackCsv(text: "timestamp,lat,lon\n2026-11-24T10:32:00-08:00,37.3257,-121.9458\n")
        XCTAssertEqual(fixes, [LocationFix(at: Mall.at(10, 32), lat: 37.3257, lon: -121.9458, accuracyM: 10, speedMps: nil)])
    }

    func testABadCsvLineIsInvalidInputNamingTheLine() {
        assertKairosError(try parseTrackCsv(text: "timestamp,lat,lon\n1795545000000,37.3,-121.9\n1795545005000,NaN,-121.9\n")) { e in
            guard case let .InvalidInput(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("line 3"), reason)
            XCTAssertTrue(reason.contains("bad number \"NaN\" in column lat"), reason)
        }
    }

    func testReplayingACsvWalkThroughTheMallProducesTheOfferForListeners() throws {
        let engine = try Mall.openLoaded(dir)
        let recorder = Recorder()
        let subscription = engine.subscribe(listener: recorder)
        let summary = try engine.replay(fixes: try parseTrackCsv(text: Mall.csv(walk)), until: Mall.at(14, 0))
        XCTAssertEqual(summary.fixesAccepted, Int64(walk.count))
        XCTAssertEqual(summary.fixesRejected, 0)
        XCTAssertEqual(summary.events, Int64(recorder.events.count))
        // The claim window ends at 13:32, before `until`.
        XCTAssertEqual(offerEvents(recorder.events), ["triggered \(Mall.boutiqueOffer)", "expired \(Mall.boutiqueOffer)"])
        XCTAssertEqual(recorder.events.map(\.time), recorder.events.map(\.time).sorted(), "in time order")
        XCTAssertGreaterThan(recorder.calls, 1, "delivered as they come, not in one batch")
        subscription.cancel()
    }

    func testReplayAsyncAndLoadCatalogAsyncAwaitAndDoTheSame() async throws {
        let engine = try Mall.open(dir)
        let info = try await engine.loadCatalogAsync(envelope: Mall.envelope, now: Mall.at(10, 0))
        XCTAssertEqual(info.version, 1)
        let recorder = Recorder()
        let subscription = engine.subscribe(listener: recorder)
        let summary = try await engine.replayAsync(fixes: walk, steps: [], windowMs: 5_000, until: nil)
        XCTAssertEqual(summary.fixesAccepted, Int64(walk.count))
        XCTAssertEqual(offerEvents(recorder.events), ["triggered \(Mall.boutiqueOffer)"])
        subscription.cancel()
        XCTAssertEqual(try engine.offers(now: Mall.at(10, 40)).count, 1)
        do {
            _ = try await engine.loadCatalogAsync(envelope: Mall.tampered(), now: Mall.at(10, 41))
            XCTFail("a tampered catalog must throw")
        } catch let KairosError.InvalidCatalog(reason) {
            XCTAssertTrue(reason.contains("signature"), reason)
        }
    }
}
