import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Kairos
import KairosDemoCore
import XCTest

final class TillCodeTests: XCTestCase {
    func testRedeemShowsTheSignedTokenForTheTillAsAQrPayloadWithItsDeadlineOnce() throws {
        let engine = try Fixtures.engine(catalog: "catalogs/shop-street.signed.json")
        _ = try engine.recordLocations(fixes: Fixtures.intoCafe())
        let now = Fixtures.tenAM.addingTimeInterval(20 * 60)
        let offer = try XCTUnwrap(try engine.offers(now: now).first)
        guard case let .redeemed(message, code) = OffersPresenter(engine: engine, zone: Fixtures.la).redeem(offer.id, now: now) else {
            return XCTFail("not redeemed")
        }
        XCTAssertEqual(message, OffersPresenter.redeemedMessage)
        XCTAssertEqual(code.instanceId, offer.id)
        XCTAssertEqual(code.title, "A free pastry with your coffee")
        XCTAssertTrue(code.typed.hasPrefix("KR1."), code.typed)
        XCTAssertEqual(code.qrPayload, "kairos:r:\(code.typed)", "the engine's QR payload, as it is")
        XCTAssertEqual(code.expiresAt, offer.expiresAt)
        XCTAssertEqual(code.caption, "Show this code at the till. It is valid once, until \(Countdown.clock(offer.expiresAt, zone: Fixtures.la)).")
        XCTAssertTrue(code.shown(at: now))
        XCTAssertFalse(code.shown(at: offer.expiresAt), "gone when the till would refuse it")
        XCTAssertEqual(TillCode.errorCorrection, "M")
    }

    func testARefusedRedeemReadsInWordsClosedShopWithOrWithoutReopening() {
        let reopens = Fixtures.at("2026-11-25T15:00:00Z")
        XCTAssertEqual(
            OffersPresenter.refusal(KairosError.StoreClosed(reason: "closed", instanceId: 3, placeId: "corner-cafe-main", reopensAt: reopens), zone: Fixtures.la),
            "The shop is closed now. The offer stays yours: redeem it from Wed 25 Nov 07:00, when it opens again.")
        XCTAssertEqual(
            OffersPresenter.refusal(KairosError.StoreClosed(reason: "closed", instanceId: 3, placeId: "corner-cafe-main", reopensAt: nil), zone: Fixtures.la),
            "The shop is closed now, and it does not open again before the offer ends.")
        XCTAssertNil(OffersPresenter.refusal(KairosError.Storage(reason: "disk full"), zone: Fixtures.la), "a failure, not a refusal")
    }
}

final class FriendsPresenterTests: XCTestCase {
    /// A network that never answers, counting what was sent.
    final class Offline: HttpTransport, @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var sent: Int { lock.lock(); defer { lock.unlock() }; return count }
        func send(request: HttpRequest) async throws -> HttpResponse {
            lock.lock(); count += 1; lock.unlock()
            throw TransportError.Failed(reason: "airplane mode")
        }
    }

    let options = SyncOptions(baseUrl: "http://127.0.0.1:9", allowInsecureLoopback: true, fetchCatalog: false)

    func testWithoutSocialTheSectionSaysToTurnItOnBothButtonsStayOffAndAnInviteSendsNothing() async throws {
        let engine = try Fixtures.engine()
        let network = Offline()
        let friends = FriendsPresenter(engine: engine, options: options, transport: network)
        let panel = try friends.panel()
        XCTAssertEqual(panel, FriendsPanel(enabled: false, explanation: FriendsPresenter.turnOn))
        XCTAssertFalse(FriendsPresenter.canInvite(panel, busy: false))
        XCTAssertFalse(FriendsPresenter.canAccept(panel, code: "ABCD-EFGH-JKMN", busy: false))
        let invited = await friends.invite()
        XCTAssertEqual(invited, .failed(FriendsPresenter.turnOn))
        let accepted = await friends.accept("ABCD-EFGH-JKMN")
        XCTAssertEqual(accepted, .failed(FriendsPresenter.turnOn))
        XCTAssertEqual(network.sent, 0, "nothing leaves without social")
    }

    func testWithSocialOnInviteIsOnAcceptWaitsForATypedCodeAndBothWaitForTheRunningRequest() throws {
        let engine = try Fixtures.engine()
        _ = try engine.setConsent(purpose: .social, granted: true, policyVersion: PrivacyPresenter.policyVersion, now: Fixtures.tenAM)
        let panel = try FriendsPresenter(engine: engine, options: options, transport: Offline()).panel()
        XCTAssertEqual(panel, FriendsPanel(enabled: true, explanation: FriendsPresenter.linkedFriends))
        XCTAssertTrue(FriendsPresenter.canInvite(panel, busy: false))
        XCTAssertFalse(FriendsPresenter.canInvite(panel, busy: true))
        XCTAssertEqual(["", "   ", "abcd efgh jkmn", "ABCD"].enumerated().map { typed in
            FriendsPresenter.canAccept(panel, code: typed.element, busy: typed.offset == 3)
        }, [false, false, true, false])
    }

    func testWithTheServerOutOfReachAnInviteOrAcceptSaysSoInWords() async throws {
        let engine = try Fixtures.engine()
        _ = try engine.setConsent(purpose: .social, granted: true, policyVersion: PrivacyPresenter.policyVersion, now: Fixtures.tenAM)
        let network = Offline()
        let friends = FriendsPresenter(engine: engine, options: options, transport: network)
        let unreachable = FriendsOutcome.failed("The server cannot be reached now. Check your connection and try again.")
        let invited = await friends.invite()
        XCTAssertEqual(invited, unreachable)
        let accepted = await friends.accept("ABCD-EFGH-JKMN")
        XCTAssertEqual(accepted, unreachable)
        XCTAssertGreaterThan(network.sent, 0)
    }

    func testEachRefusalOfACodeReadsAsItsOwnSentence() {
        let all: [InviteRefusal] = [.unknown, .expired, .used, .ownInvite, .malformed, .tooManyFriends, .tooManyInvites]
        XCTAssertEqual(Set(all.map(FriendsPresenter.refusal)).count, all.count)
        XCTAssertTrue(FriendsPresenter.refusal(.used).contains("used already"))
        XCTAssertTrue(FriendsPresenter.refusal(.ownInvite).contains("your own code"))
        XCTAssertEqual(FriendsPresenter.failure(KairosError.FriendInviteRefused(reason: "used", refusal: .used)), FriendsPresenter.refusal(.used))
        XCTAssertEqual(FriendsPresenter.failure(KairosError.ConsentRequired(reason: "no", purpose: .social)), FriendsPresenter.turnOn)
    }

    func testAnInviteCodeShowsInGroupsOfFour() {
        XCTAssertEqual(FriendsPresenter.grouped("ABCDEFGHJKMN"), "ABCD-EFGH-JKMN")
        XCTAssertEqual(FriendsPresenter.grouped("ABCDE"), "ABCD-E")
    }
}

/// Invite and accept through the real reference backend on loopback (`cargo xtask test-demos` builds it).
final class FriendsThroughTheBackendTests: XCTestCase {
    func testOneShopperInvitesTheOtherAcceptsTheGroupedCodeAndASecondAcceptReadsAsUsed() async throws {
        let dir = try Fixtures.tempDir()
        let libDir = ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"]?.split(separator: ":").first.map(String.init) ?? ""
        let process = Process()
        process.executableURL = URL(fileURLWithPath: libDir).appendingPathComponent("kairos-backend")
        process.arguments = ["serve", "--db", dir.appendingPathComponent("backend.db").path, "--addr", "127.0.0.1:0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // SIGKILL: a child of the XCTest process inherits a signal mask that blocks SIGTERM.
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        var seen = ""
        var url: String?
        while url == nil {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: #"serving on (http://\S+)"#, options: .regularExpression) {
                url = String(seen[range].dropFirst("serving on ".count))
            }
        }
        out.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
        let options = SyncOptions(baseUrl: try XCTUnwrap(url, seen), allowInsecureLoopback: true, fetchCatalog: false)
        let http = URLSessionTransport()
        let a = try Fixtures.engine()
        let b = try Fixtures.engine()
        for engine in [a, b] {
            _ = try engine.setConsent(purpose: .social, granted: true, policyVersion: PrivacyPresenter.policyVersion, now: Fixtures.tenAM)
        }
        guard case let .invited(code, message) = await FriendsPresenter(engine: a, options: options, transport: http).invite() else {
            return XCTFail("no invite")
        }
        XCTAssertNotNil(code.range(of: #"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$"#, options: .regularExpression), code)
        XCTAssertTrue(message.hasPrefix("Give this code to a friend who uses the app. It works once, until "), message)
        let friend = FriendsPresenter(engine: b, options: options, transport: http)
        guard case .linked = await friend.accept(" \(code.lowercased()) ") else { return XCTFail("case, spaces and hyphens do not matter") }
        let again = await friend.accept(code)
        XCTAssertEqual(again, .failed(FriendsPresenter.refusal(.used)))
        let unknown = await friend.accept("ABCD-EFGH-JKMN")
        XCTAssertEqual(unknown, .failed(FriendsPresenter.refusal(.unknown)))
    }
}
