//! CSV tracks: one fix per line under a header naming the columns.
//!
//! ```text
//! timestamp,lat,lon,accuracy,speed
//! 2026-11-24T10:30:00-08:00,34.0522,-118.2437,8,1.3
//! 1795545060000,34.0523,-118.2436,,
//! ```
//!
//! * `timestamp`, `lat` and `lon` are required; `accuracy` (metres, default
//!   [`DEFAULT_ACCURACY_M`] when the column or the cell is empty) and
//!   `speed` (m/s, none when empty) are optional. Columns may come in any
//!   order; names are case-insensitive; any other name is an error.
//! * A timestamp is RFC 3339 or an integer count of milliseconds since the
//!   Unix epoch.
//! * Numbers must be finite: `NaN` or `inf` are refused here with their
//!   line, rather than later by the engine.
//! * Blank lines are skipped. Quoted cells are not supported (no field of a
//!   track needs a comma).
//! * A header with no fix line under it is refused: an empty track replays
//!   nothing, and is more likely a failed export than a test.
//! * Rows are returned in the file's order, not sorted: whether a track may
//!   go back in time is for the replay to judge (`kairos-sim` refuses it
//!   unless the scenario replays fixes as delivered).
//!
//! Ranges (latitude within ±90, accuracy positive, ...) are not checked
//! here: the engine validates every fix and says why it refuses one.

use crate::domain::location::LocationFix;
use crate::domain::time::Timestamp;
use chrono::Datelike as _;
use std::fmt::Write as _;

/// Accuracy given to fixes whose line has none, in metres.
pub const DEFAULT_ACCURACY_M: f64 = 10.0;

/// The header [`write_csv`] writes.
pub const CSV_HEADER: &str = "timestamp,lat,lon,accuracy,speed";

pub use super::error::TrackError;
use super::{Origin, Track, TrackFix};

/// A column a CSV track may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Timestamp,
    Lat,
    Lon,
    Accuracy,
    Speed,
}

impl Column {
    const ALL: [Column; 5] = [Column::Timestamp, Column::Lat, Column::Lon, Column::Accuracy, Column::Speed];

    fn name(self) -> &'static str {
        match self {
            Column::Timestamp => "timestamp",
            Column::Lat => "lat",
            Column::Lon => "lon",
            Column::Accuracy => "accuracy",
            Column::Speed => "speed",
        }
    }

    fn required(self) -> bool {
        matches!(self, Column::Timestamp | Column::Lat | Column::Lon)
    }
}

/// Reads a CSV track (see the module docs for the format): its fixes in
/// the file's order.
pub fn parse_csv(text: &str) -> Result<Vec<LocationFix>, TrackError> {
    read_csv(text).map(|t| t.fixes.into_iter().map(|f| f.fix).collect())
}

/// Reads a CSV track (see the module docs), each fix with its line.
pub fn read_csv(text: &str) -> Result<Track, TrackError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(TrackError::at_line(1, format!("empty file: expected the header `{CSV_HEADER}`")));
    };
    let columns = parse_header(header_line, header)?;
    let mut track = Track::default();
    for (line, row) in lines {
        if track.fixes.len() >= super::MAX_TRACK_POINTS {
            return Err(TrackError::at_line(
                line,
                format!("more than {} fixes: split the file", super::MAX_TRACK_POINTS),
            ));
        }
        let fix = parse_row(line, row, &columns)?;
        track.fixes.push(TrackFix { fix, origin: Origin { line: Some(line), element: None } });
    }
    if track.fixes.is_empty() {
        return Err(TrackError::at_line(header_line, "no fix: the file has a header and no fix line under it"));
    }
    Ok(track)
}

fn parse_header(line: usize, header: &str) -> Result<Vec<Column>, TrackError> {
    let mut columns = Vec::new();
    for cell in header.split(',') {
        let name = cell.trim().to_ascii_lowercase();
        let Some(col) = Column::ALL.into_iter().find(|c| c.name() == name) else {
            return Err(TrackError::at_line(
                line,
                format!("unknown column {name:?} in the header (expected timestamp, lat, lon, accuracy, speed)"),
            ));
        };
        if columns.contains(&col) {
            return Err(TrackError::at_line(line, format!("column {name:?} appears twice in the header")));
        }
        columns.push(col);
    }
    if let Some(missing) = Column::ALL.into_iter().find(|c| c.required() && !columns.contains(c)) {
        return Err(TrackError::at_line(line, format!("the header has no {} column", missing.name())));
    }
    Ok(columns)
}

fn parse_row(line: usize, row: &str, columns: &[Column]) -> Result<LocationFix, TrackError> {
    let cells: Vec<&str> = row.split(',').map(str::trim).collect();
    if cells.len() < columns.len() {
        let missing = columns[cells.len()].name();
        return Err(TrackError::at_line(
            line,
            format!("missing column {missing}: {} values for {} columns", cells.len(), columns.len()),
        ));
    }
    if cells.len() > columns.len() {
        return Err(TrackError::at_line(
            line,
            format!("{} values but the header has {} columns", cells.len(), columns.len()),
        ));
    }
    let mut fix = LocationFix::new(Timestamp(0), 0.0, 0.0, DEFAULT_ACCURACY_M);
    for (&col, &cell) in columns.iter().zip(&cells) {
        match col {
            Column::Timestamp => fix.at = parse_timestamp(line, cell)?,
            Column::Lat => fix.lat = parse_number(line, cell, col)?,
            Column::Lon => fix.lon = parse_number(line, cell, col)?,
            Column::Accuracy if cell.is_empty() => {}
            Column::Accuracy => fix.accuracy_m = parse_number(line, cell, col)?,
            Column::Speed if cell.is_empty() => {}
            Column::Speed => fix.speed_mps = Some(parse_number(line, cell, col)?),
        }
    }
    Ok(fix)
}

fn parse_timestamp(line: usize, cell: &str) -> Result<Timestamp, TrackError> {
    if let Ok(ms) = cell.parse::<i64>() {
        return Ok(Timestamp(ms));
    }
    Timestamp::parse_rfc3339(cell).ok_or_else(|| {
        TrackError::at_line(
            line,
            format!(
                "bad timestamp {cell:?}: expected RFC 3339 (2026-11-24T10:30:00-08:00) or integer epoch milliseconds"
            ),
        )
    })
}

fn parse_number(line: usize, cell: &str, col: Column) -> Result<f64, TrackError> {
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(TrackError::at_line(
            line,
            format!("bad number {cell:?} in column {}: expected a finite decimal", col.name()),
        )),
    }
}

/// Writes fixes as CSV under [`CSV_HEADER`]: RFC 3339 times (UTC, with
/// milliseconds when needed; epoch milliseconds outside the years
/// 0000..=9999) and numbers that read back exactly.
pub fn write_csv(fixes: &[LocationFix]) -> String {
    let mut out = String::with_capacity(64 * (fixes.len() + 1));
    out.push_str(CSV_HEADER);
    out.push('\n');
    for f in fixes {
        // RFC 3339 has four-digit years: other instants (which the reader
        // takes as epoch milliseconds) are written as such.
        let utc = f.at.to_utc();
        if utc.timestamp_millis() == f.at.millis() && (0..=9999).contains(&utc.year()) {
            let _ = write!(out, "{},", f.at.to_rfc3339());
        } else {
            let _ = write!(out, "{},", f.at.millis());
        }
        let _ = write!(out, "{},{},{},", f.lat, f.lon, f.accuracy_m);
        if let Some(s) = f.speed_mps {
            let _ = write!(out, "{s}");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> TrackError {
        parse_csv(text).expect_err("input should be refused")
    }

    #[test]
    fn reads_both_timestamp_forms_and_defaults() {
        let text =
            "timestamp,lat,lon\r\n2026-11-24T10:30:00-08:00,34.05,-118.25\r\n\r\n1795545060000,34.06,-118.24\r\n";
        let fixes = parse_csv(text).unwrap();
        assert_eq!(fixes.len(), 2);
        assert_eq!(fixes[0], LocationFix::new(Timestamp(1_795_545_000_000), 34.05, -118.25, DEFAULT_ACCURACY_M));
        assert_eq!(fixes[1].at, Timestamp(1_795_545_060_000));
        assert_eq!(fixes[1].speed_mps, None);
    }

    #[test]
    fn reads_optional_columns_in_any_order_and_empty_cells() {
        let text =
            "Speed, LAT ,lon,accuracy,timestamp\n1.5,34.0,-118.0,25,1795545000000\n,34.0,-118.0,,1795545001000\n";
        let fixes = parse_csv(text).unwrap();
        assert_eq!((fixes[0].speed_mps, fixes[0].accuracy_m), (Some(1.5), 25.0));
        assert_eq!((fixes[1].speed_mps, fixes[1].accuracy_m), (None, DEFAULT_ACCURACY_M));
    }

    #[test]
    fn a_header_without_fixes_is_refused_on_its_line() {
        let e = err("\ntimestamp,lat,lon,accuracy,speed\n\n");
        assert_eq!(e.to_string(), "line 2: no fix: the file has a header and no fix line under it");
    }

    #[test]
    fn rows_keep_the_file_order_and_their_lines() {
        let t = read_csv("timestamp,lat,lon\n1795545060000,1,2\n\n1795545000000,1,2\n").unwrap();
        assert_eq!(
            t.fixes.iter().map(|f| (f.fix.at.0, f.origin.line)).collect::<Vec<_>>(),
            [(1_795_545_060_000, Some(2)), (1_795_545_000_000, Some(4))]
        );
    }

    #[test]
    fn write_then_read_is_exact() {
        let mut a = LocationFix::new(Timestamp(1_795_545_000_123), 34.052_234_567_891, -118.243_7, 7.25);
        a.speed_mps = Some(1.234_567);
        let b = LocationFix::new(Timestamp(1_795_545_001_000), -0.1, 179.999_999_9, 100.0);
        let text = write_csv(&[a, b]);
        assert!(text.starts_with("timestamp,lat,lon,accuracy,speed\n2026-11-24T18:30:00.123Z,"), "{text}");
        assert_eq!(parse_csv(&text).unwrap(), vec![a, b]);
    }

    #[test]
    fn nan_text_is_a_bad_number_on_its_line() {
        let e = err("timestamp,lat,lon\n1795545000000,34.0,-118.0\n1795545001000,NaN,-118.0\n");
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("bad number \"NaN\" in column lat"), "{e}");
        assert_eq!(err("timestamp,lat,lon\n1795545000000,34.0,inf\n").line, Some(2));
        assert!(err("timestamp,lat,lon,accuracy\n1795545000000,34.0,1,ten\n").message.contains("accuracy"));
        assert!(err("timestamp,lat,lon\n1795545000000,,-118\n").message.contains("bad number \"\""));
    }

    #[test]
    fn missing_and_extra_columns_are_refused() {
        let e = err("timestamp,lat,lon,accuracy\n1795545000000,34.0,-118.0\n");
        assert_eq!(e.line, Some(2));
        assert!(e.message.starts_with("missing column accuracy"), "{e}");
        let e = err("timestamp,lat,lon\n1795545000000,34.0,-118.0,5\n");
        assert!(e.message.contains("4 values but the header has 3 columns"), "{e}");
        let e = err("timestamp,lon\n1795545000000,-118.0\n");
        assert_eq!((e.line, e.message.as_str()), (Some(1), "the header has no lat column"));
    }

    #[test]
    fn bad_timestamp_is_refused() {
        let e = err("timestamp,lat,lon\n\n2026-13-45T99:00:00Z,34.0,-118.0\n");
        assert_eq!(e.line, Some(3), "blank lines still count");
        assert!(e.message.starts_with("bad timestamp \"2026-13-45T99:00:00Z\""), "{e}");
        assert!(err("timestamp,lat,lon\n1795545000000.5,34.0,-118.0\n").message.starts_with("bad timestamp"));
    }

    #[test]
    fn unknown_header_and_empty_file_are_refused() {
        let e = err("time,lat,lon\n");
        assert_eq!(
            e.to_string(),
            "line 1: unknown column \"time\" in the header (expected timestamp, lat, lon, accuracy, speed)"
        );
        assert!(err("timestamp,lat,lat\n").message.contains("twice"));
        for empty in ["", "\n \n", "\u{feff}"] {
            let e = err(empty);
            assert_eq!(e.line, Some(1));
            assert!(e.message.starts_with("empty file"), "{e}");
        }
    }
}
