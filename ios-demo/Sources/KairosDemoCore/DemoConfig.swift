import Foundation

/// The demo's settings, in one place.
public enum DemoConfig {
    /// The backend KairosKit's background sync talks to. The simulator shares the Mac's loopback: run
    /// `kairos-backend serve --addr 127.0.0.1:8080` there. An app ships `https://`.
    public static let backendUrl = "http://127.0.0.1:8080"
    /// Today's step goal.
    public static let stepGoal: Int32 = 7500
    /// The catalog bundled for a first run without a backend (`tests/catalogs/example.signed.json`).
    public static let starterCatalog = "catalogs/example.signed.json"
}
