package dev.kairos.demo.offers

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import dev.kairos.KairosEvent
import dev.kairos.demo.KairosDemoApp
import dev.kairos.demo.logic.Countdown
import dev.kairos.demo.service
import dev.kairos.demo.ui.OffersActivity
import java.time.Duration
import java.time.Instant

/** Turns the engine's events into notifications: offers (with Redeem and Dismiss), goals, nudges. */
class OfferNotifier(private val context: Context) {
    private val manager = context.service<NotificationManager>()

    init {
        manager.createNotificationChannel(NotificationChannel(OFFERS, "Offers near you", NotificationManager.IMPORTANCE_HIGH))
        manager.createNotificationChannel(NotificationChannel(ACTIVITY, "Steps and nudges", NotificationManager.IMPORTANCE_DEFAULT))
    }

    /** Called by the engine's listener, on a Kairos or worker thread. */
    fun onEvent(event: KairosEvent) {
        when (event) {
            is KairosEvent.OfferTriggered -> showOffer(event)
            is KairosEvent.OfferExpired -> manager.cancel(event.instanceId.toInt())
            is KairosEvent.StepGoalReached -> show(GOAL_ID, ACTIVITY, "Goal reached!", "%,d steps today.".format(event.steps))
            is KairosEvent.InactivityNudge -> show(NUDGE_ID, ACTIVITY, "Time for a walk?", "You have been sitting for ${event.minutes} min.")
            else -> Unit
        }
    }

    private fun showOffer(event: KairosEvent.OfferTriggered) {
        val now = Instant.now()
        val id = event.instanceId
        val notification = Notification.Builder(context, OFFERS)
            .setSmallIcon(android.R.drawable.ic_dialog_map)
            .setContentTitle(event.title)
            .setContentText(Countdown.claimText(event.expiresAt, now))
            .setContentIntent(openOffers())
            .setAutoCancel(true)
            .setTimeoutAfter(Duration.between(now, event.expiresAt).toMillis().coerceAtLeast(1))
            .addAction(action(id, OfferActionReceiver.REDEEM, "Redeem"))
            .addAction(action(id, OfferActionReceiver.DISMISS, "Dismiss"))
            .build()
        manager.notify(id.toInt(), notification)
        val app = context.applicationContext as KairosDemoApp
        runCatching { app.engine.presented(id, now) }
    }

    private fun show(id: Int, channel: String, title: String, text: String) {
        val notification = Notification.Builder(context, channel)
            .setSmallIcon(android.R.drawable.ic_dialog_info)
            .setContentTitle(title)
            .setContentText(text)
            .setAutoCancel(true)
            .build()
        manager.notify(id, notification)
    }

    private fun openOffers(): PendingIntent = PendingIntent.getActivity(
        context, 0, Intent(context, OffersActivity::class.java), PendingIntent.FLAG_IMMUTABLE,
    )

    private fun action(id: Long, verb: String, label: String): Notification.Action {
        val intent = Intent(context, OfferActionReceiver::class.java).setAction(verb).putExtra(OfferActionReceiver.EXTRA_ID, id)
        val pending = PendingIntent.getBroadcast(context, id.toInt(), intent, PendingIntent.FLAG_IMMUTABLE)
        return Notification.Action.Builder(null, label, pending).build()
    }

    companion object {
        /** The offers channel. */
        const val OFFERS = "offers"

        /** The steps and nudges channel. */
        const val ACTIVITY = "activity"

        // Offer notifications use the instance id; these stay clear of small ids.
        private const val GOAL_ID = -1
        private const val NUDGE_ID = -2
    }
}
