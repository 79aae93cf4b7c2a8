package dev.kairos

import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/**
 * The reference backend (`kairos-backend serve`) on a free loopback port,
 * publishing the signed example catalog, in its own process. The binary is
 * the one `cargo xtask test-kotlin` builds next to the library.
 */
class Backend private constructor(private val process: Process, val url: String) : AutoCloseable {
    companion object {
        private val binary: Path = Path.of(System.getProperty("jna.library.path")).resolve("kairos-backend")

        fun start(dir: Path): Backend {
            check(Files.isExecutable(binary)) { "$binary is missing: cargo build -p kairos-backend" }
            val process = ProcessBuilder(
                binary.toString(), "serve",
                "--db", dir.resolve("backend-${System.nanoTime()}.db").toString(),
                "--addr", "127.0.0.1:0",
                "--catalog", Mall.catalogPath.toString(),
            ).redirectErrorStream(true).start()
            val out = process.inputStream.bufferedReader()
            val lines = mutableListOf<String>()
            while (true) {
                val line = out.readLine() ?: error("kairos-backend exited: $lines")
                lines += line
                val url = Regex("serving on (http://\\S+)").find(line)?.groupValues?.get(1) ?: continue
                // Drain the rest of its output so the pipe never fills.
                Thread { out.useLines { it.forEach { } } }.apply { isDaemon = true }.start()
                return Backend(process, url)
            }
        }
    }

    /** Sync options for this backend: plain http on loopback, allowed explicitly. */
    fun options(fetchCatalog: Boolean = true) = SyncOptions(url, allowInsecureLoopback = true, fetchCatalog = fetchCatalog)

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}

/** `sync` against the real reference backend on loopback. */
class BackendSyncTest {
    @TempDir
    lateinit var dir: Path
    private val backends = mutableListOf<Backend>()
    private val start = Fixtures.NINE_AM
    private val nextNight = start.plus(Duration.ofHours(17))
    /** The package's transport: the platform's `HttpURLConnection`, against the real backend. */
    private val http = HttpUrlConnectionTransport()

    private fun backend(): Backend = Backend.start(dir).also { backends += it }

    @AfterEach
    fun stopBackends() = backends.forEach { it.close() }

    /** An engine trusting the catalog key, with a random install id (as the backend requires). */
    private fun open(): Engine = Engine.open(
        EngineConfig(
            dataDir = dir.resolve("profile").toString(), timeZone = Fixtures.TZ, sealingKey = Fixtures.KEY,
            catalogKeys = listOf(Mall.key),
        ),
    )

    /** Every purpose granted, a morning with visits and steps, and the next night: summaries queued. */
    private fun closedDay(engine: Engine): Int {
        Purpose.entries.forEach { engine.setConsent(it, true, "2026-11", start) }
        engine.recordLocations(Fixtures.morning(start))
        engine.recordSteps(Fixtures.interval(start, 60, 1430))
        engine.tick(nextNight)
        return engine.outbox().size.also { assertTrue(it > 0) }
    }

    @Test
    fun `a closed day's summaries are sent, the outbox empties, and a second sync sends nothing`() = runBlocking {
        val backend = backend()
        open().use { engine ->
            val queued = closedDay(engine)
            val report = engine.sync(backend.options(fetchCatalog = false), http, nextNight)
            assertEquals(queued, report.sent, "$report")
            assertEquals(listOf(1, 0, 0), listOf(report.batches, report.deferred, report.dropped), "$report")
            assertEquals(emptyList(), report.problems)
            assertEquals(emptyList(), engine.outbox())
            val again = engine.sync(backend.options(fetchCatalog = false), http, nextNight.plusSeconds(3600))
            assertEquals(listOf(0, 0, 0), listOf(again.sent, again.batches, again.deferred), "$again")
        }
    }

    @Test
    fun `sync fetches the signed catalog, puts it in force and tells listeners off the caller's thread`() = runBlocking {
        val backend = backend()
        open().use { engine ->
            val recorder = Recorder()
            engine.subscribe(recorder).use {
                val report = engine.sync(backend.options(), http, nextNight)
                assertTrue(report.catalogUpdated, "$report")
                assertEquals(1L, engine.catalogInfo()?.version)
                assertIs<KairosEvent.CatalogLoaded>(recorder.events.single())
                assertTrue(Thread.currentThread().name !in recorder.threads, "${recorder.threads}")
                val again = engine.sync(backend.options(), http, nextNight.plusSeconds(60))
                assertEquals(false, again.catalogUpdated, "fresh: not fetched again")
            }
        }
    }

    @Test
    fun `withdrawing a purpose sends its deletion request and none of its summaries`() = runBlocking {
        val backend = backend()
        open().use { engine ->
            closedDay(engine)
            val change = engine.setConsent(Purpose.VISITS, false, "2026-11", nextNight.plusSeconds(60))
            assertTrue(change.deletionQueued)
            val left = engine.outbox()
            assertTrue(left.none { it.kind == OutboxKind.SUMMARY && it.purpose == Purpose.VISITS })
            val report = engine.sync(backend.options(fetchCatalog = false), http, nextNight.plusSeconds(120))
            assertEquals(1, report.deletionsSent, "$report")
            assertEquals(left.count { it.kind == OutboxKind.SUMMARY }, report.sent)
            assertEquals(emptyList(), engine.outbox())
        }
    }

    @Test
    fun `after a backend outage the summaries wait for the backoff, then arrive`() = runBlocking {
        val down = backend()
        val deadUrl = down.url
        down.close()
        open().use { engine ->
            val queued = closedDay(engine)
            val deferred = engine.sync(SyncOptions(deadUrl, allowInsecureLoopback = true, fetchCatalog = false), http, nextNight)
            assertEquals(0 to queued, deferred.sent to deferred.deferred)
            val retryAt: Instant = assertNotNull(deferred.nextAttemptAt)
            val up = backend()
            val report = engine.sync(up.options(fetchCatalog = false), http, retryAt.plusSeconds(1))
            assertEquals(queued to 0, report.sent to report.deferred, "$report")
            assertEquals(emptyList(), engine.outbox())
        }
    }

    @Test
    fun `erasing the profile sends one deletion of everything`() = runBlocking {
        val backend = backend()
        open().use { engine ->
            closedDay(engine)
            engine.sync(backend.options(fetchCatalog = false), http, nextNight)
            engine.eraseAll(nextNight.plusSeconds(60))
            val report = engine.sync(backend.options(fetchCatalog = false), http, nextNight.plusSeconds(120))
            assertEquals(1 to 0, report.deletionsSent to report.sent, "$report")
            assertEquals(emptyList(), engine.outbox())
        }
    }
}

