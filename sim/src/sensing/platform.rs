//! The simulated platform of `run --sensing adaptive`: the scenario's dense
//! track is the ground truth, and the platform hands out what a phone's
//! location services would obtain from it (documented in
//! `docs/PERFORMANCE.md`, "Energy (adaptive sensing)"):
//!
//! * **a fix of a class**, at any instant the track covers: the track's
//!   position there (linear between its fixes), displaced by the class's
//!   noise (a normal law per axis, seeded) and reporting the class's
//!   accuracy; only satellite (`high`) fixes carry the track's speed, as
//!   GNSS measures it (Doppler) and Wi-Fi or cell positioning do not. Where
//!   the track is silent (fixes more than [`MAX_GAP_MS`] apart) there is no
//!   fix of any class.
//! * **a motion wake-up** ([`MOTION_LATENCY_MS`] after the shopper starts
//!   moving: the track's speed reaches [`MOTION_SPEED_MPS`], or without
//!   speeds, its position strays [`MOTION_DISPLACEMENT_M`] from where the
//!   last fix was taken), as Android's activity transitions or iOS's
//!   significant-change service report it.
//! * **a region wake-up** ([`REGION_LATENCY_MS`] after the track crosses
//!   the circle of a registered wake region, either way), as CoreLocation's
//!   region monitoring or Android's geofencing report it.

use kairos_core::fences::WakeRegion;
use kairos_core::geo::{distance_m, LocalFrame};
use kairos_core::sensing::Accuracy;
use kairos_core::{LocationFix, Timestamp};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Track fixes farther apart than this leave the time between them
/// uncovered: a silence of the track is a silence of every provider.
pub const MAX_GAP_MS: i64 = 60_000;
/// Track fixes less precise than this are not ground truth: a track's poor
/// fixes (the synthetic "city" noise makes one in ten, displaced up to
/// 100 m) are the dense replay's noise, not where the shopper was; the
/// engine ignores them for stays, and the adaptive fixes would otherwise
/// inherit their error under a better reported accuracy.
pub const TRUTH_MAX_ACCURACY_M: f64 = 30.0;
/// Delay of a motion wake-up after the movement starts. Our choice: the
/// platforms publish none; 30 s is the order reported for Android's
/// activity-transition API.
pub const MOTION_LATENCY_MS: i64 = 30_000;
/// Speed at which the platform's activity recognition sees a shopper move
/// (Radar's "stopped" is under 70 m in 140 s, 0.5 m/s).
pub const MOTION_SPEED_MPS: f64 = 0.5;
/// Without speeds in the track, movement is this far from the last fix's
/// position (beyond the jitter of a still phone).
pub const MOTION_DISPLACEMENT_M: f64 = 25.0;
/// Delay of a region wake-up after the crossing. Our choice, on the slow
/// side: Android documents its geofence alerts as taking up to a couple of
/// minutes with the default responsiveness, iOS delivers in tens of seconds.
pub const REGION_LATENCY_MS: i64 = 60_000;

/// A class's error model: `(standard deviation per axis, reported accuracy)`
/// in metres. `high`: assisted GNSS, 8 m median error in Zandbergen's
/// comparison of iPhone positioning (Transactions in GIS 13, 2009); a
/// modern phone in the open does a little better. `balanced`: Wi-Fi
/// positioning, 74 m median in the same study on the 2009 databases, tens
/// of metres today; Android documents its balanced priority as "block
/// level", about 100 m. `low`: cell positioning, 600 m median in the same
/// study. `passive` obtains no fix of its own.
pub fn noise(accuracy: Accuracy) -> Option<(f64, f64)> {
    match accuracy {
        Accuracy::High => Some((4.0, 10.0)),
        Accuracy::Balanced => Some((20.0, 50.0)),
        Accuracy::Low => Some((300.0, 1_000.0)),
        Accuracy::Passive => None,
    }
}

/// A point of the ground truth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruthPoint {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// The track's speed there, if it has one.
    pub speed_mps: Option<f64>,
}

/// The dense track as ground truth.
pub struct Truth {
    fixes: Vec<LocationFix>,
}

impl Truth {
    /// The truth of `fixes` (sorted here): those precise to
    /// [`TRUTH_MAX_ACCURACY_M`], or all of them if none is.
    pub fn new(fixes: &[LocationFix]) -> Self {
        let precise: Vec<LocationFix> =
            fixes.iter().filter(|f| f.accuracy_m <= TRUTH_MAX_ACCURACY_M).copied().collect();
        let mut fixes = if precise.is_empty() { fixes.to_vec() } else { precise };
        fixes.sort_by_key(|f| f.at);
        Truth { fixes }
    }

    /// The first and last instants of the track.
    pub fn span(&self) -> Option<(Timestamp, Timestamp)> {
        Some((self.fixes.first()?.at, self.fixes.last()?.at))
    }

    /// Seconds the track covers (silences left out): what 1 Hz continuous
    /// sensing would take fixes over.
    pub fn covered_seconds(&self) -> u64 {
        let ms: i64 = self.fixes.windows(2).map(|w| w[1].at.since(w[0].at)).filter(|d| *d <= MAX_GAP_MS).sum();
        (ms / 1000) as u64 + u64::from(!self.fixes.is_empty())
    }

    /// The track's position at `t`, if the track covers `t`.
    pub fn at(&self, t: Timestamp) -> Option<TruthPoint> {
        let i = self.fixes.partition_point(|f| f.at <= t);
        let a = self.fixes.get(i.checked_sub(1)?)?;
        if a.at == t {
            return Some(TruthPoint { lat: a.lat, lon: a.lon, speed_mps: a.speed_mps });
        }
        let b = self.fixes.get(i)?;
        let span = b.at.since(a.at);
        if span > MAX_GAP_MS {
            return None;
        }
        let k = t.since(a.at) as f64 / span as f64;
        Some(TruthPoint { lat: a.lat + (b.lat - a.lat) * k, lon: a.lon + (b.lon - a.lon) * k, speed_mps: a.speed_mps })
    }

    /// When a motion wake-up arrives for a phone left still at `from`,
    /// where its last fix was `anchor`.
    pub fn motion_wake(&self, from: Timestamp, anchor: (f64, f64)) -> Option<Timestamp> {
        let i = self.fixes.partition_point(|f| f.at <= from);
        self.fixes[i..]
            .iter()
            .find(|f| match f.speed_mps {
                Some(s) => s >= MOTION_SPEED_MPS,
                None => distance_m(f.lat, f.lon, anchor.0, anchor.1) >= MOTION_DISPLACEMENT_M,
            })
            .map(|f| f.at.plus_millis(MOTION_LATENCY_MS))
    }

    /// When a region wake-up arrives after `from`: the first crossing of
    /// any of `regions`' circles by the track, plus the latency.
    pub fn region_wake(&self, from: Timestamp, regions: &[WakeRegion]) -> Option<Timestamp> {
        if regions.is_empty() {
            return None;
        }
        let i = self.fixes.partition_point(|f| f.at <= from);
        let start = self.fixes.get(i.checked_sub(1)?)?;
        let inside = |f: &LocationFix| -> Vec<bool> {
            regions.iter().map(|r| distance_m(f.lat, f.lon, r.lat, r.lon) <= r.radius_m).collect()
        };
        let before = inside(start);
        self.fixes[i..].iter().find(|f| inside(f) != before).map(|f| f.at.plus_millis(REGION_LATENCY_MS))
    }
}

/// Draws the noise of the fixes it hands out (seeded: a run is repeatable).
pub struct Sampler {
    rng: ChaCha8Rng,
}

impl Sampler {
    /// A sampler seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Sampler { rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// The fix of `accuracy` a phone at `p` obtains at `t`; `None` for
    /// `passive`.
    pub fn fix(&mut self, p: TruthPoint, accuracy: Accuracy, t: Timestamp) -> Option<LocationFix> {
        let (sigma, reported) = noise(accuracy)?;
        let (dx, dy) = (self.normal() * sigma, self.normal() * sigma);
        let (lat, lon) = LocalFrame::new(p.lat, p.lon).to_lat_lon(dx, dy);
        let mut fix = LocationFix::new(t, lat, lon, reported);
        fix.speed_mps = if accuracy == Accuracy::High { p.speed_mps } else { None };
        Some(fix)
    }

    /// A standard normal draw (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u: f64 = self.rng.random_range(f64::EPSILON..1.0);
        let v: f64 = self.rng.random_range(0.0..1.0);
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(s: i64, x: f64, speed: Option<f64>) -> LocationFix {
        let (lat, lon) = LocalFrame::new(37.0, -122.0).to_lat_lon(x, 0.0);
        let mut f = LocationFix::new(Timestamp(1_800_000_000_000 + s * 1000), lat, lon, 10.0);
        f.speed_mps = speed;
        f
    }

    #[test]
    fn the_truth_is_interpolated_between_track_fixes_and_unknown_in_a_silence() {
        let truth = Truth::new(&[fix(0, 0.0, None), fix(10, 100.0, None), fix(200, 100.0, None)]);
        let mid = truth.at(Timestamp(1_800_000_000_000 + 5_000)).unwrap();
        let (lat, lon) = LocalFrame::new(37.0, -122.0).to_lat_lon(50.0, 0.0);
        assert!(distance_m(mid.lat, mid.lon, lat, lon) < 0.5);
        assert!(truth.at(Timestamp(1_800_000_000_000 + 100_000)).is_none(), "190 s without a fix is a silence");
        assert_eq!(truth.covered_seconds(), 11);
    }

    #[test]
    fn a_motion_wake_up_comes_its_latency_after_the_shopper_starts_moving() {
        let truth = Truth::new(&[fix(0, 0.0, Some(0.0)), fix(10, 0.0, Some(0.0)), fix(20, 13.0, Some(1.3))]);
        let from = Timestamp(1_800_000_000_000);
        assert_eq!(
            truth.motion_wake(from, (0.0, 0.0)),
            Some(Timestamp(1_800_000_000_000 + 20_000 + MOTION_LATENCY_MS))
        );
    }

    #[test]
    fn only_satellite_fixes_carry_a_speed_and_each_class_reports_its_accuracy() {
        let mut s = Sampler::new(1);
        let p = TruthPoint { lat: 37.0, lon: -122.0, speed_mps: Some(1.3) };
        let t = Timestamp(1_800_000_000_000);
        assert_eq!(s.fix(p, Accuracy::High, t).unwrap().speed_mps, Some(1.3));
        let b = s.fix(p, Accuracy::Balanced, t).unwrap();
        assert_eq!((b.speed_mps, b.accuracy_m), (None, 50.0));
        assert!(s.fix(p, Accuracy::Passive, t).is_none());
    }
}
