package dev.kairos

import java.nio.file.Path
import java.time.Duration
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** Local differential privacy: off by default, on per purpose with an epsilon that each summary records. */
class LocalPrivacyTest {
    @TempDir
    lateinit var dir: Path
    private val start = Fixtures.NINE_AM
    private val nextNight = start.plus(Duration.ofHours(17))

    private fun config(activityEpsilon: Double?) = EngineConfig(
        dataDir = dir.toString(),
        timeZone = Fixtures.TZ,
        sealingKey = Fixtures.KEY,
        activityEpsilon = activityEpsilon,
    )

    @Test
    fun `an activity epsilon noises the summary and its budget is recorded`() {
        assertFailsWith<KairosException.InvalidInput> { Engine.open(config(activityEpsilon = 11.0)) }
        Engine.open(config(activityEpsilon = 1.0)).use { engine ->
            engine.setConsent(Purpose.ACTIVITY, true, "2026-11", start)
            engine.recordSteps(Fixtures.interval(start, 60, 1430))
            assertEquals(emptyList(), engine.privacyBudget(LocalDay(2026, 11, 1), LocalDay(2026, 11, 30)))
            engine.tick(nextNight)
            val item = engine.outbox().single()
            assertContains(item.payload, "\"noise\":{\"epsilon\":1.0,\"mechanism\":\"geometric\"}")
            val spent = engine.privacyBudget(LocalDay(2026, 11, 24), LocalDay(2026, 11, 24)).single()
            assertEquals(BudgetEntry(LocalDay(2026, 11, 24), Purpose.ACTIVITY, "geometric", 1.0, nextNight), spent)
            assertTrue(engine.exportProfile().contains("\"privacy_budget\""))
        }
    }
}
