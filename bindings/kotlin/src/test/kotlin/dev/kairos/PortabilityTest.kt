package dev.kairos

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue

/** A new phone: erase forgets the install, export, import under another key, the sealed backup. */
class PortabilityTest {
    @TempDir
    lateinit var dir: Path
    private val start = Fixtures.NINE_AM
    private val nextNight = start.plus(Duration.ofHours(17))
    private val otherKey = ByteArray(32) { 42 }
    private val backupKey = ByteArray(32) { 9 }

    private fun phone(name: String, key: ByteArray = Fixtures.KEY): Engine =
        Fixtures.open(Files.createDirectories(dir.resolve(name)), key = key)

    /** A morning [days] after the first with two visits and 1,430 steps, activity granted, the day closed. */
    private fun dayOn(engine: Engine, days: Long = 0) {
        val morning = start.plus(Duration.ofDays(days))
        engine.setConsent(Purpose.ACTIVITY, true, "2026-11", morning)
        engine.recordLocations(Fixtures.morning(morning))
        engine.recordSteps(Fixtures.interval(morning, 60, 1430))
        engine.tick(nextNight.plus(Duration.ofDays(days)))
    }

    private fun installId(engine: Engine): String =
        Regex("\"install_id\": \"([0-9a-f]+)\"").find(engine.exportProfile())!!.groupValues[1]

    /**
     * Everything but the install id, which each install keeps its own, with decimals to 9 places: JSON
     * parsing restores a coordinate to within its last bit (about 1e-14 degrees), not always to the bit.
     */
    private fun withoutInstallId(engine: Engine): String =
        engine.exportProfile().replace(Regex("\"install_id\": \"[0-9a-f]+\",?"), "")
            .replace(Regex("-?\\d+\\.\\d{10,}")) { String.format(java.util.Locale.ROOT, "%.9f", it.value.toDouble()) }

    /** Registers with a token per registration, loses every deletion (404: nothing to delete), defers summaries. */
    private class FakeBackend : HttpTransport {
        val seen = mutableListOf<HttpRequest>()
        override suspend fun send(request: HttpRequest): HttpResponse {
            seen += request
            return when {
                request.url.endsWith("/v1/installs") -> HttpResponse(
                    201,
                    mapOf("Content-Type" to "application/json"),
                    "{\"token\":\"t${seen.count { it.url.endsWith("/v1/installs") }}\"}".toByteArray(),
                )
                request.url.endsWith("/v1/deletion-requests") -> HttpResponse(404, emptyMap(), ByteArray(0))
                else -> HttpResponse(503, mapOf("Retry-After" to "60"), ByteArray(0))
            }
        }
        fun registeredIds(): List<String> = seen.filter { it.url.endsWith("/v1/installs") }
            .map { Regex("\"install_id\":\"([0-9a-f]+)\"").find(String(it.body))!!.groupValues[1] }
    }

    @Test
    fun `erase forgets the install - the export holds nothing old and the next sync registers a new pseudonym`() =
        runBlocking {
            phone("a").use { engine ->
                dayOn(engine)
                val backend = FakeBackend()
                val options = SyncOptions("https://api.example.com", fetchCatalog = false)
                engine.sync(options, backend, nextNight)
                val old = installId(engine)
                assertEquals(listOf(old), backend.registeredIds())

                engine.eraseAll(nextNight.plusSeconds(60))
                val export = engine.exportProfile()
                assertNotEquals(old, installId(engine))
                assertFalse(export.contains(old), "the old pseudonym is forgotten")
                assertFalse(export.contains("34.05"), "no old coordinate: $export")
                assertFalse(export.contains("\"steps\": 1430"), "no old steps")

                // A new day after the erase: its upload goes under a new pseudonym.
                dayOn(engine, days = 2)
                engine.sync(options, backend, nextNight.plus(Duration.ofDays(2)))
                val ids = backend.registeredIds()
                assertEquals(2, ids.size, "${backend.seen.map { it.url }}")
                assertNotEquals(old, ids[1])
                val deletion = backend.seen.indexOfFirst { it.url.endsWith("/v1/deletion-requests") }
                assertTrue(deletion in 0 until backend.seen.indexOfLast { it.url.endsWith("/v1/installs") },
                    "the deletion under the old token goes first")
                assertEquals("Bearer t1", backend.seen[deletion].headers["authorization"])
            }
        }

    @Test
    fun `an export imported into a fresh engine with another key holds the same profile under its own pseudonym`() {
        val exported = phone("old").use { old ->
            dayOn(old)
            old.exportProfile() to withoutInstallId(old)
        }
        phone("new", key = otherKey).use { new ->
            new.importProfile(exported.first)
            assertEquals(exported.second, withoutInstallId(new))
            assertFalse(new.exportProfile().contains(Regex("\"install_id\": \"${installIdOf(exported.first)}\"")))
            assertEquals(2, new.places().size)
            assertEquals(1430L, new.today(start).steps)
            assertEquals(1, new.outbox().size, "the closed day's summary, still to send")
        }
    }

    private fun installIdOf(json: String): String = Regex("\"install_id\": \"([0-9a-f]+)\"").find(json)!!.groupValues[1]

    @Test
    fun `a damaged export or a profile that holds data is refused, typed, and changes nothing`() {
        val export = phone("old").use { old -> dayOn(old); old.exportProfile() }
        phone("new", key = otherKey).use { new ->
            val damaged = export.replaceFirst("\"arrived_at\": \"", "\"arrived_at\": \"x")
            val e = assertFailsWith<KairosException.ImportRefused> { new.importProfile(damaged) }
            val refusal = assertIs<ImportRefusal.Damaged>(e.refusal)
            assertEquals("visits[0].arrived_at", refusal.path)
            val newer = export.replace("kairos-export/2", "kairos-export/3")
            val n = assertFailsWith<KairosException.ImportRefused> { new.importProfile(newer) }
            assertIs<ImportRefusal.NewerFormat>(n.refusal)
            assertEquals(emptyList(), new.places(), "nothing imported")
            new.importProfile(export)
            val again = assertFailsWith<KairosException.ImportRefused> { new.importProfile(export) }
            assertIs<ImportRefusal.ProfileNotEmpty>(again.refusal)
            assertContains(again.reason, "not empty")
        }
    }

    @Test
    fun `a backup round trips under its key, and a wrong key or altered bytes are refused`() = runBlocking {
        val (backup, profile) = phone("old").use { old ->
            dayOn(old)
            old.exportBackupAsync(backupKey) to withoutInstallId(old)
        }
        assertEquals("KAIROSBK", String(backup.copyOfRange(0, 8)))
        assertFalse(String(backup, Charsets.ISO_8859_1).contains("34.05"), "sealed")
        phone("new", key = otherKey).use { new ->
            val wrong = assertFailsWith<KairosException.ImportRefused> { new.importBackupAsync(backup, otherKey) }
            assertEquals(ImportRefusal.BackupUnreadable, wrong.refusal)
            val altered = backup.copyOf().also { it[it.size / 2] = (it[it.size / 2].toInt() xor 1).toByte() }
            val tampered = assertFailsWith<KairosException.ImportRefused> { new.importBackup(altered, backupKey) }
            assertEquals(ImportRefusal.BackupUnreadable, tampered.refusal)
            assertEquals(emptyList(), new.places(), "nothing imported")
            new.importBackupAsync(backup, backupKey)
            assertEquals(profile, withoutInstallId(new))
        }
    }
}
