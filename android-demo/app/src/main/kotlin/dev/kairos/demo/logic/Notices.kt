package dev.kairos.demo.logic

import dev.kairos.KairosEvent
import java.time.Instant

/** The demo's notification channels: offers, steps and nudges, routine reminders, and tracking. */
enum class NoticeChannel(
    /** The channel id. */
    val id: String,
    /** Its name in Settings. */
    val title: String,
    /** Whether it may interrupt (heads-up and sound) rather than sit quietly in the shade. */
    val loud: Boolean,
) {
    /** Offers near the shopper. */
    OFFERS("offers", "Offers near you", loud = true),

    /** The step goal and inactivity nudges. */
    ACTIVITY("activity", "Steps and nudges", loud = false),

    /** Overdue routines and on-the-way reminders. */
    REMINDERS("reminders", "Reminders", loud = false),

    /** The ongoing notification while tracking runs in the foreground. */
    TRACKING("tracking", "Tracking", loud = false),
}

/** A notification the demo posts for an engine event, decided without the platform. */
data class Notice(
    /** The notification id: the offer instance's for an offer, a fixed one per kind otherwise. */
    val id: Int,
    /** Its channel. */
    val channel: NoticeChannel,
    /** The title. */
    val title: String,
    /** The text. */
    val text: String,
    /** The offer a tap opens (null: a tap opens the home screen). */
    val offerInstanceId: Long? = null,
    /** When the notification goes by itself (an offer's claim window end), or null. */
    val expiresAt: Instant? = null,
)

/** Which engine events become notifications, and what they say. */
object Notices {
    /** The step goal's notification id (offer notifications use instance ids, so these stay clear of small ids). */
    const val GOAL_ID = -1

    /** An inactivity nudge's. */
    const val NUDGE_ID = -2

    /** An overdue routine's. */
    const val ROUTINE_ID = -3

    /** An on-the-way reminder's. */
    const val ON_THE_WAY_ID = -4

    /** The tracking service's ongoing notification. */
    const val TRACKING_ID = -5

    /** The notification for [event] at [now], or null when it shows none. */
    fun of(event: KairosEvent, now: Instant): Notice? = when (event) {
        is KairosEvent.OfferTriggered -> Notice(
            event.instanceId.toInt(), NoticeChannel.OFFERS, event.title, Countdown.claimText(event.expiresAt, now),
            offerInstanceId = event.instanceId, expiresAt = event.expiresAt,
        )
        is KairosEvent.StepGoalReached -> Notice(GOAL_ID, NoticeChannel.ACTIVITY, "Goal reached!", "%,d steps today.".format(event.steps))
        is KairosEvent.InactivityNudge ->
            Notice(NUDGE_ID, NoticeChannel.ACTIVITY, "Time for a walk?", "You have been sitting for ${event.minutes} min.")
        is KairosEvent.RoutineOverdue -> Notice(
            ROUTINE_ID, NoticeChannel.REMINDERS, "Time for ${routineName(event.routineId)}?",
            "Your usual visit is ${days(event.daysOverdue)} overdue.",
        )
        is KairosEvent.OnTheWayReminder -> Notice(
            ON_THE_WAY_ID, NoticeChannel.REMINDERS, "On your way: ${routineName(event.merchantId)}",
            "${event.distanceM.toInt()} m ahead, and your usual visit is ${days(event.daysOverdue)} overdue.",
        )
        else -> null
    }

    /** The notification [event] withdraws (an expired offer's), or null. */
    fun withdrawn(event: KairosEvent): Int? = (event as? KairosEvent.OfferExpired)?.instanceId?.toInt()

    /** A routine or merchant id in words: `category:grocery` is "grocery", `corner-cafe` "corner cafe". */
    fun routineName(id: String): String = id.substringAfter(':').replace('-', ' ')

    private fun days(n: Int) = if (n == 1) "1 day" else "$n days"
}
