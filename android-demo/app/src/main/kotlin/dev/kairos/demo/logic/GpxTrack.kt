package dev.kairos.demo.logic

import dev.kairos.LocationFix
import org.w3c.dom.Element
import org.xml.sax.InputSource
import org.xml.sax.SAXException
import java.io.StringReader
import java.time.Instant
import java.time.format.DateTimeParseException
import javax.xml.parsers.DocumentBuilderFactory

/** A GPX file that cannot be replayed; [message] names the point. */
class GpxException(message: String) : Exception(message)

/**
 * Reads a GPX track (what Xcode and the Android emulator record) as fixes: every `<trkpt>`, or
 * every `<wpt>` when there is no track, with its `<time>`. GPX has no accuracy; fixes get
 * [ACCURACY_M], as `parseTrackCsv` gives CSV lines without one.
 */
object GpxTrack {
    /** The accuracy given to every fix. */
    const val ACCURACY_M = 10.0

    /** The fixes of [text], in file order. */
    fun parse(text: String): List<LocationFix> {
        val document = try {
            val builder = DocumentBuilderFactory.newInstance().apply { isNamespaceAware = true }.newDocumentBuilder()
            builder.setErrorHandler(QuietErrors)
            builder.parse(InputSource(StringReader(text)))
        } catch (e: SAXException) {
            throw GpxException("not a GPX file: ${e.message}")
        }
        val points = document.getElementsByTagNameNS("*", "trkpt").takeIf { it.length > 0 }
            ?: document.getElementsByTagNameNS("*", "wpt")
        return (0 until points.length).map { i -> fix(points.item(i) as Element, i + 1) }
    }

    private fun fix(point: Element, n: Int): LocationFix {
        fun coordinate(name: String) = point.getAttribute(name).toDoubleOrNull()
            ?: throw GpxException("point $n: bad or missing $name \"${point.getAttribute(name)}\"")
        val time = point.getElementsByTagNameNS("*", "time").item(0)?.textContent?.trim()
            ?: throw GpxException("point $n has no <time>: a replay needs timed points")
        val at = try {
            Instant.parse(time)
        } catch (e: DateTimeParseException) {
            throw GpxException("point $n: bad time \"$time\"")
        }
        return LocationFix(at, coordinate("lat"), coordinate("lon"), ACCURACY_M, null)
    }
}

/** Errors become the exception, not lines on stderr as the parser's default handler prints. */
private object QuietErrors : org.xml.sax.ErrorHandler {
    override fun warning(e: org.xml.sax.SAXParseException) = Unit
    override fun error(e: org.xml.sax.SAXParseException) = throw e
    override fun fatalError(e: org.xml.sax.SAXParseException) = throw e
}
