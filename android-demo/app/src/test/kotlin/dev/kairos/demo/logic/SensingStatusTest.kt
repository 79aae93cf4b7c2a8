package dev.kairos.demo.logic

import dev.kairos.KairosEvent
import dev.kairos.SensingAccuracy
import dev.kairos.SensingReason
import java.nio.file.Path
import org.junit.jupiter.api.io.TempDir
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class SensingStatusTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `the status line shows the engine's plan and follows its changes`() {
        Fixtures.engine(dir, "catalogs/shop-street.signed.json", Walks.TEN_AM).use { engine ->
            val status = SensingStatus()
            assertEquals("Sensing: no plan yet", status.line)
            status.show(engine.sensingPlan(Walks.TEN_AM))
            assertEquals("Sensing: balanced every 30 s (roaming)", status.line, "no fix yet")
            val events = engine.recordLocations(Walks.intoCafe()).events
            events.forEach(status::onEvent)
            val last = events.filterIsInstance<KairosEvent.SensingPlanChanged>().last()
            assertEquals(SensingStatus.text(last.accuracy, last.intervalMs, last.reason), status.line)
            assertTrue(status.line != "Sensing: balanced every 30 s (roaming)", "walking into the café changes the plan: ${status.line}")
        }
    }

    @Test
    fun `classes and reasons read as words, short intervals keep a tenth`() {
        assertEquals("Sensing: high every 10 s (in fence)", SensingStatus.text(SensingAccuracy.HIGH, 10_000, SensingReason.IN_FENCE))
        assertEquals("Sensing: high every 2.5 s (near boundary)", SensingStatus.text(SensingAccuracy.HIGH, 2_500, SensingReason.NEAR_BOUNDARY))
        assertEquals("Sensing: low every 30 s (quiet hours)", SensingStatus.text(SensingAccuracy.LOW, 30_000, SensingReason.QUIET_HOURS))
    }
}
