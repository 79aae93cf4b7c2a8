package dev.kairos.demo.logic

import dev.kairos.Purpose
import java.nio.file.Path
import java.time.Duration
import java.time.Instant
import java.time.ZoneId
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.io.TempDir
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class SyncAndScheduleTest {
    @TempDir
    lateinit var dir: Path

    private val la = ZoneId.of("America/Los_Angeles")

    @Test
    fun `the nightly sync runs at the next 2 am local time across a DST change`() {
        val schedule = NightlySchedule()
        assertEquals(Duration.ofHours(3), schedule.delayUntilNext(Instant.parse("2026-11-24T07:00:00Z"), la)) // 23:00
        assertEquals(Duration.ofHours(24), schedule.delayUntilNext(Instant.parse("2026-11-24T10:00:00Z"), la)) // 02:00
        // Sat 31 Oct 2026 23:00 PDT; clocks go back at 02:00 on 1 Nov: 02:00 PST is 4 h later.
        assertEquals(Duration.ofHours(4), schedule.delayUntilNext(Instant.parse("2026-11-01T06:00:00Z"), la))
    }

    @Test
    fun `an unreachable backend leaves the outbox and asks the job to retry`() = runBlocking {
        Fixtures.engine(dir).use { engine ->
            engine.setConsent(Purpose.ACTIVITY, true, "2026-11", Walks.TEN_AM)
            engine.setConsent(Purpose.ACTIVITY, false, "2026-11", Walks.TEN_AM.plusSeconds(60)) // queues a deletion
            // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
            val (report, retry) = NightlySync.run(engine, "http://127.0.0.1:9", Walks.TEN_AM.plusSeconds(120))
            assertEquals(0, report.sent)
            assertTrue(retry, "report: $report")
            assertEquals(1, engine.outbox().size, "the deletion request stays queued")
        }
    }
}
