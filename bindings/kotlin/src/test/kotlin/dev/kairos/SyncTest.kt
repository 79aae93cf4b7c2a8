package dev.kairos

import java.net.ServerSocket
import java.nio.file.Path
import java.time.Duration
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** `sync` without a backend: refusals and deferrals. With the reference backend: [BackendSyncTest]. */
class SyncTest {
    @TempDir
    lateinit var dir: Path
    private val start = Fixtures.NINE_AM
    private val nextNight = start.plus(Duration.ofHours(17))

    /** Activity granted, steps in the morning, and the next night: one summary queued. */
    private fun closedDay(engine: Engine) {
        engine.setConsent(Purpose.ACTIVITY, true, "2026-11", start)
        engine.recordSteps(Fixtures.interval(start, 60, 1430))
        engine.tick(nextNight)
        assertEquals(1, engine.outbox().size)
    }

    /** A loopback URL nobody listens on. */
    private fun deadUrl(): String = ServerSocket(0).use { "http://127.0.0.1:${it.localPort}" }

    @Test
    fun `the options default to https rules and a catalog fetch`() {
        val o = SyncOptions(baseUrl = "https://api.example.com")
        assertEquals(false to true, o.allowInsecureLoopback to o.fetchCatalog)
    }

    @Test
    fun `an unreachable backend defers the summaries without throwing`() = runBlocking {
        Fixtures.open(dir).use { engine ->
            closedDay(engine)
            val report = engine.sync(SyncOptions(deadUrl(), allowInsecureLoopback = true), nextNight)
            assertEquals(0 to 1, report.sent to report.deferred)
            assertTrue(report.problems.isNotEmpty())
            val retry = assertNotNull(report.nextAttemptAt, "a backoff is set")
            assertTrue(retry.isAfter(nextNight), "$retry")
            assertEquals(1, engine.outbox().size, "kept for later")
            // Before the backoff ends nothing is tried, and that is not an error either.
            val waiting = engine.sync(SyncOptions(deadUrl(), allowInsecureLoopback = true), nextNight.plusSeconds(1))
            assertEquals(1, waiting.deferred)
            assertContains(waiting.problems.joinToString(), "backoff")
        }
    }

    @Test
    fun `plain http to another host is an InvalidInput, even when loopback is allowed`() = runBlocking {
        Fixtures.open(dir).use { engine ->
            closedDay(engine)
            val e = assertFailsWith<KairosException.InvalidInput> {
                engine.sync(SyncOptions("http://192.0.2.10:8787", allowInsecureLoopback = true), nextNight)
            }
            assertContains(e.reason, "loopback")
            val loopbackNotAllowed = assertFailsWith<KairosException.InvalidInput> {
                engine.sync(SyncOptions(deadUrl()), nextNight)
            }
            assertContains(loopbackNotAllowed.reason, "plain http")
            assertEquals(1, engine.outbox().size, "nothing was touched")
        }
    }
}
