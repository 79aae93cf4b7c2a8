package dev.kairos.demo.logic

import dev.kairos.EngineInterface
import dev.kairos.HttpTransport
import dev.kairos.HttpUrlConnectionTransport
import dev.kairos.SyncOptions
import dev.kairos.SyncReport
import java.time.Instant

/**
 * The nightly sync call, alone in this file: the one place to change when the sync API changes.
 * Network trouble never throws: the report says what must wait, and the job retries.
 */
object NightlySync {
    /**
     * Sends the outbox to [baseUrl] over [transport] (the platform's `HttpURLConnection` by default)
     * and fetches a fresh catalog; true when the job should retry.
     */
    suspend fun run(
        engine: EngineInterface,
        baseUrl: String,
        now: Instant,
        transport: HttpTransport = HttpUrlConnectionTransport(),
    ): Pair<SyncReport, Boolean> {
        val options = SyncOptions(baseUrl = baseUrl, allowInsecureLoopback = baseUrl.startsWith("http://127.0.0.1"), fetchCatalog = true)
        val report = engine.sync(options, transport, now)
        // A backoff time means something must wait: the server or the network failed.
        return report to (report.nextAttemptAt != null)
    }
}
