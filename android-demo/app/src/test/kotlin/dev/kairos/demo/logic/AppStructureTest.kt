package dev.kairos.demo.logic

import java.io.File
import javax.xml.parsers.DocumentBuilderFactory
import org.w3c.dom.Element
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** The app's shape: the manifest names real components, and the logic stays platform-free. */
class AppStructureTest {
    private val app = File(System.getProperty("kairos.app.dir") ?: ".")

    @Test
    fun `every component in the manifest is a compiled class of the right framework type`() {
        val manifest = DocumentBuilderFactory.newInstance().apply { isNamespaceAware = true }
            .newDocumentBuilder().parse(File(app, "src/main/AndroidManifest.xml"))
        val android = "http://schemas.android.com/apk/res/android"
        val expected = mapOf(
            "application" to "android.app.Application",
            "activity" to "android.app.Activity",
            "service" to "android.app.Service",
            "receiver" to "android.content.BroadcastReceiver",
        )
        var checked = 0
        for ((tag, base) in expected) {
            val nodes = manifest.getElementsByTagName(tag)
            for (i in 0 until nodes.length) {
                val name = (nodes.item(i) as Element).getAttributeNS(android, "name")
                val type = Class.forName(name, false, javaClass.classLoader)
                assertTrue(Class.forName(base, false, javaClass.classLoader).isAssignableFrom(type), "$name is not a $base")
                checked++
            }
        }
        assertEquals(8, checked)
    }

    @Test
    fun `the logic package uses no Android class`() {
        val logic = File(app, "src/main/kotlin/dev/kairos/demo/logic")
        val files = logic.listFiles { f -> f.extension == "kt" }!!.toList()
        assertTrue(files.size >= 10)
        for (file in files) {
            val android = file.readLines().filter { Regex("""^import android(x)?\.""").containsMatchIn(it) }
            assertEquals(emptyList(), android, "${file.name} must stay platform-free")
        }
    }
}
