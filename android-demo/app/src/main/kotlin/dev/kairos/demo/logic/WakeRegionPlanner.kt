package dev.kairos.demo.logic

import dev.kairos.EngineInterface
import dev.kairos.WakeRegion
import kotlin.math.asin
import kotlin.math.cos
import kotlin.math.max
import kotlin.math.sin
import kotlin.math.sqrt

/** A circle to register with the OS: the place's id, centre and radius. */
data class OsRegion(val id: String, val lat: Double, val lon: Double, val radiusM: Double)

/** The regions to register and when to ask again. */
data class RegionPlan(
    /** Nearest first. */
    val regions: List<OsRegion>,
    /** Register again once the phone is this far from where the plan was made. */
    val refreshAfterM: Double,
)

/**
 * Which catalog places the OS watches so it wakes the app near them. The OS only watches a few
 * circles (iOS 20 per app; this demo uses 20 on Android too, where the platform's proximity
 * alerts cost battery each), so the app registers the nearest ones and asks again after moving
 * half way towards the farthest of them.
 */
class WakeRegionPlanner(
    /** Most regions registered at once. */
    private val limit: Int,
    /** Smallest radius the OS handles well (100 m on Android, about 100 m on iOS). */
    private val minRadiusM: Double = 100.0,
    /** Largest radius the OS accepts. */
    private val maxRadiusM: Double = 50_000.0,
) {
    private var lastLat = Double.NaN
    private var lastLon = Double.NaN
    private var refreshAfterM = 0.0

    /** The new plan at ([lat], [lon]) if the phone moved enough since the last one, else null. */
    fun planIfMoved(engine: EngineInterface, lat: Double, lon: Double): RegionPlan? {
        if (!lastLat.isNaN() && distanceM(lastLat, lastLon, lat, lon) < refreshAfterM) return null
        val p = plan(engine.wakeRegions(lat, lon, limit))
        lastLat = lat
        lastLon = lon
        refreshAfterM = p.refreshAfterM
        return p
    }

    /** The plan for [regions], as the engine returned them (nearest first). */
    fun plan(regions: List<WakeRegion>): RegionPlan {
        val chosen = regions.take(limit).map {
            OsRegion(it.placeId, it.lat, it.lon, it.radiusM.coerceIn(minRadiusM, maxRadiusM))
        }
        val farthest = regions.take(limit).maxOfOrNull { it.distanceM } ?: 0.0
        return RegionPlan(chosen, refreshAfterM = max(MIN_REFRESH_M, farthest / 2))
    }

    companion object {
        /** Never re-register for moves under this. */
        const val MIN_REFRESH_M = 500.0

        /** Great-circle distance in metres. */
        fun distanceM(lat1: Double, lon1: Double, lat2: Double, lon2: Double): Double {
            val dLat = Math.toRadians(lat2 - lat1)
            val dLon = Math.toRadians(lon2 - lon1)
            val a = sin(dLat / 2).let { it * it } +
                cos(Math.toRadians(lat1)) * cos(Math.toRadians(lat2)) * sin(dLon / 2).let { it * it }
            return 2 * 6_371_000.0 * asin(sqrt(a))
        }
    }
}
