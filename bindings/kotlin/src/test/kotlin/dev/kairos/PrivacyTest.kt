package dev.kairos

import java.nio.file.Path
import java.time.Duration
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Privacy: consent, the outbox, export, erase, and the sealing key. */
class PrivacyTest {
    @TempDir
    lateinit var dir: Path
    private val start = Fixtures.NINE_AM

    /** 02:00 the next night, when the day has closed. */
    private val nextNight = start.plus(Duration.ofHours(17))

    /** A morning with two visits and 1,430 steps. */
    private fun morning(engine: Engine) {
        engine.recordLocations(Fixtures.morning(start))
        engine.recordSteps(Fixtures.interval(start, 60, 1430))
    }

    @Test
    fun `every purpose is off by default and nothing is queued`() = Fixtures.open(dir).use { engine ->
        assertEquals(Consents(current = emptyList(), ledger = emptyList()), engine.consents())
        morning(engine)
        engine.tick(nextNight)
        assertEquals(emptyList(), engine.outbox(), "no consent, no summary")
        assertEquals(0L, engine.outboxDropped())
    }

    @Test
    fun `granting activity queues the closed day's summary at the next night's tick`() = Fixtures.open(dir).use { engine ->
        val change = engine.setConsent(Purpose.ACTIVITY, true, "2026-11", start)
        assertEquals(listOf(ConsentEntry(Purpose.ACTIVITY, true, "2026-11", start)), change.consents.current)
        assertEquals(0L to false, change.purged to change.deletionQueued)
        morning(engine)
        assertEquals(emptyList(), engine.outbox(), "the day is not over yet")
        engine.tick(nextNight)
        val item = engine.outbox().single()
        assertEquals(OutboxKind.SUMMARY, item.kind)
        assertEquals(Purpose.ACTIVITY, item.purpose)
        assertEquals(LocalDay(2026, 11, 24), item.day)
        assertEquals(nextNight, item.queuedAt)
        assertContains(item.payload, "\"steps\":1400", message = "rounded to 100")
        assertFalse(item.payload.contains("34.05"), "no coordinate leaves: ${item.payload}")
    }

    @Test
    fun `withdrawing purges the queued summaries and queues a deletion request`() = Fixtures.open(dir).use { engine ->
        engine.setConsent(Purpose.ACTIVITY, true, "2026-11", start)
        morning(engine)
        engine.tick(nextNight)
        val change = engine.setConsent(Purpose.ACTIVITY, false, "2026-11", nextNight.plusSeconds(60))
        assertEquals(1L to true, change.purged to change.deletionQueued)
        val deletion = engine.outbox().single()
        assertEquals(OutboxKind.DELETION to Purpose.ACTIVITY, deletion.kind to deletion.purpose)
        assertNull(deletion.day)
        assertEquals("""{"purpose":"activity"}""", deletion.payload)
    }

    @Test
    fun `the ledger keeps every choice with its policy version, and a blank version is refused`() =
        Fixtures.open(dir).use { engine ->
            engine.setConsent(Purpose.VISITS, true, "2026-10", start)
            engine.setConsent(Purpose.OFFERS, true, "2026-10", start.plusSeconds(1))
            engine.setConsent(Purpose.VISITS, false, "2026-11", start.plusSeconds(2))
            val consents = engine.consents()
            assertEquals(listOf(Purpose.VISITS, Purpose.OFFERS, Purpose.VISITS), consents.ledger.map { it.purpose })
            assertEquals(listOf("2026-10", "2026-10", "2026-11"), consents.ledger.map { it.policyVersion })
            assertEquals(
                setOf(Purpose.OFFERS),
                consents.current.filter { it.granted }.map { it.purpose }.toSet(),
            )
            val e = assertFailsWith<KairosException.InvalidInput> { engine.setConsent(Purpose.ACTIVITY, true, " ", start) }
            assertContains(e.reason, "policy_version")
        }

    @Test
    fun `the export is one JSON document with every kind of data held`() = Fixtures.open(dir).use { engine ->
        engine.setConsent(Purpose.ACTIVITY, true, "2026-11", start)
        morning(engine)
        val json = engine.exportProfile().trim()
        assertTrue(json.startsWith("{") && json.endsWith("}"), json.take(80))
        // Pretty-printed: top-level keys are indented by two spaces.
        val keys = Regex("^  \"([a-z_]+)\":", RegexOption.MULTILINE).findAll(json).map { it.groupValues[1] }.toSet()
        assertEquals(
            setOf(
                "format", "install_id", "consents", "places", "visits", "merchant_visits", "step_minutes",
                "step_days", "offers", "routines", "outbox", "privacy_budget", "raw_fixes", "engine_state", "fence_ids", "relevance",
            ),
            keys,
        )
        assertContains(json, "\"format\": \"kairos-export/2\"")
        assertContains(json, "\"steps\": 1430")
        assertContains(json, "\"policy_version\": \"2026-11\"")
    }

    @Test
    fun `erase empties places, visits, steps, consents and queues one deletion of everything`() =
        Fixtures.open(dir).use { engine ->
            engine.setConsent(Purpose.ACTIVITY, true, "2026-11", start)
            morning(engine)
            engine.tick(nextNight)
            assertEquals(2, engine.places().size)
            engine.eraseAll(nextNight.plusSeconds(60))
            assertEquals(emptyList(), engine.places())
            assertEquals(emptyList(), engine.visits(start, nextNight))
            assertEquals(emptyList(), engine.rawFixes(start, nextNight))
            assertEquals(0L, engine.today(start).steps)
            assertEquals(emptyList(), engine.consents().ledger)
            val deletion = engine.outbox().single()
            assertEquals(OutboxKind.DELETION, deletion.kind)
            assertNull(deletion.purpose, "a deletion of everything")
        }

    @Test
    fun `reopening with a wrong key throws WrongKey, and the right key finds everything`() {
        Fixtures.open(dir).use { engine -> morning(engine) }
        val wrong = ByteArray(32) { 1 }
        val e = assertFailsWith<KairosException.WrongKey> { Fixtures.open(dir, key = wrong) }
        assertContains(e.reason, "key")
        Fixtures.open(dir).use { engine ->
            assertEquals(2, engine.places().size)
            assertEquals(2, engine.visits(start, nextNight).size)
            assertEquals(Fixtures.morning(start).size, engine.rawFixes(start, nextNight).size)
            assertEquals(1430L, engine.today(start).steps)
        }
    }

    @Test
    fun `after rotating the key only the new key opens the profile`() {
        val newKey = ByteArray(32) { (it * 3).toByte() }
        Fixtures.open(dir).use { engine ->
            morning(engine)
            engine.rotateKey(newKey)
            assertEquals(2, engine.places().size, "the open engine goes on")
        }
        assertFailsWith<KairosException.WrongKey> { Fixtures.open(dir) }
        Fixtures.open(dir, key = newKey).use { engine ->
            assertEquals(2, engine.places().size)
            assertEquals(Fixtures.morning(start).size, engine.rawFixes(start, nextNight).size)
        }
    }

    @Test
    fun `a key that is not 32 bytes is refused and the old key still works`() {
        Fixtures.open(dir).use { engine ->
            morning(engine)
            val e = assertFailsWith<KairosException.InvalidInput> { engine.rotateKey(ByteArray(16)) }
            assertContains(e.reason, "32 bytes")
        }
        Fixtures.open(dir).use { engine -> assertEquals(2, engine.places().size) }
    }
}
