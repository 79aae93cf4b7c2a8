package dev.kairos.demo.logic

import dev.kairos.EngineInterface
import dev.kairos.HttpTransport
import dev.kairos.InviteRefusal
import dev.kairos.KairosException
import dev.kairos.Purpose
import dev.kairos.SyncOptions
import dev.kairos.toLocalDate
import java.time.format.DateTimeFormatter
import java.util.Locale

/** The profile screen's "Friends" section, before the shopper acts. */
data class FriendsPanel(
    /** `social` is granted: "Invite a friend" and "Accept an invite" may be used. */
    val enabled: Boolean,
    /** What linking friends means, or, while `social` is off, that it must be turned on first. */
    val explanation: String,
)

/** The outcome of "Invite a friend" or "Accept an invite", in words for the shopper. */
sealed interface FriendsOutcome {
    /** The text shown. */
    val message: String

    /** A code was created: [code] (grouped for reading aloud) goes to the friend. */
    data class Invited(val code: String, override val message: String) : FriendsOutcome

    /** The friend's code was accepted: the two are friends. */
    data class Linked(override val message: String) : FriendsOutcome

    /** Nothing happened; [message] says why (a refused code, `social` off, no network). */
    data class Failed(override val message: String) : FriendsOutcome
}

/**
 * Friend invites (purpose `social`, docs/privacy.md "Social proof") through the backend at
 * [options] over [transport], as the nightly sync talks to it.
 */
class FriendsPresenter(
    private val engine: EngineInterface,
    private val options: SyncOptions,
    private val transport: HttpTransport,
) {
    /** The section as it stands: usable only while `social` is granted. */
    fun panel(): FriendsPanel {
        val granted = engine.consents().current.any { it.purpose == Purpose.SOCIAL && it.granted }
        return FriendsPanel(granted, if (granted) LINKED_FRIENDS else TURN_ON)
    }

    /** Creates a single-use code for a friend. */
    suspend fun invite(): FriendsOutcome = attempt {
        val invite = engine.createFriendInvite(options, transport)
        val until = DAY.format(invite.expiresOn.toLocalDate())
        FriendsOutcome.Invited(grouped(invite.code), "Give this code to a friend who uses the app. It works once, until $until.")
    }

    /** Accepts a friend's [code] (case, spaces and hyphens do not matter). */
    suspend fun accept(code: String): FriendsOutcome = attempt {
        engine.acceptFriendInvite(options, transport, code.trim())
        FriendsOutcome.Linked("You are now friends. How many of your friends visited a shop shows after the next sync.")
    }

    private inline fun attempt(call: () -> FriendsOutcome): FriendsOutcome = try {
        call()
    } catch (e: KairosException) {
        FriendsOutcome.Failed(failure(e))
    }

    companion object {
        /** The explanation while `social` is granted. */
        const val LINKED_FRIENDS =
            "Friends you link see how many of you visited a partner shop in the last 30 days (from 2), never who."

        /** The explanation while `social` is off: the buttons stay disabled. */
        const val TURN_ON =
            "To invite a friend or accept an invite, first turn on Friends in Privacy. Until then nothing about friends leaves this phone."

        private val DAY = DateTimeFormatter.ofPattern("EEE d MMM", Locale.ENGLISH)

        /** Whether "Accept an invite" can be pressed: `social` on, a code typed, no request running. */
        fun canAccept(panel: FriendsPanel, code: String, busy: Boolean): Boolean = panel.enabled && code.isNotBlank() && !busy

        /** Whether "Invite a friend" can be pressed: `social` on, no request running. */
        fun canInvite(panel: FriendsPanel, busy: Boolean): Boolean = panel.enabled && !busy

        /** A code in groups of four, easier to read out: `ABCDEFGHJKMN` is "ABCD-EFGH-JKMN". */
        fun grouped(code: String): String = code.chunked(4).joinToString("-")

        /** Why the backend refused a code, in words. */
        fun refusal(r: InviteRefusal): String = when (r) {
            InviteRefusal.UNKNOWN -> "There is no such code. Check it with your friend: they may have withdrawn it."
            InviteRefusal.EXPIRED -> "This code has expired. Ask your friend for a new one."
            InviteRefusal.USED -> "This code has been used already. Each code works once: ask your friend for a new one."
            InviteRefusal.OWN_INVITE -> "This is your own code. Give it to a friend instead."
            InviteRefusal.MALFORMED -> "That is not an invite code. Check what you typed against your friend's code."
            InviteRefusal.TOO_MANY_FRIENDS -> "One of you has as many friends as the app allows."
            InviteRefusal.TOO_MANY_INVITES -> "You have as many open codes as the app allows. Wait until a friend uses one or it expires."
        }

        /** What the shopper reads when an invite or accept failed with [e]. */
        fun failure(e: KairosException): String = when (e) {
            is KairosException.FriendInviteRefused -> refusal(e.refusal)
            is KairosException.ConsentRequired -> TURN_ON
            is KairosException.SocialUnavailable -> "The server cannot be reached now. Check your connection and try again."
            else -> "Something went wrong: ${e.message}"
        }
    }
}
