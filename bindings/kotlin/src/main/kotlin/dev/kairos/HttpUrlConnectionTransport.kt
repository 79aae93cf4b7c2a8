package dev.kairos

import java.io.IOException
import java.net.HttpURLConnection
import java.net.URI
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * The [HttpTransport] that ships with Kairos: `java.net.HttpURLConnection`, present on every
 * Android version and JVM, so `sync` uses the platform's TLS, trust store and proxy settings.
 *
 * Each request runs on [Dispatchers.IO] with the request's timeout for connecting and for
 * reading; redirects are not followed and no content encoding is added (the engine gzips
 * summary batches itself). An app that already uses OkHttp or Ktor can implement [HttpTransport]
 * on that client instead (for certificate pinning, interceptors, or a shared connection pool).
 *
 * ```kotlin
 * val report = engine.sync(SyncOptions(baseUrl = "https://api.example.com"), HttpUrlConnectionTransport(), Instant.now())
 * ```
 */
class HttpUrlConnectionTransport : HttpTransport {
    /** Sends [request]; any status is an answer, only a missing answer throws [TransportException]. */
    override suspend fun send(request: HttpRequest): HttpResponse = withContext(Dispatchers.IO) {
        val connection = try {
            URI(request.url).toURL().openConnection() as HttpURLConnection
        } catch (e: Exception) {
            throw TransportException.Failed("cannot open ${request.url}: ${e.message}")
        }
        try {
            // Positive and a few minutes at most (HttpRequest.timeoutMs): it fits an Int.
            val timeout = request.timeoutMs.coerceIn(1L, Int.MAX_VALUE.toLong()).toInt()
            connection.connectTimeout = timeout
            connection.readTimeout = timeout
            connection.instanceFollowRedirects = false
            connection.useCaches = false
            connection.requestMethod = when (request.method) {
                HttpMethod.GET -> "GET"
                HttpMethod.POST -> "POST"
            }
            request.headers.forEach { (name, value) -> connection.setRequestProperty(name, value) }
            if (request.method == HttpMethod.POST) {
                connection.doOutput = true
                connection.setFixedLengthStreamingMode(request.body.size)
                connection.outputStream.use { it.write(request.body) }
            }
            val status = connection.responseCode
            val body = when {
                status == 204 || status == 304 -> ByteArray(0)
                status >= 400 -> connection.errorStream?.use { it.readBytes() } ?: ByteArray(0)
                else -> connection.inputStream.use { it.readBytes() }
            }
            // The status line comes back under a null name; repeated headers keep their last value.
            val headers = connection.headerFields
                .filterKeys { it != null }
                .mapKeys { it.key!! }
                .mapValues { it.value.lastOrNull().orEmpty() }
            HttpResponse(status, headers, body)
        } catch (e: IOException) {
            throw TransportException.Failed("${request.method} ${request.url}: ${e.javaClass.simpleName}: ${e.message}")
        } finally {
            connection.disconnect()
        }
    }
}
