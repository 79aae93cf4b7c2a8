//! Tracks: synthetic ones with known ground truth, and recorded ones read
//! from files.
//!
//! | module | format |
//! | --- | --- |
//! | [`csv`] | `timestamp,lat,lon[,accuracy,speed]` |
//! | [`gpx`] | GPX 1.0/1.1 waypoints, routes and tracks (Xcode, Android emulator) |
//! | [`geojson`] | GeoJSON lines with `times`/`coordTimes`, or timed points |
//! | [`synth`] | seeded synthetic tracks with ground truth |
//!
//! [`parse_track`] picks the reader from the file name's extension.

pub mod csv;
mod error;
pub mod geojson;
pub mod gpx;
pub mod synth;

pub use error::TrackError;

use crate::domain::location::LocationFix;

/// The track formats [`parse_track`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackFormat {
    /// `.csv`
    Csv,
    /// `.gpx`
    Gpx,
    /// `.geojson` or `.json`
    GeoJson,
}

impl TrackFormat {
    /// The format of a file, from its extension (case-insensitive).
    pub fn from_name(name: &str) -> Option<TrackFormat> {
        let ext = std::path::Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(TrackFormat::Csv),
            "gpx" => Some(TrackFormat::Gpx),
            "geojson" | "json" => Some(TrackFormat::GeoJson),
            _ => None,
        }
    }
}

/// Reads the track in `text`, choosing the format from `path_or_name`'s
/// extension (`.csv`, `.gpx`, `.geojson` or `.json`). Fixes come back in
/// time order. Errors name the file, then the line or element, then the
/// reason.
pub fn parse_track(path_or_name: &str, text: &str) -> Result<Vec<LocationFix>, TrackError> {
    let parsed = match TrackFormat::from_name(path_or_name) {
        Some(TrackFormat::Csv) => csv::parse_csv(text),
        Some(TrackFormat::Gpx) => gpx::parse_gpx(text),
        Some(TrackFormat::GeoJson) => geojson::parse_geojson(text),
        None => Err(TrackError::whole("unknown track format: expected a .gpx, .geojson, .json or .csv file")),
    };
    parsed.map_err(|e| e.in_file(path_or_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatches_on_the_extension_and_names_the_file() {
        let csv = "timestamp,lat,lon\n2026-11-24T18:30:00Z,37.3,-121.9\n";
        assert_eq!(parse_track("day.CSV", csv).unwrap().len(), 1);
        let gpx = "<gpx version=\"1.1\" creator=\"t\"><wpt lat=\"37.3\" lon=\"-121.9\"><time>2026-11-24T18:30:00Z</time></wpt></gpx>";
        assert_eq!(parse_track("tracks/day.gpx", gpx).unwrap()[0].lat, 37.3);
        let geo = r#"{"type": "Point", "coordinates": [-121.9, 37.3]}"#;
        let e = parse_track("day.geojson", geo).unwrap_err();
        assert!(e.to_string().starts_with("day.geojson: $: a Point needs a \"time\""), "{e}");
        let e = parse_track("a/b.csv", "timestamp,lat,lon\nnope,1,2\n").unwrap_err();
        assert!(e.to_string().starts_with("a/b.csv: line 2: bad timestamp"), "{e}");
        let e = parse_track("day.kml", "").unwrap_err();
        assert_eq!(e.to_string(), "day.kml: unknown track format: expected a .gpx, .geojson, .json or .csv file");
        assert!(parse_track("day.gpx", csv)
            .unwrap_err()
            .to_string()
            .starts_with("day.gpx: line 1: not well-formed XML"));
    }
}
