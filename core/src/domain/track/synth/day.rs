//! A random day: visits at random places joined by walks and drives, with
//! short stops on the way (traffic lights, waiting) that are not visits.

use super::{NoiseModel, SynthTrack, TrackBuilder};
use crate::domain::time::Timestamp;
use rand::RngExt;
use std::f64::consts::TAU;

/// Range of a visit's length, in minutes.
pub const VISIT_MINUTES: (f64, f64) = (8.0, 90.0);
/// Range of a short stop's length, in minutes (never a visit).
pub const SHORT_STOP_MINUTES: (f64, f64) = (1.0, 3.0);
/// Range of the distance between consecutive visits, in metres.
pub const HOP_M: (f64, f64) = (400.0, 5_000.0);
/// Hops up to this long are walked; longer ones are driven.
pub const MAX_WALKED_HOP_M: f64 = 1_200.0;
/// Every visit lies within this distance of where the day starts.
pub const DAY_RADIUS_M: f64 = 10_000.0;

/// A day of `visits` visits starting at `(origin_lat, origin_lon)` at
/// `start`, sampled every [`super::DEFAULT_INTERVAL_MS`]: see
/// [`TrackBuilder::random_day`].
pub fn random_day(
    seed: u64,
    start: Timestamp,
    origin_lat: f64,
    origin_lon: f64,
    visits: usize,
    noise: NoiseModel,
) -> SynthTrack {
    TrackBuilder::new(seed, start, origin_lat, origin_lon).noise(noise).random_day(visits).build()
}

impl TrackBuilder {
    /// Adds a day of `visits` visits: the first where the phone is now, the
    /// others at random places 400 m to 5 km apart (log-uniform, so short
    /// hops are common) within 10 km of here. Each visit lasts 8 to 90
    /// minutes. Hops up to 1.2 km are walked with at most one wait of 1 to 3
    /// minutes on the way; longer ones are driven with up to two stops at
    /// traffic lights. Stops lie in the middle part of a hop, well apart
    /// from each other and from the visits.
    pub fn random_day(mut self, visits: usize) -> Self {
        let anchor = self.pos;
        for i in 0..visits {
            if i > 0 {
                let to = self.pick_place(anchor);
                self = self.hop(to);
            }
            let minutes = self.rng.random_range(VISIT_MINUTES.0..VISIT_MINUTES.1);
            self = self.stay(minutes);
        }
        self
    }

    /// A random place one hop from here, within [`DAY_RADIUS_M`] of `anchor`.
    fn pick_place(&mut self, anchor: (f64, f64)) -> (f64, f64) {
        let (lo, hi) = (HOP_M.0.ln(), HOP_M.1.ln());
        for _ in 0..64 {
            let d = self.rng.random_range(lo..hi).exp();
            let a = TAU * self.rng.random::<f64>();
            let p = (self.pos.0 + d * a.cos(), self.pos.1 + d * a.sin());
            if (p.0 - anchor.0).hypot(p.1 - anchor.1) <= DAY_RADIUS_M {
                return p;
            }
        }
        // Practically unreachable: head 2 km back towards the anchor.
        let (dx, dy) = (anchor.0 - self.pos.0, anchor.1 - self.pos.1);
        let d = dx.hypot(dy).max(1.0);
        (self.pos.0 + dx / d * 2_000.0, self.pos.1 + dy / d * 2_000.0)
    }

    /// Walks or drives to `to` (metres in the builder's frame), with short
    /// stops on the way.
    fn hop(mut self, to: (f64, f64)) -> Self {
        let from = self.pos;
        let dist = (to.0 - from.0).hypot(to.1 - from.1);
        let walk = dist <= MAX_WALKED_HOP_M;
        // Stops sit in the middle of the hop, in separate windows, so that
        // none is within 100 m of a visit or of another stop.
        let windows: &[(f64, f64)] = if walk { &[(0.3, 0.7)] } else { &[(0.25, 0.45), (0.55, 0.75)] };
        for &(a, b) in windows {
            if self.rng.random::<f64>() < 0.5 {
                continue;
            }
            let f = self.rng.random_range(a..b);
            self = self.go((from.0 + (to.0 - from.0) * f, from.1 + (to.1 - from.1) * f), walk);
            let minutes = self.rng.random_range(SHORT_STOP_MINUTES.0..SHORT_STOP_MINUTES.1);
            self = self.stay(minutes);
        }
        self.go(to, walk)
    }

    fn go(self, (x, y): (f64, f64), walk: bool) -> Self {
        let (lat, lon) = self.frame.to_lat_lon(x, y);
        if walk {
            self.walk_to(lat, lon)
        } else {
            self.drive_to(lat, lon)
        }
    }
}
