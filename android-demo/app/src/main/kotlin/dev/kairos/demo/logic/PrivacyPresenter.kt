package dev.kairos.demo.logic

import dev.kairos.ConsentEntry
import dev.kairos.EngineInterface
import dev.kairos.Purpose
import java.time.Instant
import java.time.ZoneId

/** One purpose on the consent screen. */
data class ConsentRow(
    /** The purpose. */
    val purpose: Purpose,
    /** "Activity". */
    val title: String,
    /** What is shared when it is on. */
    val shares: String,
    /** The shopper's current choice (off until they choose). */
    val granted: Boolean,
)

/** The privacy screen: a switch per purpose, the ledger of choices, what waits to leave. */
data class Privacy(
    /** One row per purpose. */
    val purposes: List<ConsentRow>,
    /** Every choice ever made, newest first: "Tue 24 Nov 09:00 · Activity on · policy 2026-11". */
    val ledger: List<String>,
    /** "2 daily summaries wait to be sent" or "Nothing waits to be sent". */
    val outbox: String,
)

/** Consent per purpose, export and erase. */
class PrivacyPresenter(private val engine: EngineInterface, private val zone: ZoneId) {
    /** The screen at the moment. */
    fun load(): Privacy {
        val consents = engine.consents()
        val current = consents.current.associate { it.purpose to it.granted }
        val waiting = engine.outbox().size
        return Privacy(
            purposes = Purpose.entries.map { ConsentRow(it, title(it), shares(it), current[it] ?: false) },
            ledger = consents.ledger.sortedByDescending { it.at }.map(::ledgerLine),
            outbox = when (waiting) {
                0 -> "Nothing waits to be sent"
                1 -> "1 item waits to be sent"
                else -> "$waiting items wait to be sent"
            },
        )
    }

    /** Records the shopper's choice for [purpose] under the policy they saw. */
    fun setConsent(purpose: Purpose, granted: Boolean, now: Instant) {
        engine.setConsent(purpose, granted, POLICY_VERSION, now)
    }

    /** Everything held, as one JSON document, for the shopper only (it holds raw coordinates). */
    fun export(): String = engine.exportProfile()

    /** Erases everything held; the backend is told at the next sync. */
    fun erase(now: Instant) = engine.eraseAll(now)

    private fun ledgerLine(e: ConsentEntry) =
        "${Countdown.dayAndClock(e.at, zone)} · ${title(e.purpose)} ${if (e.granted) "on" else "off"} · policy ${e.policyVersion}"

    companion object {
        /** The version of the privacy policy the consent screen shows. */
        const val POLICY_VERSION = "2026-11"

        /** The purpose's name. */
        fun title(purpose: Purpose) = when (purpose) {
            Purpose.ACTIVITY -> "Activity"
            Purpose.VISITS -> "Visits"
            Purpose.OFFERS -> "Offers"
            Purpose.SOCIAL -> "Friends"
        }

        /** What leaves the phone, once a day, when [purpose] is on (docs/privacy.md). */
        fun shares(purpose: Purpose) = when (purpose) {
            Purpose.ACTIVITY -> "Your daily steps, rounded to 100, and whether you met your goal."
            Purpose.VISITS -> "How often and how long you visited partner shops. Never your home, work or other places."
            Purpose.OFFERS -> "Which offers you saw, redeemed or dismissed."
            Purpose.SOCIAL ->
                "That you count among your linked friends' social proof: friends you invite see how many of them visited a partner shop in the last 30 days (from 2), never who."
        }
    }
}
