// CoreLocation's readings as the engine's fixes: platform-free, so that the
// conversion is tested on Linux. `CLLocation` maps field by field.
import Foundation
import Kairos

/// One position as CoreLocation reports it (`CLLocation`'s fields), before
/// the engine sees it.
public struct LocationReading: Sendable, Equatable {
    /// `CLLocation.timestamp`.
    public let timestamp: Date
    /// `coordinate.latitude`.
    public let latitude: Double
    /// `coordinate.longitude`.
    public let longitude: Double
    /// `horizontalAccuracy`, metres; negative when the coordinate is invalid.
    public let horizontalAccuracy: Double
    /// `speed`, m/s; negative when unknown.
    public let speed: Double

    /// A reading with CoreLocation's fields.
    public init(timestamp: Date, latitude: Double, longitude: Double, horizontalAccuracy: Double, speed: Double) {
        self.timestamp = timestamp
        self.latitude = latitude
        self.longitude = longitude
        self.horizontalAccuracy = horizontalAccuracy
        self.speed = speed
    }
}

/// CoreLocation's readings as [`LocationFix`]es.
public enum Fixes {
    /// The engine's fix for `reading`, or `nil` when CoreLocation marked the
    /// coordinate invalid (negative `horizontalAccuracy`): such a reading is
    /// dropped, never given an invented accuracy. A negative speed
    /// ("unknown") becomes `nil`.
    public static func fix(_ reading: LocationReading) -> LocationFix? {
        guard reading.horizontalAccuracy > 0 else { return nil }
        return LocationFix(
            at: reading.timestamp,
            lat: reading.latitude,
            lon: reading.longitude,
            accuracyM: reading.horizontalAccuracy,
            speedMps: reading.speed >= 0 ? reading.speed : nil)
    }
}
