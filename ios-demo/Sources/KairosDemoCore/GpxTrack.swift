import Foundation
import Kairos
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A GPX file that cannot be replayed; the message names the point.
public struct GpxError: Error, Equatable, CustomStringConvertible {
    public let description: String
}

/// Reads a GPX track (what Xcode and the Android emulator record) as fixes: every `<trkpt>`, or
/// every `<wpt>` when there is no track, with its `<time>`. GPX has no accuracy; fixes get
/// `accuracyM`, as `parseTrackCsv` gives CSV lines without one.
public enum GpxTrack {
    /// The accuracy given to every fix.
    public static let accuracyM = 10.0

    /// The fixes of `text`, in file order.
    public static func parse(_ text: String) throws -> [LocationFix] {
        let reader = Reader()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = reader
        guard parser.parse() else {
            throw reader.error ?? GpxError(description: "not a GPX file: \(parser.parserError.map { "\($0)" } ?? "unreadable")")
        }
        if let error = reader.error { throw error }
        return reader.trackPoints.isEmpty ? reader.waypoints : reader.trackPoints
    }

    /// Collects `wpt` and `trkpt` elements as they are read.
    private final class Reader: NSObject, XMLParserDelegate {
        var waypoints: [LocationFix] = []
        var trackPoints: [LocationFix] = []
        var error: GpxError?
        private var point: (lat: Double, lon: Double, isTrack: Bool, n: Int)?
        private var time: String?
        private var text = ""
        private var count = 0

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            text = ""
            guard name == "wpt" || name == "trkpt" else { return }
            count += 1
            guard let lat = attributes["lat"].flatMap(Double.init), let lon = attributes["lon"].flatMap(Double.init) else {
                let bad = attributes["lat"].flatMap(Double.init) == nil ? "lat" : "lon"
                return fail("point \(count): bad or missing \(bad) \"\(attributes[bad] ?? "")\"", parser)
            }
            point = (lat, lon, name == "trkpt", count)
            time = nil
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "time", point != nil { time = text.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard name == "wpt" || name == "trkpt", let p = point else { return }
            point = nil
            guard let time else { return fail("point \(p.n) has no <time>: a replay needs timed points", parser) }
            guard let at = Self.iso8601(time) else { return fail("point \(p.n): bad time \"\(time)\"", parser) }
            let fix = LocationFix(at: at, lat: p.lat, lon: p.lon, accuracyM: GpxTrack.accuracyM, speedMps: nil)
            if p.isTrack { trackPoints.append(fix) } else { waypoints.append(fix) }
        }

        private func fail(_ message: String, _ parser: XMLParser) {
            error = GpxError(description: message)
            parser.abortParsing()
        }

        private static func iso8601(_ text: String) -> Date? {
            let formatter = ISO8601DateFormatter()
            if let date = formatter.date(from: text) { return date }
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.date(from: text)
        }
    }
}
