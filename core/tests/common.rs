//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

use kairos_core::geo::LocalFrame;
use kairos_core::{Engine, EngineConfig, LocationFix, Timestamp};

pub const TZ: &str = "America/Los_Angeles";

/// A fresh engine in a new temporary directory (kept alive by the guard).
pub fn engine() -> (Engine, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineConfig::new(dir.path(), TZ)).unwrap();
    (e, dir)
}

/// Parses an RFC 3339 time.
pub fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap_or_else(|| panic!("bad time {s}"))
}

/// A fix `x` metres east and `y` north of a fixed origin in Los Angeles.
pub fn fix_xy(at: Timestamp, x: f64, y: f64) -> LocationFix {
    let (lat, lon) = LocalFrame::new(34.05, -118.25).to_lat_lon(x, y);
    LocationFix::new(at, lat, lon, 10.0)
}

/// Fixes every `step_s` seconds from `from` for `minutes`, at (x, y).
pub fn stay(from: Timestamp, minutes: i64, step_s: i64, x: f64, y: f64) -> Vec<LocationFix> {
    (0..=minutes * 60 / step_s).map(|i| fix_xy(from.plus_millis(i * step_s * 1000), x, y)).collect()
}
