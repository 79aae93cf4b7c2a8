//! A scanner for instants at rest: finds a known time (the arrival at a
//! private place, say) in every way a file could hold it, so that a test
//! can show that the profile keeps no readable time of a private visit.
//!
//! Renderings: milliseconds and seconds since the epoch as decimal text,
//! RFC 3339 text to the second (UTC, as the engine's JSON writes it), and
//! as binary integers: milliseconds in 6 bytes big-endian (how SQLite's
//! record format stores an integer of that size) and in 8 bytes either
//! order, seconds in 4 bytes either order, and milliseconds as an `f64`
//! either order.

use std::path::{Path, PathBuf};

/// How an instant is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeRendering {
    /// Milliseconds as decimal text.
    MillisText,
    /// Seconds as decimal text.
    SecondsText,
    /// `YYYY-MM-DDTHH:MM:SS`, UTC.
    Rfc3339Text,
    /// Milliseconds, 6 bytes big-endian (SQLite's record format).
    Millis48Be,
    /// Milliseconds, 8 bytes big-endian.
    Millis64Be,
    /// Milliseconds, 8 bytes little-endian.
    Millis64Le,
    /// Seconds, 4 bytes big-endian.
    Seconds32Be,
    /// Seconds, 4 bytes little-endian.
    Seconds32Le,
    /// Milliseconds as an `f64`, big-endian.
    MillisF64Be,
    /// Milliseconds as an `f64`, little-endian.
    MillisF64Le,
}

impl TimeRendering {
    /// Every rendering.
    pub const ALL: [TimeRendering; 10] = [
        TimeRendering::MillisText,
        TimeRendering::SecondsText,
        TimeRendering::Rfc3339Text,
        TimeRendering::Millis48Be,
        TimeRendering::Millis64Be,
        TimeRendering::Millis64Le,
        TimeRendering::Seconds32Be,
        TimeRendering::Seconds32Le,
        TimeRendering::MillisF64Be,
        TimeRendering::MillisF64Le,
    ];

    /// The bytes of `ms` in this rendering.
    pub fn bytes(self, ms: i64) -> Vec<u8> {
        let s = ms.div_euclid(1000);
        match self {
            TimeRendering::MillisText => ms.to_string().into_bytes(),
            TimeRendering::SecondsText => s.to_string().into_bytes(),
            TimeRendering::Rfc3339Text => chrono::DateTime::from_timestamp_millis(ms)
                .expect("an instant in range")
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string()
                .into_bytes(),
            TimeRendering::Millis48Be => ms.to_be_bytes()[2..].to_vec(),
            TimeRendering::Millis64Be => ms.to_be_bytes().to_vec(),
            TimeRendering::Millis64Le => ms.to_le_bytes().to_vec(),
            TimeRendering::Seconds32Be => (s as i32).to_be_bytes().to_vec(),
            TimeRendering::Seconds32Le => (s as i32).to_le_bytes().to_vec(),
            TimeRendering::MillisF64Be => (ms as f64).to_be_bytes().to_vec(),
            TimeRendering::MillisF64Le => (ms as f64).to_le_bytes().to_vec(),
        }
    }
}

/// An instant found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeHit {
    /// The file.
    pub file: PathBuf,
    /// Byte offset.
    pub offset: usize,
    /// How it is written.
    pub rendering: TimeRendering,
    /// The instant, in milliseconds.
    pub ms: i64,
}

/// Every rendering of every instant of `times_ms` in `bytes` (of `file`).
pub fn scan_bytes(file: &Path, bytes: &[u8], times_ms: &[i64]) -> Vec<TimeHit> {
    let mut hits = Vec::new();
    for &ms in times_ms {
        for rendering in TimeRendering::ALL {
            let needle = rendering.bytes(ms);
            for (offset, w) in bytes.windows(needle.len()).enumerate() {
                if w == needle.as_slice() {
                    hits.push(TimeHit { file: file.to_path_buf(), offset, rendering, ms });
                }
            }
        }
    }
    hits
}

/// Every hit in every file under `dir` (recursively).
pub fn scan_dir(dir: &Path, times_ms: &[i64]) -> std::io::Result<Vec<TimeHit>> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            hits.extend(scan_dir(&path, times_ms)?);
        } else {
            hits.extend(scan_bytes(&path, &std::fs::read(&path)?, times_ms));
        }
    }
    Ok(hits)
}
