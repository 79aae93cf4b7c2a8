package dev.kairos.demo.logic

import dev.kairos.KairosEvent
import dev.kairos.SuppressionReason
import java.nio.file.Path
import java.time.Duration
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.io.TempDir
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class ReplayDriverTest {
    @TempDir
    lateinit var dir: Path

    private val drive = QaTrack.ALL.first { it.file.endsWith(".gpx") }

    @Test
    fun `the GPX drive replays at 60x in track time over 60, and the offer is suppressed while driving`() = runBlocking {
        QaSession.open(dir.toFile(), drive, Fixtures.asset(drive.file).readText(), Fixtures.asset(drive.catalog!!).readBytes(), Fixtures.catalogKey).use { qa ->
            val waits = mutableListOf<Duration>()
            val batches = mutableListOf<List<KairosEvent>>()
            val progress = mutableListOf<ReplayProgress>()
            val done = ReplayDriver(qa.engine, pause = { waits += it }, io = Dispatchers.Unconfined)
                .play(qa.fixes, speed = { 60 }, onEvents = { batches += it }, onProgress = { progress += it })

            // 20:00:00 to 20:30:25 in 10 s windows: the last window ends at 20:30:30, 1830 s of track.
            assertEquals(1830.0 / 60, waits.sumOf { it.toNanos() } / 1e9, 1e-6)
            assertEquals(Duration.ofSeconds(10).dividedBy(60), waits.first())
            assertEquals(ReplayProgress(Fixtures.at("2026-11-24T20:30:30Z"), 75, 75, batches.sumOf { it.size }), done)
            assertEquals(progress.last(), done)
            assertTrue(progress.zipWithNext().all { (a, b) -> a.trackTime < b.trackTime && a.fixesSent <= b.fixesSent })

            val events = batches.flatten()
            val suppressed = events.filterIsInstance<KairosEvent.OfferSuppressed>().map { it.offerId to it.reason }
            assertTrue("drive-thru-combo" to SuppressionReason.WHILE_DRIVING in suppressed, "events: ${events.map(EventText::describe)}")
            assertTrue(events.none { it is KairosEvent.OfferTriggered }, "nothing fires at driving speed")
            assertEquals(events.sortedBy(EventText::at), events, "events come in time order")
        }
    }

    @Test
    fun `the speed is read before every window and kept within 1x to 60x`() = runBlocking {
        QaSession.open(dir.toFile(), drive, Fixtures.asset(drive.file).readText(), null, Fixtures.catalogKey).use { qa ->
            val waits = mutableListOf<Duration>()
            val speeds = ArrayDeque(listOf(0, 500, 2))
            ReplayDriver(qa.engine, pause = { waits += it }, io = Dispatchers.Unconfined)
                .play(qa.fixes.take(25), speed = { speeds.removeFirstOrNull() ?: 2 }, onEvents = {})
            assertEquals(listOf(10_000L, 166L, 5_000L), waits.take(3).map { it.toMillis() })
        }
    }

    @Test
    fun `an empty track replays nothing`() = runBlocking {
        Fixtures.engine(dir).use { engine ->
            val done = ReplayDriver(engine, pause = { error("no wait expected") }).play(emptyList(), { 1 }, { error("no events") })
            assertEquals(0, done.fixesTotal)
        }
    }
}
