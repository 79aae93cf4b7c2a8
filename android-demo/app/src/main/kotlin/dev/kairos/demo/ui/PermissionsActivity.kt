package dev.kairos.demo.ui

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import android.provider.Settings
import dev.kairos.demo.logic.DemoPermission
import dev.kairos.demo.logic.PermissionFlow
import dev.kairos.demo.logic.PermissionState
import dev.kairos.demo.logic.PermissionStep

/**
 * Explains each permission before the system asks for it, one at a time, in the order
 * [PermissionFlow] gives; "Not now" skips an optional one.
 */
class PermissionsActivity : Screen() {
    private val flow = PermissionFlow(Build.VERSION.SDK_INT)

    override fun onResume() {
        super.onResume()
        title = "Permissions"
        show(flow.next(states(this, flow.permissions)))
    }

    private fun show(step: PermissionStep) = render {
        when (step) {
            is PermissionStep.Ask -> {
                heading(step.permission.name.lowercase().replace('_', ' ').replaceFirstChar(Char::uppercase))
                paragraph(step.permission.why)
                button(if (step.viaSettings) "Open settings" else "Continue") { ask(step) }
                if (!step.permission.required) button("Not now") { skip(step.permission) }
            }
            is PermissionStep.Blocked -> {
                heading("Location is off")
                paragraph("${step.permission.why}\n\nTurn on location for Kairos in Settings.")
                button("Open settings") { openSettings() }
            }
            is PermissionStep.Done -> {
                heading("All set")
                paragraph(
                    if (step.missing.isEmpty()) "Kairos has everything it needs."
                    else "Kairos works, with less: " + step.missing.joinToString("; ") { it.why },
                )
                button("Done") { finish() }
            }
        }
    }

    private fun ask(step: PermissionStep.Ask) {
        prefs(this).edit().putBoolean(step.permission.name, true).apply()
        if (step.viaSettings) openSettings() else requestPermissions(arrayOf(step.permission.manifestName), 1)
    }

    private fun skip(permission: DemoPermission) {
        prefs(this).edit().putBoolean(SKIPPED + permission.name, true).apply()
        onResume()
    }

    private fun openSettings() =
        startActivity(Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", packageName, null)))

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) =
        onResume()

    companion object {
        private const val SKIPPED = "skipped:"

        private fun prefs(context: Context) = context.getSharedPreferences("permissions", MODE_PRIVATE)

        /**
         * What the system says about each of [permissions]. Android does not say "refused for good"
         * directly: a permission asked before whose rationale the system no longer wants shown is.
         */
        fun states(activity: Activity, permissions: List<DemoPermission>): Map<DemoPermission, PermissionState> =
            permissions.associateWith {
                val prefs = prefs(activity)
                when {
                    activity.checkSelfPermission(it.manifestName) == PackageManager.PERMISSION_GRANTED -> PermissionState.GRANTED
                    prefs.getBoolean(SKIPPED + it.name, false) -> PermissionState.DENIED_FOREVER
                    !prefs.getBoolean(it.name, false) -> PermissionState.NOT_ASKED
                    activity.shouldShowRequestPermissionRationale(it.manifestName) -> PermissionState.DENIED
                    else -> PermissionState.DENIED_FOREVER
                }
            }
    }
}
