package dev.kairos

import java.nio.file.Files
import java.nio.file.Path
import java.time.Instant
import java.util.Base64
import kotlin.math.cos

/**
 * The signed example catalog (`tests/catalogs`): the mall in San Jose of the
 * canonical day, with the boutique Maison Lumière (open 10:00–21:00 on
 * weekdays, America/Los_Angeles; offer `maison-lumiere-20-off`, claimable for
 * 3 hours), the food court and a grocery store nearby.
 */
object Mall {
    const val BOUTIQUE_OFFER = "maison-lumiere-20-off"
    const val BOUTIQUE = "maison-lumiere-valley-mall"
    const val FOOD_COURT = "valley-food-court-main"
    const val GROCERY = "fresh-market-stevens-creek"

    /** The boutique's polygon spans latitudes 37.32555..37.32580 and longitudes -121.94600..-121.94560. */
    private const val MID_LAT = 37.325675
    private const val WEST_EDGE_LON = -121.946
    private val metresPerDegreeLon = 111_320.0 * cos(Math.toRadians(MID_LAT))

    /** The workspace root: Maven runs the tests in `bindings/kotlin`. */
    private val repo: Path = generateSequence(Path.of("").toAbsolutePath()) { it.parent }
        .first { Files.exists(it.resolve("tests/catalogs/example.signed.json")) }

    /** The signed envelope's file. */
    val catalogPath: Path = repo.resolve("tests/catalogs/example.signed.json")

    /** The signed envelope, as the backend serves it. */
    val envelope: ByteArray get() = Files.readAllBytes(catalogPath)

    /** The key that signed it. */
    val key = CatalogKey(
        keyId = "test-key",
        publicKey = Base64.getDecoder().decode(Files.readString(repo.resolve("tests/catalogs/test-key.pub")).trim()),
    )

    /** `hh:mm` on Tuesday 2026-11-24 in Los Angeles. */
    fun at(hhmm: String): Instant = Fixtures.at("2026-11-24T$hhmm:00-08:00")

    /** An engine in [dir] trusting [keys], with a fixed install id. */
    fun open(dir: Path, keys: List<CatalogKey> = listOf(key)): Engine =
        Engine.open(EngineConfig(dataDir = dir.toString(), timeZone = Fixtures.TZ, sealingKey = Fixtures.KEY, catalogKeys = keys, installId = "kotlin-tests"))

    /** An engine with the catalog loaded at 10:00. */
    fun openLoaded(dir: Path): Engine = open(dir).also { it.loadCatalog(envelope, at("10:00")) }

    /**
     * A straight walk due east across the boutique, along its middle: from 60 m
     * west of its west edge to 20 m past its east edge (short of the food
     * court), at 1.3 m/s, a fix every 5 s, accuracy 8 m.
     */
    fun walk(start: Instant): List<LocationFix> =
        generateSequence(0L) { it + 5 }
            .map { s -> s to -60.0 + 1.3 * s }
            .takeWhile { (_, x) -> x <= 55.0 }
            .map { (s, x) ->
                LocationFix(start.plusSeconds(s), MID_LAT, WEST_EDGE_LON + x / metresPerDegreeLon, 8.0, 1.3)
            }
            .toList()

    /** [fixes] as a CSV track (epoch milliseconds). */
    fun csv(fixes: List<LocationFix>): String =
        "timestamp,lat,lon,accuracy,speed\n" +
            fixes.joinToString("") { "${it.at.toEpochMilli()},${it.lat},${it.lon},${it.accuracyM},${it.speedMps ?: ""}\n" }

    /** The envelope with its document changed after signing (20% became 90%). */
    fun tampered(): ByteArray {
        val text = String(envelope, Charsets.UTF_8)
        val payload = Regex("\"payload\"\\s*:\\s*\"([^\"]+)\"").find(text)!!.groupValues[1]
        val document = String(Base64.getDecoder().decode(payload), Charsets.UTF_8)
        check("20% off" in document)
        val forged = Base64.getEncoder().encodeToString(document.replace("20% off", "90% off").toByteArray())
        return text.replace(payload, forged).toByteArray()
    }
}

/** The `OfferTriggered` events among [events]. */
fun triggered(events: List<KairosEvent>): List<KairosEvent.OfferTriggered> =
    events.filterIsInstance<KairosEvent.OfferTriggered>()
