import Foundation
import XCTest
@testable import Kairos

/// Privacy: consent, the outbox, export, erase, and the sealing key.
final class PrivacyTests: EngineTestCase {
    let start = Fixtures.nineAM
    /// 02:00 the next night, when the day has closed.
    var nextNight: Date { start.addingTimeInterval(17 * 3600) }

    /// A morning with two visits and 1,430 steps.
    func morning(_ engine: Engine) throws {
        _ = try engine.recordLocations(fixes: Fixtures.morning(start))
        _ = try engine.recordSteps(sample: Fixtures.interval(start, minutes: 60, steps: 1430))
    }

    func testEveryPurposeIsOffByDefaultAndNothingIsQueued() throws {
        let engine = try Fixtures.open(dir)
        XCTAssertEqual(try engine.consents(), Consents(current: [], ledger: []))
        try morning(engine)
        _ = try engine.tick(now: nextNight)
        XCTAssertEqual(try engine.outbox(), [], "no consent, no summary")
        XCTAssertEqual(try engine.outboxDropped(), 0)
    }

    func testGrantingActivityQueuesTheClosedDaysSummaryAtTheNextNightsTick() throws {
        let engine = try Fixtures.open(dir)
        let change = try engine.setConsent(purpose: .activity, granted: true, policyVersion: "2026-11", now: start)
        XCTAssertEqual(change.consents.current, [ConsentEntry(purpose: .activity, granted: true, policyVersion: "2026-11", at: start)])
        XCTAssertEqual(change.purged, 0)
        XCTAssertFalse(change.deletionQueued)
        try morning(engine)
        XCTAssertEqual(try engine.outbox(), [], "the day is not over yet")
        _ = try engine.tick(now: nextNight)
        let outbox = try engine.outbox()
        XCTAssertEqual(outbox.count, 1)
        let item = try XCTUnwrap(outbox.first)
        XCTAssertEqual(item.kind, .summary)
        XCTAssertEqual(item.purpose, .activity)
        XCTAssertEqual(item.day, LocalDay(year: 2026, month: 11, day: 24))
        XCTAssertEqual(item.queuedAt, nextNight)
        let payload = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(item.payload.utf8)) as? [String: Any])
        XCTAssertEqual(payload["steps"] as? Int, 1400, "rounded to 100")
        XCTAssertEqual(Set(payload.keys), ["steps", "goal_met"], "nothing else leaves")
    }

    func testWithdrawingPurgesTheQueuedSummariesAndQueuesADeletionRequest() throws {
        let engine = try Fixtures.open(dir)
        _ = try engine.setConsent(purpose: .activity, granted: true, policyVersion: "2026-11", now: start)
        try morning(engine)
        _ = try engine.tick(now: nextNight)
        let change = try engine.setConsent(purpose: .activity, granted: false, policyVersion: "2026-11", now: nextNight.addingTimeInterval(60))
        XCTAssertEqual(change.purged, 1)
        XCTAssertTrue(change.deletionQueued)
        let outbox = try engine.outbox()
        XCTAssertEqual(outbox.map(\.kind), [.deletion])
        XCTAssertEqual(outbox.first?.purpose, .activity)
        XCTAssertNil(outbox.first?.day)
        XCTAssertEqual(outbox.first?.payload, #"{"purpose":"activity"}"#)
    }

    func testTheLedgerKeepsEveryChoiceAndABlankPolicyVersionIsRefused() throws {
        let engine = try Fixtures.open(dir)
        _ = try engine.setConsent(purpose: .visits, granted: true, policyVersion: "2026-10", now: start)
        _ = try engine.setConsent(purpose: .offers, granted: true, policyVersion: "2026-10", now: start.addingTimeInterval(1))
        _ = try engine.setConsent(purpose: .visits, granted: false, policyVersion: "2026-11", now: start.addingTimeInterval(2))
        let consents = try engine.consents()
        XCTAssertEqual(consents.ledger.map(\.purpose), [.visits, .offers, .visits])
        XCTAssertEqual(consents.ledger.map(\.policyVersion), ["2026-10", "2026-10", "2026-11"])
        XCTAssertEqual(consents.current.filter(\.granted).map(\.purpose), [.offers])
        assertKairosError(try engine.setConsent(purpose: .activity, granted: true, policyVersion: " ", now: start)) { e in
            guard case let .InvalidInput(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("policy_version"), reason)
        }
    }

    func testTheExportIsOneJSONDocumentWithEveryKindOfDataHeld() throws {
        let engine = try Fixtures.open(dir)
        _ = try engine.setConsent(purpose: .activity, granted: true, policyVersion: "2026-11", now: start)
        try morning(engine)
        let json = try engine.exportProfile()
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(Set(doc.keys), ["format", "install_id", "consents", "places", "visits", "merchant_visits",
                                       "step_minutes", "step_days", "offers", "routines", "outbox", "privacy_budget",
                                       "raw_fixes", "engine_state", "fence_ids", "relevance"])
        XCTAssertEqual(doc["format"] as? String, "kairos-export/2")
        XCTAssertEqual((doc["places"] as? [Any])?.count, 2)
        XCTAssertEqual((doc["visits"] as? [Any])?.count, 2)
        XCTAssertEqual((doc["raw_fixes"] as? [Any])?.count, Fixtures.morning(start).count)
        let days = try XCTUnwrap(doc["step_days"] as? [[String: Any]])
        XCTAssertEqual(days.first?["steps"] as? Int, 1430)
        let ledger = try XCTUnwrap((doc["consents"] as? [String: Any])?["ledger"] as? [[String: Any]])
        XCTAssertEqual(ledger.first?["policy_version"] as? String, "2026-11")
    }

    func testEraseEmptiesPlacesVisitsAndConsentsAndQueuesOneDeletionOfEverything() throws {
        let engine = try Fixtures.open(dir)
        _ = try engine.setConsent(purpose: .activity, granted: true, policyVersion: "2026-11", now: start)
        try morning(engine)
        _ = try engine.tick(now: nextNight)
        XCTAssertEqual(try engine.places().count, 2)
        try engine.eraseAll(now: nextNight.addingTimeInterval(60))
        XCTAssertEqual(try engine.places(), [])
        XCTAssertEqual(try engine.visits(from: start, to: nextNight), [])
        XCTAssertEqual(try engine.rawFixes(from: start, to: nextNight), [])
        XCTAssertEqual(try engine.today(now: start).steps, 0)
        XCTAssertEqual(try engine.consents().ledger, [])
        let outbox = try engine.outbox()
        XCTAssertEqual(outbox.map(\.kind), [.deletion])
        XCTAssertNil(outbox.first?.purpose, "a deletion of everything")
    }

    func testReopeningWithAWrongKeyThrowsWrongKeyAndTheRightKeyFindsEverything() throws {
        do { try morning(try Fixtures.open(dir)) }
        assertKairosError(try Fixtures.open(dir, key: Data(repeating: 1, count: 32))) { e in
            guard case let .WrongKey(reason) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("key"), reason)
        }
        let engine = try Fixtures.open(dir)
        XCTAssertEqual(try engine.places().count, 2)
        XCTAssertEqual(try engine.visits(from: start, to: nextNight).count, 2)
        XCTAssertEqual(try engine.rawFixes(from: start, to: nextNight).count, Fixtures.morning(start).count)
        XCTAssertEqual(try engine.today(now: start).steps, 1430)
    }

    func testAfterRotatingTheKeyOnlyTheNewKeyOpensTheProfile() throws {
        let newKey = Data((0..<32).map { UInt8($0 * 3) })
        do {
            let engine = try Fixtures.open(dir)
            try morning(engine)
            try engine.rotateKey(newKey: newKey)
            XCTAssertEqual(try engine.places().count, 2, "the open engine goes on")
        }
        assertKairosError(try Fixtures.open(dir)) { e in
            guard case .WrongKey = e else { return XCTFail("\(e)") }
        }
        let engine = try Fixtures.open(dir, key: newKey)
        XCTAssertEqual(try engine.places().count, 2)
        XCTAssertEqual(try engine.rawFixes(from: start, to: nextNight).count, Fixtures.morning(start).count)
    }

    func testAKeyThatIsNot32BytesIsRefusedAndTheOldKeyStillWorks() throws {
        do {
            let engine = try Fixtures.open(dir)
            try morning(engine)
            assertKairosError(try engine.rotateKey(newKey: Data(count: 16))) { e in
                guard case let .InvalidInput(reason) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(reason.contains("32 bytes"), reason)
            }
        }
        XCTAssertEqual(try Fixtures.open(dir).places().count, 2)
    }

    // MARK: A new phone: erase forgets the install, export, import, backup

    let otherKey = Data(repeating: 42, count: 32)
    let backupKey = Data(repeating: 9, count: 32)

    func phone(_ name: String, key: Data = Fixtures.key) throws -> Engine {
        let sub = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        return try Fixtures.open(sub, key: key)
    }

    /// A morning `days` after the first: two visits, 1,430 steps, activity granted, the day closed.
    func day(_ engine: Engine, days: Double = 0) throws {
        let morning = start.addingTimeInterval(days * 86400)
        _ = try engine.setConsent(purpose: .activity, granted: true, policyVersion: "2026-11", now: morning)
        _ = try engine.recordLocations(fixes: Fixtures.morning(morning))
        _ = try engine.recordSteps(sample: Fixtures.interval(morning, minutes: 60, steps: 1430))
        _ = try engine.tick(now: nextNight.addingTimeInterval(days * 86400))
    }

    func installId(_ json: String) -> String {
        let r = try! NSRegularExpression(pattern: #""install_id": "([0-9a-f]+)""#)
        let m = r.firstMatch(in: json, range: NSRange(json.startIndex..., in: json))!
        return String(json[Range(m.range(at: 1), in: json)!])
    }

    /// The export without its install id, which each install keeps its own, with decimals to 9 places:
    /// JSON parsing restores a coordinate to within its last bit (about 1e-14 degrees), not always to the bit.
    func withoutInstallId(_ engine: Engine) throws -> String {
        let text = try engine.exportProfile()
            .replacingOccurrences(of: #""install_id": "[0-9a-f]+",?"#, with: "", options: .regularExpression)
        let long = try NSRegularExpression(pattern: #"-?\d+\.\d{10,}"#)
        let out = NSMutableString(string: text)
        for m in long.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            out.replaceCharacters(in: m.range, with: String(format: "%.9f", Double(out.substring(with: m.range))!))
        }
        return out as String
    }

    func testEraseForgetsTheInstallTheExportHoldsNothingOldAndTheNextSyncRegistersANewPseudonym() async throws {
        let engine = try phone("a")
        try day(engine)
        var tokens = 0
        let backend = SyncTests.Scripted { request in
            if request.url.hasSuffix("/v1/installs") {
                tokens += 1
                return HttpResponse(status: 201, headers: ["Content-Type": "application/json"], body: Data(#"{"token":"t\#(tokens)"}"#.utf8))
            }
            if request.url.hasSuffix("/v1/deletion-requests") { return HttpResponse(status: 404, headers: [:], body: Data()) }
            return HttpResponse(status: 503, headers: ["Retry-After": "60"], body: Data())
        }
        let options = SyncOptions(baseUrl: "https://api.example.com", fetchCatalog: false)
        _ = try await engine.sync(options: options, transport: backend, now: nextNight)
        let old = installId(try engine.exportProfile())
        try engine.eraseAll(now: nextNight.addingTimeInterval(60))
        let export = try engine.exportProfile()
        XCTAssertNotEqual(installId(export), old)
        XCTAssertFalse(export.contains(old), "the old pseudonym is forgotten")
        XCTAssertFalse(export.contains("34.05"), "no old coordinate")
        XCTAssertFalse(export.contains(#""steps": 1430"#), "no old steps")

        try day(engine, days: 2)
        _ = try await engine.sync(options: options, transport: backend, now: nextNight.addingTimeInterval(2 * 86400))
        let registrations = backend.seen.filter { $0.url.hasSuffix("/v1/installs") }
            .map { String(decoding: $0.body, as: UTF8.self) }
        XCTAssertEqual(registrations.count, 2, "\(backend.seen.map(\.url))")
        XCTAssertTrue(registrations[0].contains(old))
        XCTAssertFalse(registrations[1].contains(old), "a new pseudonym after the erase")
        let deletion = try XCTUnwrap(backend.seen.firstIndex { $0.url.hasSuffix("/v1/deletion-requests") })
        XCTAssertEqual(backend.seen[deletion].headers["authorization"], "Bearer t1", "under the old token")
        XCTAssertLessThan(deletion, try XCTUnwrap(backend.seen.lastIndex { $0.url.hasSuffix("/v1/installs") }))
    }

    func testAnExportImportedIntoAFreshEngineWithAnotherKeyHoldsTheSameProfileUnderItsOwnPseudonym() throws {
        let old = try phone("old")
        try day(old)
        let export = try old.exportProfile()
        let new = try phone("new", key: otherKey)
        try new.importProfile(export: export)
        XCTAssertEqual(try withoutInstallId(new), try withoutInstallId(old))
        XCTAssertNotEqual(installId(try new.exportProfile()), installId(export))
        XCTAssertEqual(try new.places().count, 2)
        XCTAssertEqual(try new.today(now: start).steps, 1430)
    }

    func testADamagedExportOrAProfileThatHoldsDataIsRefusedTypedAndChangesNothing() throws {
        let old = try phone("old")
        try day(old)
        let export = try old.exportProfile()
        let new = try phone("new", key: otherKey)
        let damaged = export.replacingOccurrences(of: #""arrived_at": ""#, with: #""arrived_at": "x"#)
        assertKairosError(try new.importProfile(export: damaged)) { e in
            guard case let .ImportRefused(_, refusal) = e, case let .damaged(path, _) = refusal else { return XCTFail("\(e)") }
            XCTAssertEqual(path, "visits[0].arrived_at")
        }
        XCTAssertEqual(try new.places(), [], "nothing imported")
        try new.importProfile(export: export)
        assertKairosError(try new.importProfile(export: export)) { e in
            guard case let .ImportRefused(reason, .profileNotEmpty) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(reason.contains("not empty"), reason)
        }
    }

    func testABackupRoundTripsUnderItsKeyAndAWrongKeyOrAlteredBytesAreRefused() async throws {
        let old = try phone("old")
        try day(old)
        let backup = try await old.exportBackupAsync(backupKey: backupKey)
        XCTAssertEqual(String(decoding: backup.prefix(8), as: UTF8.self), "KAIROSBK")
        XCTAssertNil(backup.range(of: Data("34.05".utf8)), "sealed")
        let new = try phone("new", key: otherKey)
        assertKairosError(try new.importBackup(backup: backup, backupKey: otherKey)) { e in
            guard case .ImportRefused(_, .backupUnreadable) = e else { return XCTFail("\(e)") }
        }
        var altered = backup
        altered[altered.count / 2] ^= 1
        assertKairosError(try new.importBackup(backup: altered, backupKey: backupKey)) { e in
            guard case .ImportRefused(_, .backupUnreadable) = e else { return XCTFail("\(e)") }
        }
        XCTAssertEqual(try new.places(), [], "nothing imported")
        try await new.importBackupAsync(backup: backup, backupKey: backupKey)
        XCTAssertEqual(try withoutInstallId(new), try withoutInstallId(old))
    }
}
