package dev.kairos

import java.nio.file.Path
import java.time.Duration
import java.time.LocalDate
import java.util.concurrent.CopyOnWriteArrayList
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.filterIsInstance
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** Keeps every log record (the JVM tests' logger). */
class CapturingLog : LogSink {
    val records = CopyOnWriteArrayList<LogRecord>()
    override fun log(record: LogRecord) {
        records.add(record)
    }
}

/** What an app adopts first: logs, the event Flow, typed days and codes, the async calls. */
class SdkTest {
    @TempDir
    lateinit var dir: Path
    private val start = Fixtures.NINE_AM

    @AfterEach
    fun noLogger() = setLogger(LogLevel.OFF, null)

    @Test
    fun `a throwing listener produces a warning in the app's log`() {
        val log = CapturingLog()
        setLogger(LogLevel.WARN, log)
        Fixtures.open(dir, stepGoal = 1000).use { engine ->
            engine.subscribe(object : EventListener {
                override fun onEvents(events: List<KairosEvent>) = throw IllegalStateException("listener bug")
            }).use {
                engine.recordSteps(Fixtures.interval(start, 20, 1200))
            }
        }
        val line = log.records.single { it.message.startsWith("event listener failed") }
        assertEquals(LogLevel.WARN to "kairos_ffi::listener", line.level to line.target)
        assertContains(line.message, "listener bug")
    }

    @Test
    fun `the logger's level filters and removing it stops the records`() {
        val log = CapturingLog()
        setLogger(LogLevel.ERROR, log)
        Fixtures.open(dir, stepGoal = 1000).use { engine ->
            engine.subscribe(object : EventListener {
                override fun onEvents(events: List<KairosEvent>) = throw IllegalStateException("listener bug")
            }).use {
                engine.recordSteps(Fixtures.interval(start, 20, 1200))
                assertTrue(log.records.none { it.level == LogLevel.WARN }, "${log.records}")
                setLogger(LogLevel.TRACE, null)
                engine.recordSteps(Fixtures.interval(start.plus(Duration.ofHours(1)), 20, 1200))
            }
        }
        assertEquals(emptyList(), log.records.toList())
    }

    @Test
    fun `the default sink writes without Android to standard error`() {
        // On the JVM there is no android.util.Log: the sink must still take records.
        KairosLog.logcat().log(LogRecord(LogLevel.WARN, "kairos_ffi::test", "hello"))
        assertEquals(5, logcatPriority(LogLevel.WARN))
    }

    @Test
    fun `events flow to a collector until it stops`() = runBlocking {
        Fixtures.open(dir, stepGoal = 1000).use { engine ->
            val received = CopyOnWriteArrayList<KairosEvent>()
            // Unconfined: the collection (and its subscription) starts before launch returns.
            val collecting = launch(Dispatchers.Unconfined) { engine.events().take(5).toList(received) }
            val returned = engine.recordLocations(Fixtures.morning(start)).events +
                engine.recordSteps(Fixtures.interval(start, 20, 1200))
            collecting.join()
            assertEquals(returned.take(5), received.toList())
            // take(5) ended the collection, which cancelled its subscription: nothing is left to deliver to.
            val again = launch(Dispatchers.Unconfined) {
                val goal = engine.events().filterIsInstance<KairosEvent.StepGoalReached>().first()
                assertEquals(LocalDay(2026, 11, 25), goal.day)
            }
            engine.recordSteps(Fixtures.interval(start.plus(Duration.ofDays(1)), 20, 1200))
            again.join()
        }
    }

    @Test
    fun `days cross as LocalDay and convert to java time`() {
        val day = LocalDay(2026, 11, 24)
        assertEquals(LocalDate.of(2026, 11, 24), day.toLocalDate())
        assertEquals(day, LocalDate.of(2026, 11, 24).toLocalDay())
        Fixtures.open(dir).use { engine ->
            assertEquals(day, engine.today(start).day)
            val e = assertFailsWith<KairosException.InvalidInput> { engine.privacyBudget(LocalDay(2026, 2, 30), day) }
            assertContains(e.reason, "no such local day")
        }
    }

    @Test
    fun `the calls that touch SQLite have suspend variants`() = runBlocking {
        val engine = Engine.openAsync(EngineConfig(dataDir = dir.toString(), timeZone = Fixtures.TZ, sealingKey = Fixtures.KEY, stepGoal = 1000))
        engine.use {
            assertEquals(1, engine.recordStepsAsync(Fixtures.interval(start, 20, 1200)).size)
            engine.recordStepSamplesAsync(listOf(Fixtures.interval(start.plus(Duration.ofHours(1)), 10, 100)))
            engine.recordLocationAsync(Fixtures.fix(start, 0.0, 0.0))
            engine.recordVisitAsync(34.06, -118.24, start.plus(Duration.ofHours(2)), start.plus(Duration.ofHours(3)))
            engine.setConsentAsync(Purpose.ACTIVITY, true, "2026-11", start)
            engine.tickAsync(start.plus(Duration.ofDays(1)))
            assertEquals(1, engine.outbox().size)
            assertContains(engine.exportProfileAsync(), "kairos-export/2")
            val newKey = ByteArray(32) { 9 }
            engine.rotateKeyAsync(newKey)
            engine.eraseAllAsync(start.plus(Duration.ofDays(1)))
            assertEquals(0L, engine.today(start).steps)
        }
        val wrong = assertFailsWith<KairosException.WrongKey> { Engine.openAsync(EngineConfig(dataDir = dir.toString(), timeZone = Fixtures.TZ, sealingKey = Fixtures.KEY)) }
        assertTrue(wrong.message!!.isNotEmpty())
    }
}
