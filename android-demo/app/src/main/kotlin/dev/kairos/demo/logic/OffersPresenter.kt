package dev.kairos.demo.logic

import dev.kairos.EngineInterface
import dev.kairos.KairosException
import dev.kairos.OfferInstance
import dev.kairos.OfferState
import java.time.Duration
import java.time.Instant
import java.time.ZoneId

/** One offer as the list and the notification show it. */
data class OfferRow(
    /** The offer instance's id, for redeem and dismiss. */
    val id: Long,
    /** The offer's title. */
    val title: String,
    /** The offer's text. */
    val body: String,
    /** "claim within 42 min". */
    val countdown: String,
    /** Less than [OffersPresenter.URGENT] left: the UI highlights it. */
    val urgent: Boolean,
)

/** The outcome of a redeem or dismiss, as a message for the shopper. */
sealed interface ActionResult {
    /** Done; [message] confirms it. */
    data class Done(val message: String) : ActionResult

    /** Redeemed: [code] is shown for the till to scan; [message] confirms it. */
    data class Redeemed(val message: String, val code: TillCode) : ActionResult

    /** The engine refused (the window ended, already redeemed, the shop is closed...); [message] says why. */
    data class Refused(val message: String) : ActionResult
}

/** The offer a notification opened ([OffersPresenter.open]). */
sealed interface OpenedOffer {
    /** It can still be claimed: [row] is shown first. */
    data class Claimable(val row: OfferRow) : OpenedOffer

    /** It cannot any more (redeemed, dismissed, its window ended); [message] says so. */
    data class Gone(val message: String) : OpenedOffer
}

/**
 * The offers screen: what can be claimed now, with countdowns, and the shopper's actions on it;
 * times in [zone].
 */
class OffersPresenter(private val engine: EngineInterface, private val zone: ZoneId = ZoneId.systemDefault()) {
    /** The offers claimable at [now], soonest expiry first; marks the newly shown ones as presented. */
    fun load(now: Instant): List<OfferRow> {
        val offers = engine.offers(now)
        offers.filter { it.state == OfferState.TRIGGERED }.forEach { engine.presented(it.id, now) }
        return offers.map { row(it, now) }
    }

    /** The offer instance [id] a notification opened, at [now]; marks it presented. */
    fun open(id: Long, now: Instant): OpenedOffer {
        val offer = engine.offers(now).find { it.id == id }
            ?: return OpenedOffer.Gone("That offer can no longer be claimed.")
        if (offer.state == OfferState.TRIGGERED) engine.presented(id, now)
        return OpenedOffer.Claimable(row(offer, now))
    }

    /**
     * The shopper redeems the offer at the till: the engine signs a token, shown as a QR code
     * ([ActionResult.Redeemed]) that the till verifies once with the backend.
     */
    fun redeem(id: Long, now: Instant): ActionResult = try {
        ActionResult.Redeemed(REDEEMED, TillCode.of(engine.redeem(id, now), zone))
    } catch (e: KairosException) {
        ActionResult.Refused(refusal(e, zone) ?: throw e)
    }

    /** The shopper swipes the offer away; it stays silent for the cooldown. */
    fun dismiss(id: Long, now: Instant): ActionResult =
        act("Dismissed. You won't see this offer again for a while.") { engine.dismissed(id, now) }

    private inline fun act(message: String, call: () -> OfferInstance): ActionResult = try {
        call()
        ActionResult.Done(message)
    } catch (e: KairosException) {
        ActionResult.Refused(refusal(e, zone) ?: throw e)
    }

    companion object {
        /** Below this much time left an offer is shown as urgent. */
        val URGENT: Duration = Duration.ofMinutes(10)

        /** The confirmation above the QR code. */
        const val REDEEMED = "Redeemed. Show the code below at the till."

        /**
         * What the shopper reads when the engine refuses a redeem or dismiss, or null for an
         * error that is no refusal (storage, a bug), which [redeem] and [dismiss] rethrow.
         */
        fun refusal(e: KairosException, zone: ZoneId): String? = when (e) {
            is KairosException.InvalidOfferTransition -> e.reason
            is KairosException.UnknownOffer -> e.reason
            is KairosException.StoreClosed -> e.reopensAt?.let {
                "The shop is closed now. The offer stays yours: redeem it from ${Countdown.dayAndClock(it, zone)}, when it opens again."
            } ?: "The shop is closed now, and it does not open again before the offer ends."
            else -> null
        }

        /** The row for [offer] at [now]. */
        fun row(offer: OfferInstance, now: Instant) = OfferRow(
            id = offer.id,
            title = offer.title,
            body = offer.body,
            countdown = Countdown.claimText(offer.expiresAt, now),
            urgent = Duration.between(now, offer.expiresAt) < URGENT,
        )
    }
}
