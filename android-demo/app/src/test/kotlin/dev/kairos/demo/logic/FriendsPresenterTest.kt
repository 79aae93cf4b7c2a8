package dev.kairos.demo.logic

import dev.kairos.HttpRequest
import dev.kairos.HttpResponse
import dev.kairos.HttpTransport
import dev.kairos.InviteRefusal
import dev.kairos.KairosException
import dev.kairos.Purpose
import dev.kairos.SyncOptions
import dev.kairos.TransportException
import java.nio.file.Path
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.io.TempDir
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class FriendsPresenterTest {
    @TempDir
    lateinit var dir: Path

    /** A network that never answers, counting what was sent. */
    private class Offline : HttpTransport {
        var sent = 0

        override suspend fun send(request: HttpRequest): HttpResponse {
            sent += 1
            throw TransportException.Failed("airplane mode")
        }
    }

    private val options = SyncOptions(baseUrl = "http://127.0.0.1:9", allowInsecureLoopback = true, fetchCatalog = false)

    @Test
    fun `without social the section says to turn it on, both buttons stay off, and an invite sends nothing`() = runBlocking {
        Fixtures.engine(dir).use { engine ->
            val network = Offline()
            val friends = FriendsPresenter(engine, options, network)
            val panel = friends.panel()
            assertEquals(FriendsPanel(false, FriendsPresenter.TURN_ON), panel)
            assertFalse(FriendsPresenter.canInvite(panel, busy = false))
            assertFalse(FriendsPresenter.canAccept(panel, "ABCD-EFGH-JKMN", busy = false))
            assertEquals(FriendsOutcome.Failed(FriendsPresenter.TURN_ON), friends.invite())
            assertEquals(FriendsOutcome.Failed(FriendsPresenter.TURN_ON), friends.accept("ABCD-EFGH-JKMN"))
            assertEquals(0, network.sent, "nothing leaves without social")
        }
    }

    @Test
    fun `with social on, Invite is on, Accept waits for a typed code, and both wait for the running request`() {
        Fixtures.engine(dir).use { engine ->
            engine.setConsent(Purpose.SOCIAL, true, PrivacyPresenter.POLICY_VERSION, Walks.TEN_AM)
            val panel = FriendsPresenter(engine, options, Offline()).panel()
            assertEquals(FriendsPanel(true, FriendsPresenter.LINKED_FRIENDS), panel)
            assertTrue(FriendsPresenter.canInvite(panel, busy = false))
            assertFalse(FriendsPresenter.canInvite(panel, busy = true))
            assertEquals(listOf(false, false, true, false), listOf("", "   ", "abcd efgh jkmn", "ABCD").mapIndexed { i, code ->
                FriendsPresenter.canAccept(panel, code, busy = i == 3)
            })
        }
    }

    @Test
    fun `with the server out of reach an invite or accept says so in words`() = runBlocking {
        Fixtures.engine(dir).use { engine ->
            engine.setConsent(Purpose.SOCIAL, true, PrivacyPresenter.POLICY_VERSION, Walks.TEN_AM)
            val network = Offline()
            val friends = FriendsPresenter(engine, options, network)
            val unreachable = FriendsOutcome.Failed("The server cannot be reached now. Check your connection and try again.")
            assertEquals(unreachable, friends.invite())
            assertEquals(unreachable, friends.accept("ABCD-EFGH-JKMN"))
            assertTrue(network.sent > 0)
        }
    }

    @Test
    fun `each refusal of a code reads as its own sentence`() {
        val words = InviteRefusal.entries.associateWith(FriendsPresenter::refusal)
        assertEquals(InviteRefusal.entries.size, words.values.toSet().size, "$words")
        assertTrue("used already" in words.getValue(InviteRefusal.USED))
        assertTrue("your own code" in words.getValue(InviteRefusal.OWN_INVITE))
        assertTrue("expired" in words.getValue(InviteRefusal.EXPIRED))
        val refused = KairosException.FriendInviteRefused("friend invite refused: used", InviteRefusal.USED)
        assertEquals(words.getValue(InviteRefusal.USED), FriendsPresenter.failure(refused))
        assertEquals(FriendsPresenter.TURN_ON, FriendsPresenter.failure(KairosException.ConsentRequired("no", Purpose.SOCIAL)))
    }

    @Test
    fun `an invite code shows in groups of four`() {
        assertEquals("ABCD-EFGH-JKMN", FriendsPresenter.grouped("ABCDEFGHJKMN"))
    }
}

/** Invite and accept through the real reference backend on loopback (`cargo xtask test-demos` builds it). */
class FriendsThroughTheBackendTest {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `one shopper invites, the other accepts the grouped code, and a second accept reads as used`() = runBlocking {
        val binary = Path.of(System.getProperty("jna.library.path")).resolve("kairos-backend")
        val process = ProcessBuilder(
            binary.toString(), "serve", "--db", dir.resolve("backend.db").toString(), "--addr", "127.0.0.1:0",
        ).redirectErrorStream(true).start()
        try {
            val out = process.inputStream.bufferedReader()
            val url = generateSequence { out.readLine() }.firstNotNullOf { Regex("serving on (http://\\S+)").find(it)?.groupValues?.get(1) }
            Thread { out.useLines { it.forEach { } } }.apply { isDaemon = true }.start()
            val options = SyncOptions(baseUrl = url, allowInsecureLoopback = true, fetchCatalog = false)
            val http = dev.kairos.HttpUrlConnectionTransport()
            Fixtures.engine(dir.resolve("a")).use { a ->
                Fixtures.engine(dir.resolve("b")).use { b ->
                    for (e in listOf(a, b)) e.setConsent(Purpose.SOCIAL, true, PrivacyPresenter.POLICY_VERSION, Walks.TEN_AM)
                    val invited = FriendsPresenter(a, options, http).invite()
                    val code = (invited as FriendsOutcome.Invited).code
                    assertTrue(Regex("[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}").matches(code), code)
                    assertTrue(invited.message.startsWith("Give this code to a friend who uses the app. It works once, until "), invited.message)
                    val friend = FriendsPresenter(b, options, http)
                    assertTrue(friend.accept(" ${code.lowercase()} ") is FriendsOutcome.Linked, "case, spaces and hyphens do not matter")
                    assertEquals(FriendsOutcome.Failed(FriendsPresenter.refusal(InviteRefusal.USED)), friend.accept(code))
                    assertEquals(FriendsOutcome.Failed(FriendsPresenter.refusal(InviteRefusal.UNKNOWN)), friend.accept("ABCD-EFGH-JKMN"))
                }
            }
        } finally {
            process.destroy()
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly()
        }
    }
}
