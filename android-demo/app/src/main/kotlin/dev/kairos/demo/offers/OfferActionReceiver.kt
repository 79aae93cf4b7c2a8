package dev.kairos.demo.offers

import android.app.NotificationManager
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.widget.Toast
import dev.kairos.demo.KairosDemoApp
import dev.kairos.demo.logic.ActionResult
import dev.kairos.demo.logic.OffersPresenter
import dev.kairos.demo.service
import kotlinx.coroutines.launch
import java.time.Instant

/**
 * The Dismiss button of an offer notification. (Its "Redeem at the till" button opens the offer
 * instead: redeeming shows the token the till scans, which a notification cannot.)
 */
class OfferActionReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val id = intent.getLongExtra(EXTRA_ID, -1)
        if (id < 0 || intent.action != DISMISS) return
        val app = context.applicationContext as KairosDemoApp
        val pending = goAsync()
        app.scope.launch {
            try {
                val result = OffersPresenter(app.engine, app.zone).dismiss(id, Instant.now())
                context.service<NotificationManager>().cancel(id.toInt())
                val message = when (result) {
                    is ActionResult.Done -> result.message
                    is ActionResult.Redeemed -> result.message
                    is ActionResult.Refused -> result.message
                }
                android.os.Handler(context.mainLooper).post { Toast.makeText(context, message, Toast.LENGTH_LONG).show() }
            } finally {
                pending.finish()
            }
        }
    }

    companion object {
        /** The action that dismisses. */
        const val DISMISS = "dev.kairos.demo.DISMISS"

        /** The offer instance's id (a Long). */
        const val EXTRA_ID = "instance_id"
    }
}
