package dev.kairos.demo.logic

import dev.kairos.LocationFix
import java.time.Instant
import kotlin.math.cos

/** Synthetic walks around the shop street of `tests/scenarios/shop-street.catalog.json`. */
object Walks {
    /** The Corner Café's fence centre (60 m radius; its offer fires on entry, 07:00–22:00). */
    const val CAFE_LAT = 37.33
    const val CAFE_LON = -121.9

    /** 10:00 on Tuesday 24 November 2026 in Los Angeles. */
    val TEN_AM: Instant = Fixtures.at("2026-11-24T10:00:00-08:00")

    /** A fix [north] metres north of the café, [seconds] after [start], at walking pace. */
    fun fix(start: Instant, seconds: Long, north: Double, east: Double = 0.0) = LocationFix(
        start.plusSeconds(seconds),
        CAFE_LAT + north / 111_320.0,
        CAFE_LON + east / (111_320.0 * cos(Math.toRadians(CAFE_LAT))),
        8.0,
        1.3,
    )

    /**
     * From 250 m west of the café into it (fixes every 10 s at 1.3 m/s), then 10 minutes inside.
     * West, because the Night Owl lies 222 m south and the bakery 350 m west.
     */
    fun intoCafe(start: Instant = TEN_AM): List<LocationFix> {
        val walk = (0..19).map { fix(start, it * 10L, 0.0, east = -250.0 + it * 13.0) }
        val inside = (1..60).map { fix(start, 190 + it * 10L, 0.0).copy(speedMps = 0.0) }
        return walk + inside
    }
}
