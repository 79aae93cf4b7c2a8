import Foundation
import XCTest
@testable import Kairos

/// Friend invites (purpose `social`) against the real reference backend on loopback.
final class SocialTests: EngineTestCase {
    let start = Fixtures.nineAM
    let http = URLSessionTransport()

    func open(_ name: String) throws -> Engine {
        try Engine.open(config: EngineConfig(dataDir: dir.appendingPathComponent(name).path, timeZone: Fixtures.timeZone,
                                             sealingKey: Fixtures.key, catalogKeys: [Mall.key]))
    }

    func testTwoShoppersHoldingSocialLinkByInvitationACodeIsSingleUseAndSyncFetchesTheCounts() async throws {
        let backend = try Backend(dir: dir)
        defer { backend.stop() }
        let options = backend.options(fetchCatalog: false)
        let a = try open("a")
        let b = try open("b")
        for engine in [a, b] {
            _ = try engine.setConsent(purpose: .social, granted: true, policyVersion: "2026-11", now: start)
        }
        let invite = try await a.createFriendInvite(options: options, transport: http)
        XCTAssertEqual(invite.code.count, 12)
        try await b.acceptFriendInvite(options: options, transport: http, code: invite.code)
        do {
            try await b.acceptFriendInvite(options: options, transport: http, code: invite.code)
            XCTFail("a code is single use")
        } catch let KairosError.FriendInviteRefused(_, refusal) {
            XCTAssertEqual(refusal, .used)
        }
        let own = try await a.createFriendInvite(options: options, transport: http)
        do {
            try await a.acceptFriendInvite(options: options, transport: http, code: own.code)
            XCTFail("an install cannot accept its own code")
        } catch let KairosError.FriendInviteRefused(_, refusal) {
            XCTAssertEqual(refusal, .ownInvite)
        }
        XCTAssertNil(try b.friendCounts(), "nothing before a sync")
        let report = try await b.sync(options: options, transport: http, now: start.addingTimeInterval(60))
        // One friend, who visited nothing: no merchant reaches two friends.
        XCTAssertEqual(report.friendCounts, 0)
        XCTAssertEqual(try b.friendCounts()?.merchants, [])
    }

    func testWithoutSocialGrantedAnInviteIsRefusedAndNothingIsSent() async throws {
        let backend = try Backend(dir: dir)
        defer { backend.stop() }
        let c = try open("c")
        do {
            _ = try await c.createFriendInvite(options: backend.options(fetchCatalog: false), transport: http)
            XCTFail("social is not granted")
        } catch let KairosError.ConsentRequired(_, purpose) {
            XCTAssertEqual(purpose, .social)
        }
        let report = try await c.sync(options: backend.options(fetchCatalog: false), transport: http, now: start)
        XCTAssertNil(report.friendCounts)
    }

    func testWithdrawingSocialForgetsTheCountsAndQueuesTheDeletion() async throws {
        let backend = try Backend(dir: dir)
        defer { backend.stop() }
        let d = try open("d")
        _ = try d.setConsent(purpose: .social, granted: true, policyVersion: "2026-11", now: start)
        _ = try await d.sync(options: backend.options(fetchCatalog: false), transport: http, now: start)
        XCTAssertNotNil(try d.friendCounts())
        let change = try d.setConsent(purpose: .social, granted: false, policyVersion: "2026-11", now: start.addingTimeInterval(60))
        XCTAssertTrue(change.deletionQueued)
        XCTAssertNil(try d.friendCounts())
        let report = try await d.sync(options: backend.options(fetchCatalog: false), transport: http, now: start.addingTimeInterval(120))
        XCTAssertEqual(report.deletionsSent, 1)
    }
}
