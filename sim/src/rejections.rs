//! Fixes that were not replayed, and where they came from: every refused
//! fix (by the track reader or by the engine) becomes its own
//! `fix_rejected` line with its file, line and typed reason, and tracks
//! that cannot be replayed as given are refused with the line at fault.

use crate::timeline::Line;
use kairos_core::replay::{Delivery, RejectedFix};
use kairos_core::track::{PointRejection, SkippedPoint, Track};
use kairos_core::{FixRejection, LocationFix, Timestamp};
use serde_json::{json, Map, Value};

pub use crate::fix_source::FixSource;

/// The kind of the lines this module makes.
pub const KIND: &str = "fix_rejected";

/// A point a track reader refused, with its file.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadRefusal {
    /// Where it is.
    pub source: FixSource,
    /// Its time, when it could be read.
    pub at: Option<Timestamp>,
    /// Why.
    pub reason: PointRejection,
}

impl ReadRefusal {
    /// A point `file`'s reader refused.
    pub fn new(file: &str, s: &SkippedPoint) -> ReadRefusal {
        ReadRefusal { source: FixSource::in_file(file, &s.origin), at: s.at, reason: s.reason.clone() }
    }

    /// Its line in the timeline, at `t`.
    pub fn line(&self, t: Timestamp) -> Line {
        line(t, &self.source, self.at, "read", serde_json::to_value(&self.reason), self.reason.to_string())
    }
}

/// The timeline line of a fix the engine (or the replay, for a time
/// outside the engine's range) refused.
pub fn engine_line(r: &RejectedFix, source: Option<&FixSource>) -> Line {
    let unknown = FixSource::default();
    line(
        r.delivered_at,
        source.unwrap_or(&unknown),
        Some(r.fix_at),
        "engine",
        serde_json::to_value(r.reason),
        r.reason.to_string(),
    )
}

fn line(
    t: Timestamp,
    source: &FixSource,
    fix_at: Option<Timestamp>,
    stage: &str,
    reason: serde_json::Result<Value>,
    message: String,
) -> Line {
    let mut fields = Map::new();
    fields.insert("file".into(), json!(source.file));
    fields.insert("line".into(), json!(source.line));
    fields.insert("element".into(), json!(source.element));
    fields.insert("fix_time".into(), json!(fix_at.map(|a| a.to_rfc3339())));
    fields.insert("stage".into(), json!(stage));
    if let Ok(Value::Object(reason)) = reason {
        // `reason` (snake_case) first, then the reason's own fields.
        fields.extend(reason);
    }
    fields.insert("message".into(), json!(message));
    Line::sim(t, KIND, fields)
}

/// Whether the engine's time range holds the fix's time.
pub fn in_time_range(f: &LocationFix) -> bool {
    !matches!(f.validate(), Err(FixRejection::TimestampOutOfRange { .. }))
}

/// Parses a `[[track]]` `delivery`.
pub fn parse_delivery(s: Option<&str>) -> Result<Delivery, String> {
    match s {
        None | Some("time_order") => Ok(Delivery::TimeOrder),
        Some("as_recorded") => Ok(Delivery::AsRecorded),
        Some(other) => Err(format!("delivery = {other:?}: expected \"time_order\" or \"as_recorded\"")),
    }
}

/// Checks that the track read from `file` can be replayed: it has a fix
/// the engine can use, and, unless it is replayed as recorded, it does not
/// go back in time. The error names the file and the line at fault.
pub fn check_track(file: &str, track: &Track, delivery: Delivery) -> Result<(), String> {
    if !track.fixes.iter().any(|f| f.fix.validate().is_ok()) {
        let first = track.fixes.first().map(|f| {
            let why = f.fix.validate().err().map(|r| r.to_string()).unwrap_or_default();
            format!(": {}: {why}", f.origin)
        });
        return Err(format!(
            "{file}: no usable fix: {} read, none the engine accepts{}",
            track.fixes.len(),
            first.unwrap_or_default()
        ));
    }
    if delivery == Delivery::TimeOrder {
        if let Some((before, after)) = first_backwards(track) {
            let (b, a) = (&track.fixes[before], &track.fixes[after]);
            return Err(format!(
                "{file}: {}: the track goes back in time: {} is before {} at {}; set delivery = \"as_recorded\" in its \
                 [[track]] to replay fixes as delivered, late ones included",
                a.origin,
                a.fix.at.to_rfc3339(),
                b.fix.at.to_rfc3339(),
                b.origin
            ));
        }
    }
    Ok(())
}

/// The first fix earlier than the fix before it (among fixes in the
/// engine's time range, the others being refused alone): `(before, it)`.
pub fn first_backwards(track: &Track) -> Option<(usize, usize)> {
    let mut prev: Option<usize> = None;
    for (i, f) in track.fixes.iter().enumerate() {
        if !in_time_range(&f.fix) {
            continue;
        }
        if let Some(p) = prev {
            if f.fix.at < track.fixes[p].fix.at {
                return Some((p, i));
            }
        }
        prev = Some(i);
    }
    None
}

/// What can be told without running the engine: the points the reader
/// refused, and the fixes the engine will refuse whatever came before
/// (out of range, no time in range...), each as `source: reason`.
/// In file order (by file, then line).
pub fn static_refusals(read: &[ReadRefusal], fixes: &[LocationFix], sources: &[FixSource]) -> Vec<String> {
    let mut out: Vec<(&FixSource, String)> = read.iter().map(|r| (&r.source, r.reason.to_string())).collect();
    for (f, s) in fixes.iter().zip(sources) {
        if let Err(reason) = f.validate() {
            out.push((s, reason.to_string()));
        }
    }
    out.sort_by(|a, b| (&a.0.file, a.0.line).cmp(&(&b.0.file, b.0.line)));
    out.into_iter().map(|(s, why)| format!("{s}: {why}")).collect()
}

/// What a GPX file held that is not replayed, in words.
pub fn ignored_note(file: &str, ignored: usize) -> String {
    let what = if ignored == 1 { "waypoint or route point" } else { "waypoints or route points" };
    format!("{file}: {ignored} {what} not replayed (the file has track points, which are the fixes)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use kairos_core::track::read_track;

    #[test]
    fn a_track_that_goes_back_names_the_line_unless_replayed_as_recorded() {
        let csv = "timestamp,lat,lon\n2026-11-24T18:30:10Z,1,2\n2026-11-24T18:30:20Z,1,2\n2026-11-24T18:30:00Z,1,2\n";
        let track = read_track("t.csv", csv).unwrap();
        let e = check_track("t.csv", &track, Delivery::TimeOrder).unwrap_err();
        assert!(e.starts_with("t.csv: line 4: the track goes back in time: 2026-11-24T18:30:00Z"), "{e}");
        assert!(e.contains("at line 3"), "{e}");
        assert_eq!(check_track("t.csv", &track, Delivery::AsRecorded), Ok(()));
    }

    #[test]
    fn a_track_without_a_usable_fix_is_refused() {
        let csv = "timestamp,lat,lon\n1901-12-13T20:45:52Z,1,2\n";
        let track = read_track("t.csv", csv).unwrap();
        let e = check_track("t.csv", &track, Delivery::TimeOrder).unwrap_err();
        assert!(e.starts_with("t.csv: no usable fix: 1 read, none the engine accepts: line 2: timestamp"), "{e}");
    }

    #[test]
    fn a_point_dated_1901_is_not_a_step_back() {
        let csv = "timestamp,lat,lon\n2026-11-24T18:30:10Z,1,2\n1901-12-13T20:45:52Z,1,2\n2026-11-24T18:30:20Z,1,2\n";
        let track = read_track("t.csv", csv).unwrap();
        assert_eq!(check_track("t.csv", &track, Delivery::TimeOrder), Ok(()));
    }

    #[test]
    fn a_line_carries_the_source_and_the_typed_reason() {
        let r = RejectedFix {
            index: Some(0),
            fix_at: Timestamp(-2_177_452_800_000),
            delivered_at: Timestamp(1_795_545_060_000),
            reason: FixRejection::TimestampOutOfRange { at_ms: -2_177_452_800_000 },
        };
        let src =
            FixSource { file: Some("a.gpx".into()), line: Some(14), element: Some("trk[1]/trkseg[1]/trkpt[6]".into()) };
        let l = engine_line(&r, Some(&src)).json();
        assert_eq!(l["kind"], "fix_rejected");
        assert_eq!((l["file"].as_str(), l["line"].as_u64()), (Some("a.gpx"), Some(14)));
        assert_eq!(l["reason"], "timestamp_out_of_range");
        assert_eq!(l["at_ms"], -2_177_452_800_000_i64);
        assert_eq!(l["fix_time"], "1901-01-01T00:00:00Z");
        assert_eq!(src.to_string(), "a.gpx line 14 (trk[1]/trkseg[1]/trkpt[6])");
    }
}
