package dev.kairos.demo.logic

/** A runtime permission the demo asks for, with why, in the shopper's words. */
enum class DemoPermission(
    /** The manifest name, as `Manifest.permission` spells it. */
    val manifestName: String,
    /** The first API level at which it is a runtime permission. */
    val sinceSdk: Int,
    /** Whether tracking cannot start without it. */
    val required: Boolean,
    /** What the shopper gets by granting it. */
    val why: String,
) {
    /** Where the shopper is: visits, steps between places, offers at the door. */
    FINE_LOCATION(
        "android.permission.ACCESS_FINE_LOCATION", 23, required = true,
        "Kairos works out the places you visit and the shops near you, on this phone. Without location it cannot do anything.",
    ),

    /** The step counter sensor. */
    ACTIVITY_RECOGNITION(
        "android.permission.ACTIVITY_RECOGNITION", 29, required = false,
        "Counts your steps towards today's goal. Without it the profile shows no steps.",
    ),

    /** Offers and step-goal messages as notifications. */
    NOTIFICATIONS(
        "android.permission.POST_NOTIFICATIONS", 33, required = false,
        "Tells you when an offer is waiting near you. Without it offers only appear in the app's list.",
    ),

    /** Location while the app is closed, so offers reach you at the shop's door. */
    BACKGROUND_LOCATION(
        "android.permission.ACCESS_BACKGROUND_LOCATION", 29, required = false,
        "Lets the shops you pass wake Kairos when the app is closed. Choose \"Allow all the time\" in the next screen.",
    ),
}

/** What the system knows about one permission, as the app can observe it. */
enum class PermissionState {
    /** Never asked. */
    NOT_ASKED,

    /** Granted. */
    GRANTED,

    /** Refused once; asking again shows the system dialog. */
    DENIED,

    /** Refused for good ("don't ask again", or twice): only the Settings app can grant it. */
    DENIED_FOREVER,
}

/** The next thing the permissions screen does. */
sealed interface PermissionStep {
    /** Explain [permission], then show the system dialog (or Settings when [viaSettings]). */
    data class Ask(val permission: DemoPermission, val viaSettings: Boolean) : PermissionStep

    /** Location was refused for good: tracking needs the shopper to grant it in Settings. */
    data class Blocked(val permission: DemoPermission) : PermissionStep

    /** Every permission was answered; [missing] are the optional ones refused. */
    data class Done(val missing: List<DemoPermission>) : PermissionStep
}

/**
 * The order and rules of Android's runtime permissions for the demo.
 *
 * Location comes first (everything needs it); background location comes last and alone, because
 * Android 11+ only grants it in Settings once foreground location is granted. An optional
 * permission refused for good is skipped: the app works without it, with less.
 */
class PermissionFlow(private val sdkInt: Int) {
    /** The permissions this Android version asks for at run time, in the order they are asked. */
    val permissions: List<DemoPermission> = DemoPermission.entries.filter { sdkInt >= it.sinceSdk }

    /** The next step, given what the system says about each permission (absent: [PermissionState.NOT_ASKED]). */
    fun next(states: Map<DemoPermission, PermissionState>): PermissionStep {
        val missing = mutableListOf<DemoPermission>()
        for (permission in permissions) {
            when (states[permission] ?: PermissionState.NOT_ASKED) {
                PermissionState.GRANTED -> Unit
                PermissionState.NOT_ASKED, PermissionState.DENIED ->
                    return PermissionStep.Ask(permission, viaSettings = needsSettings(permission))
                PermissionState.DENIED_FOREVER ->
                    if (permission.required) return PermissionStep.Blocked(permission) else missing += permission
            }
        }
        return PermissionStep.Done(missing)
    }

    /** Whether tracking may start: location is granted. */
    fun canTrack(states: Map<DemoPermission, PermissionState>): Boolean =
        permissions.filter { it.required }.all { states[it] == PermissionState.GRANTED }

    /** Android 11 (API 30) and later grant background location only from the Settings page. */
    private fun needsSettings(permission: DemoPermission): Boolean =
        permission == DemoPermission.BACKGROUND_LOCATION && sdkInt >= 30
}
