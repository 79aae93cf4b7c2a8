import Foundation
@testable import Kairos

/// The signed example catalog (`tests/catalogs`): the mall in San Jose of the
/// canonical day, with the boutique Maison Lumière (open 10:00–21:00 on
/// weekdays, America/Los_Angeles; offer `maison-lumiere-20-off`, claimable
/// for 3 hours), the food court and a grocery store nearby.
enum Mall {
    static let boutiqueOffer = "maison-lumiere-20-off"
    static let boutique = "maison-lumiere-valley-mall"
    static let foodCourt = "valley-food-court-main"
    static let grocery = "fresh-market-stevens-creek"

    /// The boutique's polygon spans latitudes 37.32555...37.32580 and
    /// longitudes -121.94600...-121.94560.
    static let midLat = 37.325675
    static let westEdgeLon = -121.946
    static let metresPerDegreeLon = 111_320.0 * cos(midLat * .pi / 180)

    /// The workspace root, found from this file's path.
    static let repo: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("tests/catalogs/example.signed.json").path) {
            precondition(dir.path != "/", "tests/catalogs not found above \(#filePath)")
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }()

    /// The signed envelope's file.
    static var catalogURL: URL { repo.appendingPathComponent("tests/catalogs/example.signed.json") }

    /// The signed envelope, as the backend serves it.
    static var envelope: Data {
        try! Data(contentsOf: catalogURL)
    }

    /// The key that signed it.
    static let key: CatalogKey = {
        let text = try! String(contentsOf: repo.appendingPathComponent("tests/catalogs/test-key.pub"), encoding: .utf8)
        return CatalogKey(keyId: "test-key", publicKey: Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))!)
    }()

    /// `hh:mm` on Tuesday 2026-11-24 in Los Angeles (midnight there is 08:00 UTC).
    static func at(_ hour: Int, _ minute: Int) -> Date {
        Date(timeIntervalSince1970: 1_795_507_200 + Double(hour * 3600 + minute * 60))
    }

    /// An engine in `dir` trusting `keys`, with a fixed install id.
    static func open(_ dir: URL, keys: [CatalogKey] = [key]) throws -> Engine {
        try Engine.open(config: EngineConfig(dataDir: dir.path, timeZone: Fixtures.timeZone, sealingKey: Fixtures.key, catalogKeys: keys, installId: "swift-tests"))
    }

    /// An engine with the catalog loaded at 10:00.
    static func openLoaded(_ dir: URL) throws -> Engine {
        let engine = try open(dir)
        _ = try engine.loadCatalog(envelope: envelope, now: at(10, 0))
        return engine
    }

    /// A straight walk due east across the boutique, along its middle: from
    /// 60 m west of its west edge to 20 m past its east edge (short of the
    /// food court), at 1.3 m/s, a fix every 5 s, accuracy 8 m.
    static func walk(_ start: Date) -> [LocationFix] {
        var fixes: [LocationFix] = []
        var seconds = 0.0
        while -60 + 1.3 * seconds <= 55 {
            let x: Double = -60 + 1.3 * seconds
            let lon: Double = westEdgeLon + x / metresPerDegreeLon
            fixes.append(LocationFix(at: start.addingTimeInterval(seconds), lat: midLat, lon: lon, accuracyM: 8, speedMps: 1.3))
            seconds += 5
        }
        return fixes
    }

    /// `fixes` as a CSV track (epoch milliseconds).
    static func csv(_ fixes: [LocationFix]) -> String {
        "timestamp,lat,lon,accuracy,speed\n" + fixes.map { f in
            let ms = Int64((f.at.timeIntervalSince1970 * 1000).rounded())
            return "\(ms),\(f.lat),\(f.lon),\(f.accuracyM),\(f.speedMps.map { "\($0)" } ?? "")\n"
        }.joined()
    }

    /// The envelope with its document changed after signing (20% became 90%).
    static func tampered() -> Data {
        var envelope = try! JSONSerialization.jsonObject(with: self.envelope) as! [String: Any]
        let document = String(data: Data(base64Encoded: envelope["payload"] as! String)!, encoding: .utf8)!
        precondition(document.contains("20% off"))
        envelope["payload"] = Data(document.replacingOccurrences(of: "20% off", with: "90% off").utf8).base64EncodedString()
        return try! JSONSerialization.data(withJSONObject: envelope)
    }
}

/// An `OfferTriggered` event, flattened for assertions.
struct Triggered: Equatable {
    let at: Date
    let instanceId: Int64
    let offerId: String
    let placeId: String
    let trigger: OfferTrigger
    let title: String
    let expiresAt: Date
}

/// The `OfferTriggered` events among `events`.
func triggered(_ events: [KairosEvent]) -> [Triggered] {
    events.compactMap {
        guard case let .offerTriggered(at, instanceId, offerId, _, placeId, trigger, title, expiresAt) = $0 else { return nil }
        return Triggered(at: at, instanceId: instanceId, offerId: offerId, placeId: placeId, trigger: trigger, title: title, expiresAt: expiresAt)
    }
}

/// The offer events among `events`, as `kind offerId`.
func offerEvents(_ events: [KairosEvent]) -> [String] {
    events.compactMap {
        switch $0 {
        case let .offerTriggered(_, _, offerId, _, _, _, _, _): return "triggered \(offerId)"
        case let .offerSuppressed(_, offerId, _, _, _, _, _): return "suppressed \(offerId)"
        case let .offerExpired(_, _, offerId): return "expired \(offerId)"
        default: return nil
        }
    }
}
