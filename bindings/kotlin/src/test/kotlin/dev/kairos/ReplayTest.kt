package dev.kairos

import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** QA replay: CSV tracks, replay through the engine, the suspend variants. */
class ReplayTest {
    @TempDir
    lateinit var dir: Path

    private val walk = Mall.walk(Mall.at("10:32"))

    /** The offer events among [events], as `kind offerId`. */
    private fun offerEvents(events: List<KairosEvent>) = events.mapNotNull {
        when (it) {
            is KairosEvent.OfferTriggered -> "triggered ${it.offerId}"
            is KairosEvent.OfferSuppressed -> "suppressed ${it.offerId}"
            is KairosEvent.OfferExpired -> "expired ${it.offerId}"
            else -> null
        }
    }

    @Test
    fun `parseTrackCsv reads a CSV track exactly`() {
        assertEquals(walk, parseTrackCsv(Mall.csv(walk)))
        val fixes = parseTrackCsv("timestamp,lat,lon\n2026-11-24T10:32:00-08:00,37.3257,-121.9458\n")
        assertEquals(listOf(LocationFix(Mall.at("10:32"), 37.3257, -121.9458, 10.0, null)), fixes)
    }

    @Test
    fun `a bad CSV line is an InvalidInput naming the line`() {
        val e = assertFailsWith<KairosException.InvalidInput> {
            parseTrackCsv("timestamp,lat,lon\n1795545000000,37.3,-121.9\n1795545005000,NaN,-121.9\n")
        }
        assertContains(e.reason, "line 3")
        assertContains(e.reason, "bad number \"NaN\" in column lat")
    }

    @Test
    fun `replaying a CSV walk through the mall produces the offer, window by window, for listeners`() {
        Mall.openLoaded(dir).use { engine ->
            val recorder = Recorder()
            engine.subscribe(recorder).use {
                val summary = engine.replay(parseTrackCsv(Mall.csv(walk)), until = Mall.at("14:00"))
                assertEquals(walk.size.toLong() to 0L, summary.fixesAccepted to summary.fixesRejected)
                assertEquals(summary.events, recorder.events.size.toLong())
                assertEquals(
                    listOf("triggered ${Mall.BOUTIQUE_OFFER}", "expired ${Mall.BOUTIQUE_OFFER}"),
                    offerEvents(recorder.events),
                    "the claim window ends at 13:32, before `until`",
                )
                assertEquals(recorder.events.sortedBy { it.time }, recorder.events, "in time order")
                assertTrue(recorder.threads.size > 1, "delivered as they come, not in one batch")
            }
        }
    }

    @Test
    fun `replayAsync and loadCatalogAsync suspend and do the same`() = runBlocking {
        Mall.open(dir).use { engine ->
            val info = engine.loadCatalogAsync(Mall.envelope, Mall.at("10:00"))
            assertEquals(1L, info.version)
            val recorder = Recorder()
            engine.subscribe(recorder).use {
                val summary = engine.replayAsync(walk, emptyList(), 5_000L, null)
                assertEquals(walk.size.toLong(), summary.fixesAccepted)
                assertEquals(listOf("triggered ${Mall.BOUTIQUE_OFFER}"), offerEvents(recorder.events))
                assertTrue(Thread.currentThread().name !in recorder.threads, "${recorder.threads}")
            }
            assertEquals(1, engine.offers(Mall.at("10:40")).size)
            val e = assertFailsWith<KairosException.InvalidCatalog> { engine.loadCatalogAsync(Mall.tampered(), Mall.at("10:41")) }
            assertContains(e.reason, "signature")
        }
    }
}
