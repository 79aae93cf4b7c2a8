package dev.kairos.demo.ui

import android.widget.ProgressBar
import dev.kairos.demo.logic.ProfilePresenter
import java.time.Instant

/** Today's steps against the goal, today's visits, and the routines learned. */
class ProfileActivity : Screen() {
    override fun onResume() {
        super.onResume()
        title = "My profile"
        load({ ProfilePresenter(app.engine, app.zone).load(Instant.now()) }) { profile ->
            render {
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
        }
    }
}
