package dev.kairos

import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull

/** Friend invites (purpose `social`) against the real reference backend on loopback. */
class SocialTest {
    @TempDir
    lateinit var dir: Path
    private val start = Fixtures.NINE_AM
    private val http = HttpUrlConnectionTransport()

    private fun open(name: String): Engine = Engine.open(
        EngineConfig(
            dataDir = dir.resolve(name).toString(), timeZone = Fixtures.TZ, sealingKey = Fixtures.KEY,
            catalogKeys = listOf(Mall.key),
        ),
    )

    @Test
    fun `two shoppers holding social link by invitation, a code is single use, and sync fetches the counts`() = runBlocking {
        Backend.start(dir).use { backend ->
            val options = backend.options(fetchCatalog = false)
            open("a").use { a ->
                open("b").use { b ->
                    for (e in listOf(a, b)) e.setConsent(Purpose.SOCIAL, true, "2026-11", start)
                    val invite = a.createFriendInvite(options, http)
                    assertEquals(12, invite.code.length)
                    b.acceptFriendInvite(options, http, invite.code)
                    val again = assertFailsWith<KairosException.FriendInviteRefused> {
                        b.acceptFriendInvite(options, http, invite.code)
                    }
                    assertEquals(InviteRefusal.USED, again.refusal)
                    val own = a.createFriendInvite(options, http)
                    val mine = assertFailsWith<KairosException.FriendInviteRefused> {
                        a.acceptFriendInvite(options, http, own.code)
                    }
                    assertEquals(InviteRefusal.OWN_INVITE, mine.refusal)
                    val unknown = assertFailsWith<KairosException.FriendInviteRefused> {
                        b.acceptFriendInvite(options, http, "ABCD-EFGH-JKMN")
                    }
                    assertEquals(InviteRefusal.UNKNOWN, unknown.refusal)

                    assertNull(b.friendCounts(), "nothing before a sync")
                    val report = b.sync(options, http, start.plusSeconds(60))
                    // One friend, who visited nothing: no merchant reaches two friends.
                    assertEquals(0, report.friendCounts, "$report")
                    assertEquals(emptyList(), assertNotNull(b.friendCounts()).merchants)
                }
            }
        }
    }

    @Test
    fun `without social granted an invite is refused and nothing is sent`() = runBlocking {
        Backend.start(dir).use { backend ->
            open("c").use { c ->
                val e = assertFailsWith<KairosException.ConsentRequired> {
                    c.createFriendInvite(backend.options(fetchCatalog = false), http)
                }
                assertEquals(Purpose.SOCIAL, e.purpose)
                val report = c.sync(backend.options(fetchCatalog = false), http, start)
                assertNull(report.friendCounts)
            }
        }
    }

    @Test
    fun `withdrawing social forgets the counts and queues the deletion`() = runBlocking {
        Backend.start(dir).use { backend ->
            open("d").use { d ->
                d.setConsent(Purpose.SOCIAL, true, "2026-11", start)
                d.sync(backend.options(fetchCatalog = false), http, start)
                assertNotNull(d.friendCounts())
                val change = d.setConsent(Purpose.SOCIAL, false, "2026-11", start.plusSeconds(60))
                assertEquals(true, change.deletionQueued)
                assertNull(d.friendCounts())
                val report = d.sync(backend.options(fetchCatalog = false), http, start.plusSeconds(120))
                assertEquals(1, report.deletionsSent, "$report")
            }
        }
    }
}
