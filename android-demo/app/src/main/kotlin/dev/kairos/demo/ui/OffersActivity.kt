package dev.kairos.demo.ui

import android.graphics.Color
import android.widget.Toast
import dev.kairos.demo.logic.ActionResult
import dev.kairos.demo.logic.OfferRow
import dev.kairos.demo.logic.OfferLink
import dev.kairos.demo.logic.OffersPresenter
import dev.kairos.demo.logic.OpenedOffer
import dev.kairos.demo.logic.QrCode
import dev.kairos.demo.logic.TillCode
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import java.time.Instant

/**
 * The offers the shopper can claim now, with their countdowns (refreshed every 30 s). Opened from
 * an offer notification, that offer comes first ([OfferLink]). "Redeem" shows the signed token as
 * a QR code for the till ([TillCode]) until its window ends or the shopper closes it.
 */
class OffersActivity : Screen() {
    private val presenter by lazy { OffersPresenter(app.engine, app.zone) }
    private var refresher: Job? = null

    /** The token of the offer just redeemed, with its QR code, while it is shown. */
    private var till: Pair<TillCode, QrCode>? = null

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
        till = till?.takeIf { it.first.shownAt(Instant.now()) }
        render {
            till?.let { (code, qr) -> tillCode(code, qr) }
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

    private fun android.widget.LinearLayout.tillCode(code: TillCode, qr: QrCode) {
        heading("At the till")
        paragraph(code.title, size = 18f)
        qr(qr)
        paragraph(code.caption)
        paragraph(code.typed, size = 11f).apply { setTextIsSelectable(true) }
        button("Done") {
            till = null
            refresh()
        }
    }

    // The QR code is encoded off the main thread, with the redeem.
    private fun act(call: () -> ActionResult) = load({
        val result = call()
        result to (result as? ActionResult.Redeemed)?.let { QrCode.encode(it.code.qrPayload) }
    }) { (result, qr) ->
        if (result is ActionResult.Redeemed && qr != null) till = result.code to qr
        val message = when (result) {
            is ActionResult.Done -> result.message
            is ActionResult.Redeemed -> result.message
            is ActionResult.Refused -> result.message
        }
        Toast.makeText(this, message, Toast.LENGTH_LONG).show()
        refresh()
    }
}
