import Foundation
import Kairos

/// A recorded track bundled with the app for QA replay (the files of `tests/tracks`, which the
/// simulator's scenarios in `tests/scenarios` use too), with the catalog its shops come from.
public struct QaTrack: Hashable, Identifiable, Sendable {
    /// What the track shows, for the picker.
    public let title: String
    /// The track's resource path: `.gpx` or `.csv`.
    public let file: String
    /// The signed catalog envelope to load first (resource path), or nil for none.
    public let catalog: String?
    /// The time zone the track was recorded in.
    public let timeZone: String
    public var id: String { file }

    /// The fixes of the track's `text`, read by the engine's parser for its extension (CSV, GPX,
    /// GeoJSON); throws `KairosError.InvalidInput` naming the file, line or element and reason.
    public func parse(_ text: String) throws -> [LocationFix] {
        try parseTrack(name: file, text: text)
    }

    /// The tracks the app bundles.
    public static let all = [
        QaTrack(title: "Driving past Drive-Thru Burgers (GPX)", file: "tracks/drive-past-drive-thru.gpx",
                catalog: "catalogs/shop-street.signed.json", timeZone: "America/Los_Angeles"),
        QaTrack(title: "A day in Los Angeles (CSV, no catalog)", file: "tracks/sample-day.csv",
                catalog: nil, timeZone: "America/Los_Angeles"),
    ]

    /// The key id the bundled catalogs are signed with (`tests/catalogs/test-key.pub`).
    public static let catalogKeyId = "test-key"
    /// The resource holding that key's raw public key, in base64.
    public static let catalogKeyFile = "catalogs/test-key.pub"
}

/// Why a QA session cannot start.
public struct QaSessionError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, naming the file.
    public let description: String
}

/// A throw-away engine for one QA replay, in its own directory, so replayed fixes never mix with
/// the shopper's profile. Loads the track's catalog as of the track's first fix. Deletes the
/// directory when released.
public final class QaSession {
    /// The engine the replay goes into.
    public let engine: Engine
    /// The track's fixes.
    public let fixes: [LocationFix]
    private let dir: URL

    /// Opens a session in a new directory under `parent` for `track`, whose text is `trackText`;
    /// `catalog` is the track's signed catalog and `catalogKey` the base64 key it is signed with.
    public init(parent: URL, track: QaTrack, trackText: String, catalog: Data?, catalogKey: String) throws {
        let fixes = try track.parse(trackText)
        guard let start = fixes.map(\.at).min() else { throw QaSessionError(description: "\(track.file) has no points") }
        guard let key = Data(base64Encoded: catalogKey.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw QaSessionError(description: "the catalog key is not base64")
        }
        dir = parent.appendingPathComponent("qa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // Nothing personal is replayed: a fresh random sealing key, never stored.
        let sealingKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        do {
            engine = try Engine.open(config: EngineConfig(
                dataDir: dir.path, timeZone: track.timeZone, sealingKey: sealingKey,
                catalogKeys: [CatalogKey(keyId: QaTrack.catalogKeyId, publicKey: key)]))
            if let catalog { _ = try engine.loadCatalog(envelope: catalog, now: start) }
        } catch {
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
        self.fixes = fixes
    }

    deinit { try? FileManager.default.removeItem(at: dir) }
}
