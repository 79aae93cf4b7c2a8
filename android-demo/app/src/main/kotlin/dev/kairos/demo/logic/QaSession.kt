package dev.kairos.demo.logic

import dev.kairos.CatalogKey
import dev.kairos.Engine
import dev.kairos.EngineConfig
import dev.kairos.LocationFix
import java.io.File
import java.security.SecureRandom
import java.util.Base64

/**
 * A throw-away engine for one QA replay, in its own directory, so replayed fixes never mix with
 * the shopper's profile. Loads the track's catalog as of the track's first fix. [close] closes
 * the engine and deletes the directory.
 */
class QaSession private constructor(
    /** The engine the replay goes into. */
    val engine: Engine,
    /** The track's fixes. */
    val fixes: List<LocationFix>,
    private val dir: File,
) : AutoCloseable {
    override fun close() {
        engine.close()
        dir.deleteRecursively()
    }

    companion object {
        /**
         * Opens a session in a new directory under [parent] for [track], whose text is [trackText];
         * [catalog] is the track's signed catalog and [catalogKey] the base64 public key it is signed with.
         */
        fun open(parent: File, track: QaTrack, trackText: String, catalog: ByteArray?, catalogKey: String): QaSession {
            val fixes = track.parse(trackText)
            require(fixes.isNotEmpty()) { "${track.file} has no points" }
            val dir = File(parent, "qa-${System.nanoTime()}").apply { mkdirs() }
            val key = CatalogKey(QaTrack.CATALOG_KEY_ID, Base64.getDecoder().decode(catalogKey.trim()))
            // Nothing personal is replayed: a fresh random sealing key, never stored.
            val sealingKey = ByteArray(32).also { SecureRandom().nextBytes(it) }
            val engine = Engine.open(EngineConfig(dir.path, track.timeZone, sealingKey, catalogKeys = listOf(key)))
            try {
                catalog?.let { engine.loadCatalog(it, fixes.minOf { fix -> fix.at }) }
            } catch (e: Exception) {
                engine.close()
                dir.deleteRecursively()
                throw e
            }
            return QaSession(engine, fixes, dir)
        }
    }
}
