package dev.kairos.demo.logic

import dev.kairos.EngineInterface
import dev.kairos.KairosException
import dev.kairos.OfferInstance
import dev.kairos.OfferState
import java.time.Duration
import java.time.Instant

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

    /** The engine refused (the window ended, already redeemed...); [message] says why. */
    data class Refused(val message: String) : ActionResult
}

/** The offer a notification opened ([OffersPresenter.open]). */
sealed interface OpenedOffer {
    /** It can still be claimed: [row] is shown first. */
    data class Claimable(val row: OfferRow) : OpenedOffer

    /** It cannot any more (redeemed, dismissed, its window ended); [message] says so. */
    data class Gone(val message: String) : OpenedOffer
}

/** The offers screen: what can be claimed now, with countdowns, and the shopper's actions on it. */
class OffersPresenter(private val engine: EngineInterface) {
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

    /** The shopper shows the offer at the till. */
    fun redeem(id: Long, now: Instant): ActionResult = act("Enjoy! The offer is redeemed.") { engine.redeemed(id, now) }

    /** The shopper swipes the offer away; it stays silent for the cooldown. */
    fun dismiss(id: Long, now: Instant): ActionResult =
        act("Dismissed. You won't see this offer again for a while.") { engine.dismissed(id, now) }

    private inline fun act(message: String, call: () -> OfferInstance): ActionResult = try {
        call()
        ActionResult.Done(message)
    } catch (e: KairosException.InvalidOfferTransition) {
        ActionResult.Refused(e.reason)
    } catch (e: KairosException.UnknownOffer) {
        ActionResult.Refused(e.reason)
    }

    companion object {
        /** Below this much time left an offer is shown as urgent. */
        val URGENT: Duration = Duration.ofMinutes(10)

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
