package dev.kairos.demo.offers

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import dev.kairos.KairosEvent
import dev.kairos.android.ForegroundNotice
import dev.kairos.demo.logic.Notice
import dev.kairos.demo.logic.NoticeChannel
import dev.kairos.demo.logic.Notices
import dev.kairos.demo.logic.OfferLink
import dev.kairos.demo.service
import dev.kairos.demo.ui.MainActivity
import dev.kairos.demo.ui.OffersActivity
import java.time.Duration
import java.time.Instant

/**
 * Turns the engine's events into notifications ([Notices] decides which and what they say):
 * offers (a tap or "Redeem at the till" opens that offer, where Redeem shows the QR code; a
 * Dismiss button), goals, nudges, overdue routines and
 * on-the-way reminders. [presented] is told when an offer was really shown (not when the shopper
 * blocked notifications).
 */
class OfferNotifier(private val context: Context, private val presented: (Long, Instant) -> Unit) {
    private val manager = context.service<NotificationManager>()

    init {
        for (channel in NoticeChannel.entries) {
            val importance = if (channel.loud) NotificationManager.IMPORTANCE_HIGH else NotificationManager.IMPORTANCE_LOW
            manager.createNotificationChannel(NotificationChannel(channel.id, channel.title, importance))
        }
    }

    /** Called for every engine event, on a worker thread. */
    fun onEvent(event: KairosEvent) {
        Notices.withdrawn(event)?.let { manager.cancel(it) }
        val now = Instant.now()
        val notice = Notices.of(event, now) ?: return
        if (!manager.areNotificationsEnabled()) return // blocked: nothing shown, nothing reported
        manager.notify(notice.id, build(notice, now))
        notice.offerInstanceId?.let { presented(it, now) }
    }

    private fun build(notice: Notice, now: Instant): Notification {
        val builder = Notification.Builder(context, notice.channel.id)
            .setSmallIcon(if (notice.offerInstanceId != null) android.R.drawable.ic_dialog_map else android.R.drawable.ic_dialog_info)
            .setContentTitle(notice.title)
            .setContentText(notice.text)
            .setAutoCancel(true)
        val offer = notice.offerInstanceId
        if (offer == null) {
            builder.setContentIntent(open(Intent(context, MainActivity::class.java), 0))
        } else {
            val intent = Intent(context, OffersActivity::class.java).putExtra(OfferLink.EXTRA_OFFER, offer)
            val openOffer = open(intent, OfferLink.requestCode(offer))
            builder.setContentIntent(openOffer)
                .addAction(Notification.Action.Builder(null, "Redeem at the till", openOffer).build())
                .addAction(action(offer, OfferActionReceiver.DISMISS, "Dismiss"))
            notice.expiresAt?.let { builder.setTimeoutAfter(Duration.between(now, it).toMillis().coerceAtLeast(1)) }
        }
        return builder.build()
    }

    private fun open(intent: Intent, requestCode: Int): PendingIntent =
        PendingIntent.getActivity(context, requestCode, intent, PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT)

    private fun action(id: Long, verb: String, label: String): Notification.Action {
        val intent = Intent(context, OfferActionReceiver::class.java).setAction(verb).putExtra(OfferActionReceiver.EXTRA_ID, id)
        val pending = PendingIntent.getBroadcast(context, id.toInt(), intent, PendingIntent.FLAG_IMMUTABLE)
        return Notification.Action.Builder(null, label, pending).build()
    }

    companion object {
        /** The ongoing notification of Kairos's foreground service, on the demo's tracking channel. */
        fun trackingNotice(context: Context) = ForegroundNotice(
            channelId = NoticeChannel.TRACKING.id,
            title = "Kairos is on",
            text = "Counting steps and looking out for offers near you.",
            smallIcon = android.R.drawable.ic_menu_mylocation,
            contentIntent = PendingIntent.getActivity(context, 0, Intent(context, MainActivity::class.java), PendingIntent.FLAG_IMMUTABLE),
            notificationId = Notices.TRACKING_ID,
        )
    }
}
