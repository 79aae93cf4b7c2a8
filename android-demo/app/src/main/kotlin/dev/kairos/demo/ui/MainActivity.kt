package dev.kairos.demo.ui

import android.content.Intent
import android.os.Bundle
import dev.kairos.demo.logic.DemoPermission
import dev.kairos.demo.logic.PermissionFlow
import dev.kairos.demo.tracking.TrackingService
import java.time.Instant

/** Home: today's steps at a glance, the engine's sensing plan, tracking on or off, and the way to every screen. */
class MainActivity : Screen() {
    private val prefs by lazy { getSharedPreferences("demo", MODE_PRIVATE) }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = "Kairos"
    }

    override fun onResume() {
        super.onResume()
        load({ app.engine.today(Instant.now()) }) { today ->
            val tracking = prefs.getBoolean(TRACKING, false) && canTrack()
            render {
                heading("Today")
                paragraph("%,d of %,d steps".format(today.steps, today.goal), size = 20f)
                paragraph(app.sensing.line)
                button(if (tracking) "Stop tracking" else "Start tracking") { toggleTracking(tracking) }
                button("Offers near you") { open(OffersActivity::class.java) }
                button("My profile") { open(ProfileActivity::class.java) }
                button("Privacy and my data") { open(PrivacyActivity::class.java) }
                button("Permissions") { open(PermissionsActivity::class.java) }
                button("QA replay") { open(ReplayActivity::class.java) }
            }
        }
    }

    private fun toggleTracking(tracking: Boolean) {
        when {
            tracking -> TrackingService.stop(this)
            !canTrack() -> return open(PermissionsActivity::class.java)
            else -> TrackingService.start(this)
        }
        prefs.edit().putBoolean(TRACKING, !tracking).apply()
        onResume()
    }

    private fun canTrack() =
        PermissionFlow(android.os.Build.VERSION.SDK_INT).canTrack(PermissionsActivity.states(this, DemoPermission.entries))

    private fun open(screen: Class<*>) = startActivity(Intent(this, screen))

    private companion object {
        const val TRACKING = "tracking"
    }
}
