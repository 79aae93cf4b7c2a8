import Foundation
import Kairos
import KairosDemoCore
import XCTest

/// The workspace's bundled tracks and catalogs, and engines over them.
enum Fixtures {
    /// The workspace's `tests/`, found from this file.
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("tests")

    static let la = TimeZone(identifier: "America/Los_Angeles")!

    /// A bundled resource, by its path in the app (`tracks/...`, `catalogs/...`).
    static func resource(_ path: String) throws -> Data { try Data(contentsOf: tests.appendingPathComponent(path)) }
    static func text(_ path: String) throws -> String { String(decoding: try resource(path), as: UTF8.self) }

    /// 10:00 on Tuesday 24 November 2026 in Los Angeles.
    static let tenAM = at("2026-11-24T18:00:00Z")

    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    /// A fresh directory.
    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// An engine trusting the bundled catalogs, with `catalog` loaded at `at`.
    static func engine(catalog: String? = nil, at: Date = tenAM) throws -> Engine {
        let key = Data(base64Encoded: try text(QaTrack.catalogKeyFile).trimmingCharacters(in: .whitespacesAndNewlines))!
        let engine = try Engine.open(config: EngineConfig(
            dataDir: try tempDir().path, timeZone: "America/Los_Angeles", sealingKey: Data(repeating: 3, count: 32),
            catalogKeys: [CatalogKey(keyId: QaTrack.catalogKeyId, publicKey: key)]))
        if let catalog { _ = try engine.loadCatalog(envelope: try resource(catalog), now: at) }
        return engine
    }

    /// A fix `north` and `east` metres from the Corner Café (shop-street catalog; its offer fires on entry).
    static func cafeFix(_ start: Date, _ seconds: Double, north: Double = 0, east: Double = 0, speed: Double = 1.3) -> LocationFix {
        LocationFix(at: start.addingTimeInterval(seconds), lat: 37.33 + north / 111_320,
                    lon: -121.9 + east / (111_320 * cos(37.33 * Double.pi / 180)), accuracyM: 8, speedMps: speed)
    }

    /// From 250 m west of the café into it (every 10 s at 1.3 m/s), then 10 minutes inside.
    /// West, because the Night Owl lies 222 m south and the bakery 350 m west.
    static func intoCafe(_ start: Date = tenAM) -> [LocationFix] {
        (0...19).map { cafeFix(start, Double($0) * 10, east: -250 + Double($0) * 13) }
            + (1...60).map { cafeFix(start, 190 + Double($0) * 10, speed: 0) }
    }
}
