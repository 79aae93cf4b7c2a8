package dev.kairos.demo.ui

import android.content.Intent
import android.os.Bundle
import dev.kairos.demo.logic.DemoPermission
import dev.kairos.demo.logic.PermissionFlow
import android.widget.Toast
import dev.kairos.android.ForegroundStart
import dev.kairos.android.Kairos
import dev.kairos.android.KairosForegroundService
import dev.kairos.demo.offers.OfferNotifier
import java.time.Instant

/** Home: today's steps at a glance, the engine's sensing plan, tracking on or off, and the way to every screen. */
class MainActivity : Screen() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        title = "Kairos"
    }

    override fun onResume() {
        super.onResume()
        load({ app.engine.today(Instant.now()) }) { today ->
            val tracking = Kairos.status().tracking && canTrack()
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
            tracking -> KairosForegroundService.stop(this)
            !canTrack() -> return open(PermissionsActivity::class.java)
            // Kairos's foreground service, with the demo's notification on its own channel.
            KairosForegroundService.start(this, OfferNotifier.trackingNotice(this)) == ForegroundStart.NEEDS_LOCATION_PERMISSION ->
                Toast.makeText(this, "Precise location is needed to track", Toast.LENGTH_LONG).show()
        }
        onResume()
    }

    private fun canTrack() =
        PermissionFlow(android.os.Build.VERSION.SDK_INT).canTrack(PermissionsActivity.states(this, DemoPermission.entries))

    private fun open(screen: Class<*>) = startActivity(Intent(this, screen))
}
