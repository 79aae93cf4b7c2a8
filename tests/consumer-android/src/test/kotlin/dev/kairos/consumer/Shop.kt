package dev.kairos.consumer

import dev.kairos.CatalogKey
import dev.kairos.EngineConfig
import dev.kairos.LocationFix
import java.io.File
import java.nio.file.Files
import java.time.Instant
import java.util.Base64
import kotlin.math.cos

/** The workspace's signed shop-street catalog (`tests/catalogs`) and a walk into its café. */
object Shop {
    private val tests = File(System.getProperty("kairos.tests.dir") ?: "..")

    /** The signed catalog envelope. */
    val catalog: ByteArray get() = File(tests, "catalogs/shop-street.signed.json").readBytes()

    /** The key it is signed with. */
    val key = CatalogKey("test-key", Base64.getDecoder().decode(File(tests, "catalogs/test-key.pub").readText().trim()))

    /** 10:00 on Tuesday 24 November 2026 in Los Angeles. */
    val TEN_AM: Instant = Instant.parse("2026-11-24T18:00:00Z")

    /** The Corner Café's fence centre (its offer fires on entry, 07:00 to 22:00). */
    const val CAFE_LAT = 37.33
    const val CAFE_LON = -121.9

    /** From 250 m west of the café into it, fixes every 10 s at walking pace, then 10 minutes inside. */
    fun walkIntoCafe(): List<LocationFix> {
        val metresPerDegreeLon = 111_320.0 * cos(Math.toRadians(CAFE_LAT))
        val walk = (0..19).map { LocationFix(TEN_AM.plusSeconds(it * 10L), CAFE_LAT, CAFE_LON + (-250.0 + it * 13.0) / metresPerDegreeLon, 8.0, 1.3) }
        val inside = (1..60).map { LocationFix(TEN_AM.plusSeconds(190 + it * 10L), CAFE_LAT, CAFE_LON, 8.0, 0.0) }
        return walk + inside
    }

    /** An engine configuration in a fresh directory that trusts the catalog. */
    fun config(): EngineConfig = EngineConfig(
        dataDir = Files.createTempDirectory("kairos-consumer").toString(),
        timeZone = "America/Los_Angeles",
        sealingKey = ByteArray(32) { 5 },
        catalogKeys = listOf(key),
    )
}
