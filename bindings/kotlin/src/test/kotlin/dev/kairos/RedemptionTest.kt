package dev.kairos

import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** `redeem` returns the signed token to show at the till; `register` gives the backend its key. */
class RedemptionTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `redeem returns the typed token record and redeeming again is an InvalidOfferTransition`() {
        Mall.openLoaded(dir).use { engine ->
            val offer = triggered(engine.recordLocations(Mall.walk(Mall.at("10:32"))).events).single()
            val redemption = engine.redeem(offer.instanceId, Mall.at("11:05"))
            assertEquals(OfferState.REDEEMED to Mall.at("11:05"), redemption.instance.state to redemption.instance.stateAt)
            val token = redemption.token
            assertEquals("kairos:r:${token.compact}", token.qrPayload)
            assertTrue(token.compact.startsWith("KR1.") && token.compact.length <= 600, token.compact)
            assertEquals(Mall.BOUTIQUE_OFFER to offer.instanceId, token.offerId to token.instanceId)
            assertEquals("maison-lumiere", token.merchantId)
            assertEquals(Mall.at("11:05") to offer.expiresAt, token.issuedAt to token.expiresAt)
            assertEquals(22, token.keyId.length)
            val e = assertFailsWith<KairosException.InvalidOfferTransition> { engine.redeem(offer.instanceId, Mall.at("11:06")) }
            assertEquals(offer.instanceId, e.instanceId)
        }
    }

    @Test
    fun `register gives the backend the install and its redemption key, once`() = runBlocking {
        Backend.start(dir).use { backend ->
            // A random install id, as the backend requires.
            val config = EngineConfig(
                dataDir = dir.resolve("profile").toString(), timeZone = Fixtures.TZ, sealingKey = Fixtures.KEY,
                catalogKeys = listOf(Mall.key),
            )
            Engine.open(config).use { engine ->
                val first = engine.register(backend.options(), HttpUrlConnectionTransport())
                assertEquals(emptyList(), first.problems)
                val again = engine.register(backend.options(), HttpUrlConnectionTransport())
                assertEquals(emptyList(), again.problems)
            }
        }
    }
}
