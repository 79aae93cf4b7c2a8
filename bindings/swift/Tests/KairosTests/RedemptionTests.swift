import Foundation
import XCTest
@testable import Kairos

/// `redeem` returns the signed token to show at the till; `register` gives the backend its key.
final class RedemptionTests: EngineTestCase {
    func testRedeemReturnsTheTypedTokenRecordAndRedeemingAgainIsAnInvalidOfferTransition() throws {
        let engine = try Mall.openLoaded(dir)
        let offer = try XCTUnwrap(triggered(try engine.recordLocations(fixes: Mall.walk(Mall.at(10, 32))).events).first)
        let redemption = try engine.redeem(instanceId: offer.instanceId, now: Mall.at(11, 5))
        XCTAssertEqual(redemption.instance.state, .redeemed)
        let token = redemption.token
        XCTAssertEqual(token.qrPayload, "kairos:r:\(token.compact)")
        XCTAssertTrue(token.compact.hasPrefix("KR1.") && token.compact.count <= 600, token.compact)
        XCTAssertEqual(token.offerId, offer.offerId)
        XCTAssertEqual(token.instanceId, offer.instanceId)
        XCTAssertEqual(token.merchantId, "maison-lumiere")
        XCTAssertEqual(token.issuedAt, Mall.at(11, 5))
        XCTAssertEqual(token.expiresAt, offer.expiresAt)
        XCTAssertEqual(token.keyId.count, 22)
        assertKairosError(try engine.redeem(instanceId: offer.instanceId, now: Mall.at(11, 6))) { e in
            guard case let .InvalidOfferTransition(_, instanceId) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(instanceId, offer.instanceId)
        }
    }

    func testRegisterGivesTheBackendTheInstallAndItsRedemptionKeyOnce() async throws {
        let backend = try Backend(dir: dir)
        defer { backend.stop() }
        // A random install id, as the backend requires.
        let engine = try Engine.open(config: EngineConfig(dataDir: dir.appendingPathComponent("profile").path, timeZone: Fixtures.timeZone,
                                                          sealingKey: Fixtures.key, catalogKeys: [Mall.key]))
        let first = try await engine.register(options: backend.options(), transport: URLSessionTransport())
        XCTAssertEqual(first.problems, [])
        let again = try await engine.register(options: backend.options(), transport: URLSessionTransport())
        XCTAssertEqual(again.problems, [])
    }
}
