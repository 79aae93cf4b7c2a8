package dev.kairos.android

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent

/**
 * Re-arms Kairos after a reboot (which clears location requests, proximity alerts and sensor
 * listeners) or an app update: when tracking was on, [Kairos.rearm] starts it again. Declared in
 * the library's manifest for `BOOT_COMPLETED` and `MY_PACKAGE_REPLACED`.
 *
 * The app's `Application.onCreate` runs first and must call [Kairos.initialize] (or
 * [Kairos.start]): the sealing key and the configuration are the app's.
 */
class BootReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action == Intent.ACTION_BOOT_COMPLETED || intent.action == Intent.ACTION_MY_PACKAGE_REPLACED) {
            Kairos.rearm(context)
        }
    }
}

/**
 * The device's time zone changed (the shopper travelled): the engine cuts local days in the new
 * zone from now on ([Kairos.onTimeZoneChanged], `Engine.setTimeZone`). Declared in the
 * library's manifest for `TIMEZONE_CHANGED` (allowed to manifest receivers on every release).
 */
class TimeZoneReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action != Intent.ACTION_TIMEZONE_CHANGED) return
        Kairos.onTimeZoneChanged(intent.getStringExtra(Intent.EXTRA_TIMEZONE) ?: java.util.TimeZone.getDefault().id)
    }
}
