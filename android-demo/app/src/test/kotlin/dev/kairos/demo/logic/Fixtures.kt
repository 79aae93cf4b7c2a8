package dev.kairos.demo.logic

import dev.kairos.CatalogKey
import dev.kairos.Engine
import dev.kairos.EngineConfig
import java.io.File
import java.nio.file.Path
import java.time.Instant
import java.util.Base64

/** The workspace's bundled tracks and catalogs, and engines over them. */
object Fixtures {
    /** The workspace's `tests/` (Surefire and Gradle pass it). */
    val tests = File(System.getProperty("kairos.tests.dir") ?: "../../tests")

    /** A bundled asset, by its path in the APK (`tracks/...`, `catalogs/...`). */
    fun asset(path: String): File = when {
        path.startsWith("tracks/") -> File(tests, path)
        path.startsWith("catalogs/") -> File(tests, path)
        else -> error("no asset $path")
    }

    /** The catalog signing key, as the app bundles it. */
    val catalogKey: String get() = asset(QaTrack.CATALOG_KEY_FILE).readText()

    /** An engine in [dir] that trusts the bundled catalogs, with [catalog] loaded at [at]. */
    fun engine(dir: Path, catalog: String? = null, at: Instant? = null): Engine {
        val key = CatalogKey(QaTrack.CATALOG_KEY_ID, Base64.getDecoder().decode(catalogKey.trim()))
        val engine = Engine.open(EngineConfig(dir.toString(), "America/Los_Angeles", ByteArray(32) { 3 }, catalogKeys = listOf(key)))
        if (catalog != null) engine.loadCatalog(asset(catalog).readBytes(), at!!)
        return engine
    }

    /** An instant from RFC 3339 text. */
    fun at(text: String): Instant = java.time.OffsetDateTime.parse(text).toInstant()
}
