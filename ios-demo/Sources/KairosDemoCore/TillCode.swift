import Foundation
import Kairos

/// What the offers screen shows after "Redeem": the signed redemption token the merchant's till
/// scans, as a QR code, with the same token as text for a till that takes it typed.
public struct TillCode: Equatable, Sendable {
    /// The offer instance redeemed.
    public let instanceId: Int64
    /// The offer's title, above the code.
    public let title: String
    /// The text drawn as the QR code: the engine's `qrPayload` as it is (`kairos:r:KR1....`).
    public let qrPayload: String
    /// The compact token (`KR1....`), for a till that takes typed or pasted text.
    public let typed: String
    /// "Show this code at the till. It is valid once, until 13:32."
    public let caption: String
    /// The end of the claim window: the till refuses the token after it, and the screen drops it.
    public let expiresAt: Date

    /// The QR code's error correction, as CoreImage's `CIQRCodeGenerator` takes it: M restores up
    /// to 15% of damaged modules (a scratched or glaring screen) and keeps the code small enough
    /// for a till's scanner at arm's length (the Android demo uses the same level).
    public static let errorCorrection = "M"

    /// Whether the code is still worth showing at `now` (the till refuses it from `expiresAt`).
    public func shown(at now: Date) -> Bool { now < expiresAt }

    /// The code for `redemption`, its times in `zone`.
    public init(_ redemption: Redemption, zone: TimeZone) {
        instanceId = redemption.instance.id
        title = redemption.instance.title
        qrPayload = redemption.token.qrPayload
        typed = redemption.token.compact
        caption = "Show this code at the till. It is valid once, until \(Countdown.clock(redemption.token.expiresAt, zone: zone))."
        expiresAt = redemption.token.expiresAt
    }
}
