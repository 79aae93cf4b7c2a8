package dev.kairos.demo.logic

import dev.kairos.Purpose
import java.nio.file.Path
import java.time.ZoneId
import org.junit.jupiter.api.io.TempDir
import kotlin.test.Test
import kotlin.test.assertContains
import kotlin.test.assertEquals

class PrivacyPresenterTest {
    @TempDir
    lateinit var dir: Path

    private val zone = ZoneId.of("America/Los_Angeles")

    @Test
    fun `every purpose starts off, choices go to the ledger newest first`() {
        Fixtures.engine(dir).use { engine ->
            val presenter = PrivacyPresenter(engine, zone)
            assertEquals(listOf(false, false, false, false), presenter.load().purposes.map { it.granted })
            assertEquals(listOf("Activity", "Visits", "Offers", "Friends"), presenter.load().purposes.map { it.title })
            presenter.setConsent(Purpose.ACTIVITY, true, Fixtures.at("2026-11-24T09:00:00-08:00"))
            presenter.setConsent(Purpose.ACTIVITY, false, Fixtures.at("2026-11-24T09:05:00-08:00"))
            presenter.setConsent(Purpose.OFFERS, true, Fixtures.at("2026-11-24T09:06:00-08:00"))
            val privacy = presenter.load()
            assertEquals(listOf(false, false, true, false), privacy.purposes.map { it.granted })
            assertEquals(
                listOf(
                    "Tue 24 Nov 09:06 · Offers on · policy 2026-11",
                    "Tue 24 Nov 09:05 · Activity off · policy 2026-11",
                    "Tue 24 Nov 09:00 · Activity on · policy 2026-11",
                ),
                privacy.ledger,
            )
            // Withdrawing activity queued a deletion request for the backend.
            assertEquals("1 item waits to be sent", privacy.outbox)
        }
    }

    @Test
    fun `export is the whole profile, erase leaves every purpose off`() {
        Fixtures.engine(dir).use { engine ->
            val presenter = PrivacyPresenter(engine, zone)
            presenter.setConsent(Purpose.VISITS, true, Walks.TEN_AM)
            engine.recordLocations(Walks.intoCafe())
            assertContains(presenter.export(), "kairos-export/2")
            presenter.erase(Walks.TEN_AM.plusSeconds(3600))
            assertEquals(listOf(false, false, false, false), presenter.load().purposes.map { it.granted })
        }
    }
}
