package dev.kairos.demo.logic

import dev.kairos.KairosEvent
import dev.kairos.LocalDay
import dev.kairos.OfferTrigger
import dev.kairos.SuppressionReason
import java.time.ZoneId
import kotlin.test.Test
import kotlin.test.assertEquals

class EventTextTest {
    @Test
    fun `events read as one timed line in the track's zone`() {
        val at = Fixtures.at("2026-11-24T12:00:35-08:00")
        val zone = ZoneId.of("America/Los_Angeles")
        val suppressed = KairosEvent.OfferSuppressed(at, "drive-thru-combo", "drive-thru", "drive-thru-main", OfferTrigger.ENTER, SuppressionReason.WHILE_DRIVING, "the shopper is driving")
        assertEquals("12:00 Offer suppressed: drive-thru-combo (the shopper is driving)", EventText.line(suppressed, zone))
        assertEquals("12:00 Step goal reached: 7512 of 7500", EventText.line(KairosEvent.StepGoalReached(at, LocalDay(2026, 11, 24), 7512, 7500), zone))
    }
}
