package dev.kairos.demo.ui

import android.text.Editable
import android.text.TextWatcher
import android.widget.EditText
import android.widget.ProgressBar
import dev.kairos.demo.logic.FriendsOutcome
import dev.kairos.demo.logic.FriendsPanel
import dev.kairos.demo.logic.FriendsPresenter
import dev.kairos.demo.logic.Profile
import dev.kairos.demo.logic.ProfilePresenter
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import java.time.Instant

/**
 * Today's steps against the goal, today's visits, the routines learned, and friends: invite a
 * friend or accept an invite, while the purpose `social` is granted ([FriendsPresenter] decides).
 */
class ProfileActivity : Screen() {
    private val friends by lazy { FriendsPresenter(app.engine, app.syncOptions, app.transport) }

    /** The last invite or accept, shown under the buttons. */
    private var outcome: FriendsOutcome? = null

    /** The friend's code as typed (kept across renders). */
    private var typed = ""

    /** An invite or accept is under way: both buttons wait. */
    private var busy = false

    override fun onResume() {
        super.onResume()
        title = "My profile"
        refresh()
    }

    private fun refresh() = load({ ProfilePresenter(app.engine, app.zone).load(Instant.now()) to friends.panel() }) { (profile, panel) ->
        render {
            show(profile)
            friends(panel)
        }
    }

    private fun android.widget.LinearLayout.show(profile: Profile) {
        heading("Steps today")
        paragraph(profile.steps, size = 20f)
        addView(ProgressBar(context, null, android.R.attr.progressBarStyleHorizontal).apply {
            max = 100
            progress = profile.progressPercent
        })
        paragraph(profile.goalLine)
        heading("Visits today")
        if (profile.visits.isEmpty()) paragraph("None yet.")
        profile.visits.forEach { paragraph(it) }
        heading("Routines")
        if (profile.routines.isEmpty()) paragraph("Kairos learns your routines after a few weeks of visits.")
        profile.routines.forEach { paragraph(it) }
    }

    private fun android.widget.LinearLayout.friends(panel: FriendsPanel) {
        heading("Friends")
        paragraph(panel.explanation)
        button("Invite a friend") { attempt { friends.invite() } }.isEnabled = FriendsPresenter.canInvite(panel, busy)
        val field = EditText(context).apply {
            hint = "A friend's code"
            setText(typed)
            isEnabled = panel.enabled && !busy
        }
        addView(field)
        val accept = button("Accept an invite") { attempt { friends.accept(typed) } }
        accept.isEnabled = FriendsPresenter.canAccept(panel, typed, busy)
        field.addTextChangedListener(object : TextWatcher {
            override fun beforeTextChanged(s: CharSequence?, start: Int, count: Int, after: Int) = Unit
            override fun onTextChanged(s: CharSequence?, start: Int, before: Int, count: Int) = Unit
            override fun afterTextChanged(s: Editable?) {
                typed = s?.toString().orEmpty()
                accept.isEnabled = FriendsPresenter.canAccept(panel, typed, busy)
            }
        })
        when (val last = outcome) {
            is FriendsOutcome.Invited -> paragraph(last.code, size = 28f).setTextIsSelectable(true)
            else -> Unit
        }
        outcome?.let { paragraph(it.message) }
    }

    private fun attempt(call: suspend () -> FriendsOutcome) {
        busy = true
        refresh()
        scope.launch {
            val result = withContext(Dispatchers.IO) { call() }
            outcome = result
            if (result is FriendsOutcome.Linked) typed = ""
            busy = false
            refresh()
        }
    }
}
