//! QA replay inside the apps: read a recorded track, then feed it through
//! an engine as a phone would (`Engine.replay`), with the same code the
//! simulator (`kairos-sim`) runs in CI.
//!
//! Tracks are read by one function per format, named `parse_track_<format>`
//! (today [`parse_track_csv`]). When the core gains more formats (GPX, as
//! Xcode and the Android emulator record; GeoJSON) they come as
//! `parse_track_gpx` / `parse_track_geojson` and one
//! `parse_track(name, text)` that picks the parser from the file name's
//! extension; all of them return `[LocationFix]` for `Engine.replay`, so
//! code written against `parse_track_csv` keeps working.

use crate::error::{guard, KairosError};
use crate::fix::LocationFix;

/// What a replay fed to the engine and what came back.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ReplaySummary {
    /// Fixes the engine accepted.
    pub fixes_accepted: i64,
    /// Fixes it refused, for any reason (see `recordLocations` for why a
    /// fix is refused).
    pub fixes_rejected: i64,
    /// Step samples delivered.
    pub step_samples: i64,
    /// Events produced (each was also delivered to the listeners).
    pub events: i64,
}

impl From<kairos_core::replay::ReplaySummary> for ReplaySummary {
    fn from(s: kairos_core::replay::ReplaySummary) -> Self {
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        ReplaySummary {
            fixes_accepted: count(s.fixes_accepted),
            fixes_rejected: count(s.fixes_rejected),
            step_samples: count(s.step_samples),
            events: count(s.events),
        }
    }
}

/// Reads a CSV track: a header naming the columns, then one fix per line.
///
/// ```text
/// timestamp,lat,lon,accuracy,speed
/// 2026-11-24T10:30:00-08:00,37.3257,-121.9458,8,1.3
/// 1795545060000,37.3258,-121.9457,,
/// ```
///
/// `timestamp` (RFC 3339 with an offset, or integer epoch milliseconds),
/// `lat` and `lon` are required; `accuracy` (metres, 10 when absent or
/// empty) and `speed` (m/s, none when empty) are optional. Columns may come
/// in any order; names are case-insensitive. Blank lines are skipped;
/// quoted cells are not supported. Throws `InvalidInput` naming the first
/// bad line (`invalid CSV track: line 3: bad number "NaN" in column lat ...`).
/// Ranges are not checked here: `Engine.replay` and `recordLocations` refuse
/// invalid fixes and count them.
///
/// `parse_track` reads GPX and GeoJSON too, choosing by the file name.
#[uniffi::export]
pub fn parse_track_csv(text: String) -> Result<Vec<LocationFix>, KairosError> {
    guard(|| {
        let fixes = kairos_core::track::csv::parse_csv(&text)
            .map_err(|e| KairosError::invalid_input(format!("invalid CSV track: {e}")))?;
        Ok(fixes.into_iter().map(LocationFix::from).collect())
    })
}

/// Reads a recorded track in any format Kairos knows, chosen from `name`'s
/// extension: `.csv` (as `parseTrackCsv`), `.gpx` (what Xcode and the
/// Android emulator record: track points with `<time>`) or `.geojson` /
/// `.json` (a `LineString` with a `times` or `coordTimes` property). Fixes
/// come back in time order. Throws `InvalidInput` naming the file, then
/// the line or element, then the reason (also for an unknown extension).
#[uniffi::export]
pub fn parse_track(name: String, text: String) -> Result<Vec<LocationFix>, KairosError> {
    guard(|| {
        let fixes = kairos_core::track::parse_track(&name, &text)
            .map_err(|e| KairosError::invalid_input(format!("invalid track: {e}")))?;
        Ok(fixes.into_iter().map(LocationFix::from).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn reads_gpx_by_its_name_and_refuses_an_unknown_extension() {
        let gpx = r#"<gpx version="1.1"><trk><trkseg>
            <trkpt lat="37.3257" lon="-121.9458"><time>2026-11-24T18:30:00Z</time></trkpt>
            <trkpt lat="37.3258" lon="-121.9457"><time>2026-11-24T18:31:00Z</time></trkpt>
            </trkseg></trk></gpx>"#;
        let fixes = parse_track("walk.gpx".into(), gpx.into()).unwrap();
        assert_eq!(fixes.len(), 2);
        assert_eq!(fixes[1].at, UNIX_EPOCH + Duration::from_secs(1_795_545_060));
        match parse_track("walk.kml".into(), gpx.into()) {
            Err(KairosError::InvalidInput { reason }) => assert!(reason.contains("walk.kml"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_a_csv_track() {
        let text = "timestamp,lat,lon,accuracy,speed\n\
                    2026-11-24T10:30:00-08:00,37.3257,-121.9458,8,1.3\n\
                    1795545060000,37.3258,-121.9457,,\n";
        let fixes = parse_track_csv(text.into()).unwrap();
        assert_eq!(
            fixes,
            vec![
                LocationFix {
                    at: UNIX_EPOCH + Duration::from_secs(1_795_545_000),
                    lat: 37.3257,
                    lon: -121.9458,
                    accuracy_m: 8.0,
                    speed_mps: Some(1.3),
                },
                LocationFix {
                    at: UNIX_EPOCH + Duration::from_secs(1_795_545_060),
                    lat: 37.3258,
                    lon: -121.9457,
                    accuracy_m: kairos_core::track::csv::DEFAULT_ACCURACY_M,
                    speed_mps: None,
                },
            ]
        );
    }

    #[test]
    fn a_bad_line_is_invalid_input_naming_it() {
        let e = parse_track_csv("timestamp,lat,lon\n1795545000000,NaN,-121.9\n".into()).unwrap_err();
        match e {
            KairosError::InvalidInput { reason } => {
                assert!(reason.starts_with("invalid CSV track: line 2: bad number \"NaN\" in column lat"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
}
