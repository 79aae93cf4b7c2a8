package dev.kairos.android

import android.app.Application
import android.location.Location
import android.location.LocationManager
import android.os.Looper
import android.os.SystemClock
import dev.kairos.CatalogKey
import dev.kairos.EngineConfig
import java.nio.file.Files
import java.nio.file.Path
import java.util.Base64
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf

/** The signed example catalog of `tests/catalogs` (the mall in San Jose) and positions around it. */
object Mall {
    /** The workspace root: Maven runs the tests in `bindings/kotlin-android`. */
    private val repo: Path = generateSequence(Path.of("").toAbsolutePath()) { it.parent }
        .first { Files.exists(it.resolve("tests/catalogs/example.signed.json")) }

    /** The signed envelope. */
    val envelope: ByteArray get() = Files.readAllBytes(repo.resolve("tests/catalogs/example.signed.json"))

    /** The key that signed it. */
    val key = CatalogKey(
        keyId = "test-key",
        publicKey = Base64.getDecoder().decode(Files.readString(repo.resolve("tests/catalogs/test-key.pub")).trim()),
    )

    /** The boutique Maison Lumière's place id, and a point in its middle. */
    const val BOUTIQUE = "maison-lumiere-valley-mall"
    const val LAT = 37.325675
    const val LON = -121.9458
}

/** The test application. */
val app: Application get() = RuntimeEnvironment.getApplication()

/** A configuration with a fresh data directory, the mall's key, and everything run in line. */
fun testConfig(sync: dev.kairos.SyncOptions? = null): KairosConfig {
    val dir = Files.createTempDirectory("kairos-android")
    val engine = EngineConfig(
        dataDir = dir.toString(),
        timeZone = "America/Los_Angeles",
        sealingKey = ByteArray(32) { 7 },
        catalogKeys = listOf(Mall.key),
        installId = "robolectric",
    )
    return KairosConfig(engine, sync = sync, executor = { it.run() })
}

/** A fix as the platform delivers it, stamped now on the elapsed-realtime clock. */
fun location(provider: String, lat: Double, lon: Double, accuracy: Float? = 8f, speed: Float? = null): Location =
    Location(provider).apply {
        latitude = lat
        longitude = lon
        accuracy?.let { this.accuracy = it }
        speed?.let { this.speed = it }
        time = System.currentTimeMillis()
        elapsedRealtimeNanos = SystemClock.elapsedRealtimeNanos()
    }

/** Delivers what was posted to the main looper (location callbacks). */
fun idleMain() = shadowOf(Looper.getMainLooper()).idle()

/** The shadow of the app's LocationManager. */
val locationManager: LocationManager get() = app.service()

/** Gives the phone the platform's fused provider (Android 12+ phones have one; Robolectric's has not by default). */
fun addFusedProvider() {
    val properties = org.robolectric.shadows.ShadowLocationManager.ProviderProperties(
        false, false, false, false, true, true, true, android.location.Criteria.POWER_LOW, android.location.Criteria.ACCURACY_FINE,
    )
    shadowOf(locationManager).setProviderProperties(LocationManager.FUSED_PROVIDER, properties)
    shadowOf(locationManager).setProviderEnabled(LocationManager.FUSED_PROVIDER, true)
}
