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
//! [`read_track`] picks the reader from the file name's extension and
//! returns a [`Track`]: its fixes in the file's order, each with where it
//! is in the file ([`Origin`]), and the points refused alone with a typed
//! reason ([`PointRejection`]). [`parse_track`] returns only the fixes, in
//! time order.

pub mod csv;
mod error;
pub mod geojson;
pub mod gpx;
#[cfg(test)]
mod gpx_conformance;
pub mod synth;

pub use error::TrackError;

use crate::domain::location::LocationFix;
use crate::domain::time::Timestamp;
use serde::Serialize;
use std::fmt;

pub use crate::policy::MAX_TRACK_POINTS;

/// Where a point is in its file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The line (from 1) where the point starts, when the format has lines
    /// that say (CSV, GPX).
    pub line: Option<usize>,
    /// The element (`trk[1]/trkseg[2]/trkpt[5]`,
    /// `features[0].properties.times[3]`), when the format has elements.
    pub element: Option<String>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, &self.element) {
            (Some(l), Some(e)) => write!(f, "line {l} ({e})"),
            (Some(l), None) => write!(f, "line {l}"),
            (None, Some(e)) => f.write_str(e),
            (None, None) => f.write_str("an unknown place"),
        }
    }
}

/// A fix read from a file, with where it was.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackFix {
    /// The fix, as the file gives it (the engine checks its ranges).
    pub fix: LocationFix,
    /// Where it is in the file.
    pub origin: Origin,
}

/// Why a point of a file is not a fix, found while reading it (the
/// engine's own reasons, such as a time outside its range, are
/// [`crate::domain::location::FixRejection`]). Serialised with a snake_case
/// `reason` tag, like `FixRejection`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum PointRejection {
    /// The point has no time.
    NoTime,
    /// Its time could not be read.
    BadTime {
        /// The text found.
        value: String,
    },
    /// A number it needs could not be read.
    BadNumber {
        /// Which (`lat`, `hdop`, `speed`...).
        field: String,
        /// The text found.
        value: String,
    },
    /// A coordinate is missing.
    MissingCoordinate {
        /// `lat` or `lon`.
        attribute: String,
    },
    /// The receiver said it had no fix (GPX `<fix>none</fix>`).
    NoSatelliteFix,
}

impl fmt::Display for PointRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PointRejection::NoTime => f.write_str("the point has no time"),
            PointRejection::BadTime { value } => write!(f, "time {value:?} is not an ISO 8601 date-time"),
            PointRejection::BadNumber { field, value } => write!(f, "{field} {value:?} is not a number"),
            PointRejection::MissingCoordinate { attribute } => write!(f, "the point has no {attribute}"),
            PointRejection::NoSatelliteFix => f.write_str("the receiver had no fix (<fix>none</fix>)"),
        }
    }
}

/// A point refused alone while reading, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedPoint {
    /// Where it is in the file.
    pub origin: Origin,
    /// Its time, when it could be read.
    pub at: Option<Timestamp>,
    /// Why it is not a fix.
    pub reason: PointRejection,
}

/// A track file, read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track {
    /// The fixes, in the file's order (not sorted: a track that goes back
    /// in time is for the caller to judge).
    pub fixes: Vec<TrackFix>,
    /// Points refused alone, in the file's order.
    pub skipped: Vec<SkippedPoint>,
    /// Points read but not fixes by the format's rules (GPX waypoints and
    /// route points in a file that has track points).
    pub ignored: usize,
}

impl Track {
    /// The fixes in time order (a stable sort: equal times keep the file's
    /// order).
    pub fn time_ordered(&self) -> Vec<LocationFix> {
        let mut fixes: Vec<LocationFix> = self.fixes.iter().map(|f| f.fix).collect();
        fixes.sort_by_key(|f| f.at);
        fixes
    }
}

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

/// The text of a track file's bytes: UTF-8 (a byte-order mark is kept for
/// the readers, which skip it), UTF-16 with a byte-order mark, or, when the
/// XML declaration names it, ISO-8859-1 (Latin-1), Windows-1252 or
/// US-ASCII, as older GPS loggers write GPX. Anything else is an error
/// naming the line of the first byte that is not UTF-8.
pub fn decode_text(bytes: &[u8]) -> Result<String, TrackError> {
    let utf16 = |le: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
            .collect();
        String::from_utf16(&units).map_err(|_| TrackError::whole("not valid UTF-16 text"))
    };
    match bytes {
        [0xFF, 0xFE, ..] => return utf16(true),
        [0xFE, 0xFF, ..] => return utf16(false),
        _ => {}
    }
    let e = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok(s.to_string()),
        Err(e) => e,
    };
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
    let declared = head.trim_start_matches('\u{feff}').starts_with("<?xml")
        && ["iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "us-ascii"]
            .iter()
            .any(|enc| head.split("?>").next().is_some_and(|decl| decl.contains(enc)));
    if declared {
        return Ok(bytes.iter().map(|&b| windows_1252(b)).collect());
    }
    let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
    Err(TrackError::at_line(line, "not UTF-8 text (and no XML declaration of ISO-8859-1 or Windows-1252)"))
}

/// A Windows-1252 byte as a char (Latin-1 outside 0x80..=0x9F).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Reads the track in `text`, choosing the format from `path_or_name`'s
/// extension (`.csv`, `.gpx`, `.geojson` or `.json`): the fixes in the
/// file's order with their origins, and the points refused alone. A file
/// with no fix at all is an error. Errors name the file, then the line or
/// element, then the reason.
pub fn read_track(path_or_name: &str, text: &str) -> Result<Track, TrackError> {
    let read = match TrackFormat::from_name(path_or_name) {
        Some(TrackFormat::Csv) => csv::read_csv(text),
        Some(TrackFormat::Gpx) => gpx::read_gpx(text),
        Some(TrackFormat::GeoJson) => geojson::read_geojson(text),
        None => Err(TrackError::whole("unknown track format: expected a .gpx, .geojson, .json or .csv file")),
    };
    read.map_err(|e| e.in_file(path_or_name))
}

/// Reads the track in `text` as [`read_track`] does, and returns its fixes
/// in time order (points refused alone are left out).
pub fn parse_track(path_or_name: &str, text: &str) -> Result<Vec<LocationFix>, TrackError> {
    read_track(path_or_name, text).map(|t| t.time_ordered())
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

    #[test]
    fn a_latin_1_gpx_is_decoded_and_other_bytes_are_refused_on_their_line() {
        let mut bytes =
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<gpx version=\"1.0\"><trk><name>Caf".to_vec();
        bytes.extend([0xE9, 0x80]);
        bytes.extend(
            b"</name><trkseg><trkpt lat=\"1\" lon=\"2\"><time>2026-11-24T18:30:00Z</time></trkpt></trkseg></trk></gpx>",
        );
        let text = decode_text(&bytes).unwrap();
        assert!(text.contains("Café€"), "{text}");
        assert_eq!(parse_track("old.gpx", &text).unwrap().len(), 1);
        let e = decode_text(b"timestamp,lat,lon\n\xE9,1,2\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("<gpx/>".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode_text(&utf16).unwrap(), "<gpx/>");
    }
}
