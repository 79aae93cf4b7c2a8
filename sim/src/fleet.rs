//! `generate --vessels N --days D`: a synthetic fleet, AIS-like, for
//! measuring replays of long tracks: each vessel berths for hours at one of
//! a harbour's berths, sails at 5 m/s to another, and reports one fix a
//! minute for the whole span (`docs/PERFORMANCE.md`). One CSV per vessel,
//! which `kairos-sim replay` takes together (one engine per vessel).

use kairos_core::track::csv::write_csv;
use kairos_core::track::synth::{NoiseModel, TrackBuilder};
use kairos_core::{LocationFix, Timestamp};
use rand::{RngExt, SeedableRng};
use std::path::Path;

/// The harbour's centre (Los Angeles / Long Beach).
const HARBOUR: (f64, f64) = (33.74, -118.24);
/// Berths are spread within this many degrees of the centre.
const SPREAD_DEG: f64 = 0.08;
/// One fix a minute, as AIS class B reports at anchor.
const INTERVAL_MS: i64 = 60_000;
/// Sailing speed, m/s (about 10 knots).
const SPEED_MPS: f64 = 5.0;
/// How long a vessel berths, minutes.
const BERTH_MINUTES: (f64, f64) = (120.0, 720.0);

/// One vessel's fixes over `[start, start + days)`.
pub fn vessel(seed: u64, start: Timestamp, days: u32) -> Vec<LocationFix> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut berth = || {
        (HARBOUR.0 + rng.random_range(-SPREAD_DEG..SPREAD_DEG), HARBOUR.1 + rng.random_range(-SPREAD_DEG..SPREAD_DEG))
    };
    let end = start.plus_millis(i64::from(days) * 86_400_000);
    let (lat, lon) = berth();
    let noise = NoiseModel { jitter_m: 10.0, accuracy_m: 10.0, ..NoiseModel::none() };
    let mut b = TrackBuilder::new(seed, start, lat, lon).interval_ms(INTERVAL_MS).noise(noise);
    let mut k = 0u64;
    while b.now() < end {
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(k));
        k += 1;
        b = b.stay(r.random_range(BERTH_MINUTES.0..BERTH_MINUTES.1));
        let (lat, lon) = berth();
        b = b.travel_to(lat, lon, SPEED_MPS, 0.0);
    }
    let mut fixes = b.build().fixes;
    fixes.retain(|f| f.at < end);
    fixes
}

/// Writes `vessels` CSV files (`vessel-001.csv`, ...) into `dir`; returns
/// how many fixes in all.
pub fn write(dir: &Path, seed: u64, start: Timestamp, vessels: u32, days: u32) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut total = 0;
    for v in 0..vessels {
        let fixes = vessel(seed.wrapping_add(u64::from(v)), start, days);
        total += fixes.len();
        let path = dir.join(format!("vessel-{:03}.csv", v + 1));
        std::fs::write(&path, write_csv(&fixes)).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(total)
}
