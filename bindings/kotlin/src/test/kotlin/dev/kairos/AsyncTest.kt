package dev.kairos

import java.nio.file.Path
import java.time.Duration
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** The suspend API and sharing one engine across threads. */
class AsyncTest {
    @TempDir
    lateinit var dir: Path
    private val start = Fixtures.NINE_AM

    @Test
    fun `recordLocationsAsync suspends and detects visits`() = runBlocking {
        Fixtures.open(dir).use { engine ->
            val report = engine.recordLocationsAsync(Fixtures.morning(start))
            assertEquals(4, report.events.size)
            assertEquals(2, engine.visits(start, start.plus(Duration.ofDays(1))).size)
        }
    }

    @Test
    fun `async work and its listener calls run off the caller's thread`() = runBlocking {
        Fixtures.open(dir).use { engine ->
            val recorder = Recorder()
            engine.subscribe(recorder).use {
                engine.recordLocationsAsync(Fixtures.morning(start))
            }
            assertEquals(1, recorder.threads.size, "one call, one delivery")
            assertTrue(Thread.currentThread().name !in recorder.threads, "${recorder.threads}")
        }
    }

    @Test
    fun `async errors are thrown as KairosException`() = runBlocking {
        Fixtures.open(dir).use { engine ->
            val tooMany = List(100_001) { Fixtures.fix(start.plusSeconds(it.toLong()), 0.0, 0.0) }
            val e = assertFailsWith<KairosException.InvalidInput> { engine.recordLocationsAsync(tooMany) }
            assertTrue(e.reason.contains("exceeds the limit of 100000"), e.reason)
        }
    }

    @Test
    fun `one engine is shared by many coroutines on many threads`() = runBlocking {
        Fixtures.open(dir).use { engine ->
            withContext(Dispatchers.Default) {
                (0 until 8).map { i ->
                    async { engine.recordSteps(Fixtures.interval(start.plus(Duration.ofMinutes(10L * i)), 10, 100)) }
                }.awaitAll()
            }
            assertEquals(800L, engine.today(start).steps)
        }
    }
}
