//! The scatter actually observed: phones under-report their accuracy (60 m
//! of scatter reported as 30 m), and a fence's exit margin sized by the
//! reported accuracy alone then flaps while the shopper stands still.
//!
//! The estimate is robust and does not need the phone to be still to be
//! read: over the last [`policy::SCATTER_WINDOW_FIXES`] in-order fixes, the
//! steps between consecutive fixes, less the typical velocity (the
//! per-axis median of step / time, times the step's time), are what the
//! noise of two fixes adds up to; their [`policy::SCATTER_QUANTILE`]
//! quantile (68%, the confidence of a reported accuracy radius) over √2 is
//! the scatter of one fix. A walk in a straight line reads the same noise
//! as a phone on a table, so the estimate is ready when the shopper
//! arrives. The detector hands it out only while a stay is in progress
//! ([`super::StayDetector::observed_scatter_m`]).

use crate::domain::geo::distance_m;
use crate::policy;
use std::collections::VecDeque;

/// Remembers one more fix `(ms, lat, lon)`, keeping the last
/// [`policy::SCATTER_WINDOW_FIXES`].
pub(super) fn remember(window: &mut VecDeque<(i64, f64, f64)>, at_ms: i64, lat: f64, lon: f64) {
    if window.len() >= policy::SCATTER_WINDOW_FIXES {
        window.pop_front();
    }
    window.push_back((at_ms, lat, lon));
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The observed scatter of one fix (m, a 68% radius) over `window`, or
/// `None` while it holds fewer than [`policy::SCATTER_MIN_FIXES`] fixes.
pub(super) fn observed_scatter_m(window: &VecDeque<(i64, f64, f64)>) -> Option<f64> {
    if window.len() < policy::SCATTER_MIN_FIXES {
        return None;
    }
    // Steps in metres (east, north) and seconds.
    let steps: Vec<(f64, f64, f64)> = window
        .iter()
        .zip(window.iter().skip(1))
        .map(|(&(t0, la0, lo0), &(t1, la1, lo1))| {
            let north = distance_m(la0, lo0, la1, lo0).copysign(la1 - la0);
            let east = distance_m(la1, lo0, la1, lo1).copysign(lo1 - lo0);
            (east, north, ((t1 - t0).max(1) as f64) / 1000.0)
        })
        .collect();
    let mut ve: Vec<f64> = steps.iter().map(|s| s.0 / s.2).collect();
    let mut vn: Vec<f64> = steps.iter().map(|s| s.1 / s.2).collect();
    let (ve, vn) = (median(&mut ve), median(&mut vn));
    let mut residuals: Vec<f64> = steps.iter().map(|&(e, n, dt)| (e - ve * dt).hypot(n - vn * dt)).collect();
    residuals.sort_by(f64::total_cmp);
    let k = ((residuals.len() as f64 * policy::SCATTER_QUANTILE).ceil() as usize).clamp(1, residuals.len());
    Some(residuals[k - 1] / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::geo::LocalFrame;
    use rand::{RngExt, SeedableRng};

    /// Fixes every 10 s at `mps` eastward, displaced uniformly within a
    /// disc of `jitter_m`.
    fn window(seed: u64, mps: f64, jitter_m: f64) -> VecDeque<(i64, f64, f64)> {
        let frame = LocalFrame::new(37.0, -122.0);
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut w = VecDeque::new();
        for i in 0..policy::SCATTER_WINDOW_FIXES as i64 {
            let r = jitter_m * rng.random::<f64>().sqrt();
            let a = std::f64::consts::TAU * rng.random::<f64>();
            let (lat, lon) = frame.to_lat_lon(mps * 10.0 * i as f64 + r * a.cos(), r * a.sin());
            remember(&mut w, 1_790_000_000_000 + i * 10_000, lat, lon);
        }
        w
    }

    #[test]
    fn a_still_or_walking_phone_reads_its_real_scatter() {
        for seed in 0..50 {
            for mps in [0.0, 1.4] {
                // Uniform in a 60 m disc: its 68% radius is 49.5 m.
                let s = observed_scatter_m(&window(seed, mps, 60.0)).unwrap();
                assert!((35.0..=65.0).contains(&s), "seed {seed}, {mps} m/s: {s:.1} m");
            }
        }
    }

    #[test]
    fn too_few_fixes_give_none() {
        let mut w = window(1, 0.0, 10.0);
        w.truncate(policy::SCATTER_MIN_FIXES - 1);
        assert_eq!(observed_scatter_m(&w), None);
    }
}
