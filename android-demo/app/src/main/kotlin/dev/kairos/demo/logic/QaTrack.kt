package dev.kairos.demo.logic

import dev.kairos.LocationFix
import dev.kairos.parseTrack

/**
 * A recorded track bundled with the app for QA replay (the files of `tests/tracks`, which the
 * simulator's scenarios in `tests/scenarios` use too), with the catalog its shops come from.
 */
data class QaTrack(
    /** What the track shows, for the picker. */
    val title: String,
    /** The track's asset path: `.gpx` or `.csv`. */
    val file: String,
    /** The signed catalog envelope to load first (asset path), or null for none. */
    val catalog: String?,
    /** The time zone the track was recorded in. */
    val timeZone: String,
) {
    /**
     * The fixes of the track's [text], read by the engine's parser for its extension (CSV, GPX,
     * GeoJSON); throws `KairosException.InvalidInput` naming the file, line or element and reason.
     */
    fun parse(text: String): List<LocationFix> = parseTrack(file, text)

    companion object {
        /** The tracks the app bundles. */
        val ALL = listOf(
            QaTrack(
                "Driving past Drive-Thru Burgers (GPX)", "tracks/drive-past-drive-thru.gpx",
                "catalogs/shop-street.signed.json", "America/Los_Angeles",
            ),
            QaTrack("A day in Los Angeles (CSV, no catalog)", "tracks/sample-day.csv", null, "America/Los_Angeles"),
        )

        /** The key id the bundled catalogs are signed with (`tests/catalogs/test-key.pub`). */
        const val CATALOG_KEY_ID = "test-key"

        /** The asset holding that key's raw public key, in base64. */
        const val CATALOG_KEY_FILE = "catalogs/test-key.pub"
    }
}
