package dev.kairos.demo.ui

import android.app.AlertDialog
import android.content.Intent
import android.widget.Switch
import dev.kairos.demo.logic.Privacy
import dev.kairos.demo.logic.PrivacyPresenter
import java.time.Instant

/** Consent per purpose, the ledger of choices, what waits to leave, export and erase. */
class PrivacyActivity : Screen() {
    private val presenter by lazy { PrivacyPresenter(app.engine, app.zone) }

    override fun onResume() {
        super.onResume()
        title = "Privacy"
        refresh()
    }

    private fun refresh() {
        load(presenter::load, ::show)
    }

    private fun show(privacy: Privacy): Unit = render {
        heading("What you share")
        paragraph("Everything stays on this phone unless you switch a purpose on. Then one summary a day is sent.")
        privacy.purposes.forEach { row ->
            addView(Switch(context).apply {
                text = row.title
                textSize = 18f
                isChecked = row.granted
                setOnCheckedChangeListener { _, on -> load({ presenter.setConsent(row.purpose, on, Instant.now()) }) { refresh() } }
            })
            paragraph(row.shares, size = 14f)
        }
        paragraph(privacy.outbox)
        heading("Your choices")
        if (privacy.ledger.isEmpty()) paragraph("You have not chosen yet: everything is off.")
        privacy.ledger.forEach { paragraph(it, size = 14f) }
        heading("Your data")
        button("Export my data") { export() }
        button("Erase my data") { confirmErase() }
    }

    // The export holds raw coordinates: it goes only where the shopper sends it.
    private fun export() = load(presenter::export) { json ->
        val send = Intent(Intent.ACTION_SEND).setType("application/json").putExtra(Intent.EXTRA_TEXT, json)
        startActivity(Intent.createChooser(send, "Export my data"))
    }

    private fun confirmErase() = AlertDialog.Builder(this)
        .setTitle("Erase everything?")
        .setMessage("Your steps, visits, routines and offers are deleted from this phone, and the server is asked to delete what it has.")
        .setPositiveButton("Erase") { _, _ -> load({ presenter.erase(Instant.now()) }) { refresh() } }
        .setNegativeButton("Cancel", null)
        .show()
}
