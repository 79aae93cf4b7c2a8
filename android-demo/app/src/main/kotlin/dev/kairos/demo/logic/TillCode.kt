package dev.kairos.demo.logic

import dev.kairos.Redemption
import java.time.Instant
import java.time.ZoneId

/**
 * What the offers screen shows after "Redeem": the signed redemption token the merchant's till
 * scans, as a QR code, with the same token as text for a till that takes it typed.
 */
data class TillCode(
    /** The offer instance redeemed. */
    val instanceId: Long,
    /** The offer's title, above the code. */
    val title: String,
    /** The text drawn as the QR code: the engine's `qrPayload` as it is (`kairos:r:KR1....`). */
    val qrPayload: String,
    /** The compact token (`KR1....`), for a till that takes typed or pasted text. */
    val typed: String,
    /** "Show this code at the till. It is valid once, until 13:32." */
    val caption: String,
    /** The end of the claim window: the till refuses the token after it, and the screen drops it. */
    val expiresAt: Instant,
) {
    /** Whether the code is still worth showing at [now] (the till refuses it after [expiresAt]). */
    fun shownAt(now: Instant): Boolean = now.isBefore(expiresAt)

    companion object {
        /** The code for [redemption], its times in [zone]. */
        fun of(redemption: Redemption, zone: ZoneId) = TillCode(
            instanceId = redemption.instance.id,
            title = redemption.instance.title,
            qrPayload = redemption.token.qrPayload,
            typed = redemption.token.compact,
            caption = "Show this code at the till. It is valid once, until ${Countdown.clock(redemption.token.expiresAt, zone)}.",
            expiresAt = redemption.token.expiresAt,
        )
    }
}
