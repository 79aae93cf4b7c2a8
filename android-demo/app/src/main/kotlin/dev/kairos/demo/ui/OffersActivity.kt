package dev.kairos.demo.ui

import android.graphics.Color
import android.widget.Toast
import dev.kairos.demo.logic.ActionResult
import dev.kairos.demo.logic.OfferRow
import dev.kairos.demo.logic.OffersPresenter
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import java.time.Instant

/** The offers the shopper can claim now, with their countdowns (refreshed every 30 s). */
class OffersActivity : Screen() {
    private val presenter by lazy { OffersPresenter(app.engine) }
    private var refresher: Job? = null

    override fun onResume() {
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

    private fun refresh() = load({ presenter.load(Instant.now()) }) { rows ->
        render {
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
