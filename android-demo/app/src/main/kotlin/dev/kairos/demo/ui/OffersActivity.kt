package dev.kairos.demo.ui

import android.graphics.Color
import android.widget.Toast
import dev.kairos.demo.logic.ActionResult
import dev.kairos.demo.logic.OfferRow
import dev.kairos.demo.logic.OfferLink
import dev.kairos.demo.logic.OffersPresenter
import dev.kairos.demo.logic.OpenedOffer
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import java.time.Instant

/**
 * The offers the shopper can claim now, with their countdowns (refreshed every 30 s). Opened from
 * an offer notification, that offer comes first ([OfferLink]).
 */
class OffersActivity : Screen() {
    private val presenter by lazy { OffersPresenter(app.engine) }
    private var refresher: Job? = null

    /** The offer a notification opened, if any. */
    private var opened: Long? = null

    override fun onNewIntent(intent: android.content.Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
    }

    override fun onResume() {
        opened = OfferLink.instanceId(intent.getLongExtra(OfferLink.EXTRA_OFFER, -1))
        super.onResume()
        title = "Offers"
        refresher = scope.launch {
            while (true) {
                refresh()
                delay(30_000)
            }
        }
    }

    override fun onPause() {
        refresher?.cancel()
        super.onPause()
    }

    private fun refresh() = load({
        val now = Instant.now()
        opened?.let { presenter.open(it, now) } to presenter.load(now)
    }) { (first, all) ->
        val rows = if (first is OpenedOffer.Claimable) all.filter { it.id != first.row.id } else all
        render {
            when (first) {
                is OpenedOffer.Claimable -> offer(first.row)
                is OpenedOffer.Gone -> paragraph(first.message)
                null -> Unit
            }
            heading("Offers near you")
            if (rows.isEmpty()) paragraph("Nothing right now. Offers appear here when you are near a partner shop.")
            rows.forEach { offer(it) }
        }
    }

    private fun android.widget.LinearLayout.offer(row: OfferRow) {
        paragraph(row.title, size = 18f)
        paragraph(row.body)
        paragraph(row.countdown, size = 14f).apply { if (row.urgent) setTextColor(Color.RED) }
        row {
            button("Redeem") { act { presenter.redeem(row.id, Instant.now()) } }
            button("Dismiss") { act { presenter.dismiss(row.id, Instant.now()) } }
        }
    }

    private fun act(call: () -> ActionResult) = load(call) { result ->
        val message = when (result) {
            is ActionResult.Done -> result.message
            is ActionResult.Refused -> result.message
        }
        Toast.makeText(this, message, Toast.LENGTH_LONG).show()
        refresh()
    }
}
