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
    private val http = HttpUrlConnectionTransport()

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
            val report = engine.sync(SyncOptions(deadUrl(), allowInsecureLoopback = true), http, nextNight)
            assertEquals(0 to 1, report.sent to report.deferred)
            assertTrue(report.problems.isNotEmpty())
            val retry = assertNotNull(report.nextAttemptAt, "a backoff is set")
            assertTrue(retry.isAfter(nextNight), "$retry")
            assertEquals(1, engine.outbox().size, "kept for later")
            // Before the backoff ends nothing is tried, and that is not an error either.
            val waiting = engine.sync(SyncOptions(deadUrl(), allowInsecureLoopback = true), http, nextNight.plusSeconds(1))
            assertEquals(1, waiting.deferred)
            assertContains(waiting.problems.joinToString(), "backoff")
        }
    }

    @Test
    fun `plain http to another host is an InvalidInput, even when loopback is allowed`() = runBlocking {
        Fixtures.open(dir).use { engine ->
            closedDay(engine)
            val e = assertFailsWith<KairosException.InvalidInput> {
                engine.sync(SyncOptions("http://192.0.2.10:8787", allowInsecureLoopback = true), http, nextNight)
            }
            assertContains(e.reason, "loopback")
            val loopbackNotAllowed = assertFailsWith<KairosException.InvalidInput> {
                engine.sync(SyncOptions(deadUrl()), http, nextNight)
            }
            assertContains(loopbackNotAllowed.reason, "plain http")
            assertEquals(1, engine.outbox().size, "nothing was touched")
        }
    }

    /** An app's own HTTP stack: answers with [answer] and records every request. */
    private class Scripted(val answer: (HttpRequest) -> HttpResponse) : HttpTransport {
        val seen = mutableListOf<HttpRequest>()
        override suspend fun send(request: HttpRequest): HttpResponse = answer(request).also { seen += request }
    }

    @Test
    fun `an app's own transport carries gzipped summaries with their key, and a 503's Retry-After is honoured`() =
        runBlocking {
            Fixtures.open(dir).use { engine ->
                closedDay(engine)
                val transport = Scripted { request ->
                    when {
                        request.url.endsWith("/v1/installs") ->
                            HttpResponse(201, mapOf("Content-Type" to "application/json"), "{\"token\":\"t1\"}".toByteArray())
                        else -> HttpResponse(503, mapOf("Retry-After" to "600"), ByteArray(0))
                    }
                }
                val options = SyncOptions("https://api.example.com", fetchCatalog = false)
                val report = engine.sync(options, transport, nextNight)
                assertEquals(0 to 1, report.sent to report.deferred, "$report")
                assertEquals(nextNight.plusSeconds(600), report.nextAttemptAt, "Retry-After wins over a shorter backoff")
                val (register, summaries) = transport.seen
                assertEquals(HttpMethod.POST, register.method)
                assertEquals("https://api.example.com/v1/summaries", summaries.url)
                assertEquals("Bearer t1", summaries.headers["authorization"])
                assertEquals("gzip", summaries.headers["content-encoding"])
                assertEquals(32, summaries.headers["idempotency-key"]?.length, "${summaries.headers}")
                assertEquals(listOf(0x1f.toByte(), 0x8b.toByte()), summaries.body.take(2), "a gzip body")
                assertTrue(summaries.timeoutMs in 1_000L..60_000L, "${summaries.timeoutMs}")
                assertEquals(1, engine.outbox().size, "kept for later")
            }
        }

    @Test
    fun `a refused batch is reported with its code as an enum and dropped`() = runBlocking {
        Fixtures.open(dir).use { engine ->
            closedDay(engine)
            val transport = Scripted { request ->
                if (request.url.endsWith("/v1/installs")) {
                    HttpResponse(201, mapOf("Content-Type" to "application/json"), "{\"token\":\"t1\"}".toByteArray())
                } else {
                    val body = "{\"error\":{\"code\":\"quota_exceeded\",\"message\":\"too many rows\"}}"
                    HttpResponse(422, mapOf("Content-Type" to "application/json"), body.toByteArray())
                }
            }
            val report = engine.sync(SyncOptions("https://api.example.com", fetchCatalog = false), transport, nextNight)
            val refusal = report.refusals.single()
            assertEquals(RefusedRequest.SUMMARIES, refusal.request)
            assertEquals(422, refusal.status)
            assertEquals(RefusalCode.QuotaExceeded, refusal.code)
            assertEquals(RefusalAction.DROPPED, refusal.action)
            assertEquals(1, refusal.items)
            assertEquals(1, report.dropped)
            assertEquals(0, engine.outbox().size, "never retried")
        }
    }

    @Test
    fun `a transport that throws anything is a failed request, never a crash`() = runBlocking {
        Fixtures.open(dir).use { engine ->
            closedDay(engine)
            val offline = Scripted { throw TransportException.Failed("airplane mode") }
            val report = engine.sync(SyncOptions("https://api.example.com"), offline, nextNight)
            assertEquals(0 to 1, report.sent to report.deferred)
            assertContains(report.problems.joinToString(), "airplane mode")
            val buggy = Scripted { throw IllegalStateException("bug in the app's stack") }
            val later = engine.sync(SyncOptions("https://api.example.com"), buggy, report.nextAttemptAt!!)
            assertEquals(0 to 1, later.sent to later.deferred, "$later")
            assertContains(later.problems.joinToString(), "bug in the app's stack")
            assertEquals(1, engine.outbox().size, "kept for later")
        }
    }
}
