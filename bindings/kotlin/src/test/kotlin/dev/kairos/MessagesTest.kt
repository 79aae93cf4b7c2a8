package dev.kairos

import java.nio.file.Path
import java.time.Duration
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs

/** The right message: the notification budget, claim windows that end at closing time, the relevance floor. */
class MessagesTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `the notification budget and the relevance floor have the documented defaults`() {
        val c = EngineConfig(dataDir = dir.toString(), timeZone = Fixtures.TZ, sealingKey = Fixtures.KEY)
        assertEquals(6 to 10, c.notificationsPerDay to c.minMinutesBetweenNotifications)
        assertEquals(0.08, c.relevanceFloor)
        val e = assertFailsWith<KairosException.InvalidInput> { Engine.open(c.copy(notificationsPerDay = 0)) }
        assertContains(e.reason, "notification_budget.per_day must be positive")
        assertFailsWith<KairosException.InvalidInput> { Engine.open(c.copy(relevanceFloor = 1.5)) }
    }

    @Test
    fun `a nudge due just after an offer is held by the notification budget, with its reason`() {
        Mall.openLoaded(dir).use { engine ->
            engine.recordSteps(Fixtures.interval(Mall.at("09:00"), 30, 1430))
            val offer = engine.recordLocations(Mall.walk(Mall.at("10:24"))).events.filterIsInstance<KairosEvent.OfferTriggered>().single()
            val events = engine.tick(Mall.at("10:31"))
            assertEquals(emptyList(), events.filterIsInstance<KairosEvent.InactivityNudge>())
            val held = assertIs<KairosEvent.NotificationHeld>(events.single { it is KairosEvent.NotificationHeld })
            assertEquals(MessageKind.INACTIVITY_NUDGE to BudgetLimit.MIN_GAP, held.message to held.limit)
            assertEquals(offer.at.plus(Duration.ofMinutes(10)), held.until)
            assertContains(held.explanation, "notification budget")
        }
    }

    @Test
    fun `an offer at 20 30 can be claimed until the boutique closes at 21 00`() {
        Mall.openLoaded(dir).use { engine ->
            val offer = engine.recordLocations(Mall.walk(Mall.at("20:30"))).events.filterIsInstance<KairosEvent.OfferTriggered>().single()
            assertEquals(Mall.at("21:00"), offer.expiresAt)
        }
    }
}
