package dev.kairos.consumer

import com.sun.jna.NativeLibrary
import com.sun.jna.Platform
import dev.kairos.Engine
import dev.kairos.KairosEvent
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.junit.Test

/** dev.kairos:kairos's classes with dev.kairos:kairos-forUnitTests's native library: an app's plain JVM test. */
class BindingsArtifactTest {
    @Test
    fun the_native_library_loads_from_the_class_path_and_an_offer_is_triggered_and_redeemed() {
        assertNull(System.getProperty("jna.library.path"), "the library must come from kairos-forUnitTests")
        Engine.open(Shop.config()).use { engine ->
            engine.loadCatalog(Shop.catalog, Shop.TEN_AM)
            val events = engine.recordLocations(Shop.walkIntoCafe()).events
            val offer = events.filterIsInstance<KairosEvent.OfferTriggered>().single()
            val now = offer.at.plusSeconds(60)
            assertEquals(listOf(offer.instanceId), engine.offers(now).map { it.id })
            engine.redeemed(offer.instanceId, now)
            assertTrue(engine.offers(now).isEmpty(), "redeemed, no longer claimable")
        }
        // From kairos-forUnitTests, at the path JNA looks for on this host, and not from a build directory.
        assertNotNull(javaClass.classLoader.getResource("${Platform.RESOURCE_PREFIX}/libkairos_ffi.so"), "the jar's library")
        val loaded = NativeLibrary.getInstance("kairos_ffi").file
        assertFalse("/target/" in loaded.path, "loaded from $loaded, not from the class path")
    }
}
