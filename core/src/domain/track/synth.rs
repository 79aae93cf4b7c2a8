//! Seeded synthetic tracks that know their ground truth.
//!
//! A [`TrackBuilder`] walks a simulated phone through stays, walks and
//! drives, sampling a fix every `interval_ms` and adding the noise of a
//! [`NoiseModel`]: jitter, a share of poor fixes, and silences. It also
//! produces the pedometer's per-minute step samples and the list of
//! [`TruthVisit`]s: every stationary stretch of at least
//! [`TRUTH_MIN_STAY_MS`]. The same seed always gives the same track.
//!
//! Silences model a phone the OS lets sleep. They never last more than
//! [`MAX_SILENCE_MS`] (the engine's gap threshold is 15 minutes), and never
//! swallow a whole segment: every stay, walk or drive longer than one
//! sampling interval has a fix in its first and in its last interval, as
//! when the OS wakes the app on significant motion.
//!
//! [`random_day`] (or [`TrackBuilder::random_day`]) plans a whole day of
//! visits joined by walks and drives, with short stops on the way that are
//! not visits.

use crate::domain::geo::LocalFrame;
use crate::domain::location::LocationFix;
use crate::domain::steps::StepSample;
use crate::domain::time::{Timestamp, MINUTE_MS};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::f64::consts::TAU;

mod day;
#[cfg(test)]
mod tests;

pub use day::{random_day, DAY_RADIUS_M, HOP_M, MAX_WALKED_HOP_M, SHORT_STOP_MINUTES, VISIT_MINUTES};

/// A stationary stretch at least this long is a ground-truth visit (the
/// engine's default dwell, 5 minutes).
pub const TRUTH_MIN_STAY_MS: i64 = 5 * MINUTE_MS;
/// Longest silence between two fixes the generator ever produces.
pub const MAX_SILENCE_MS: i64 = 10 * MINUTE_MS;
/// Sampling interval unless [`TrackBuilder::interval_ms`] says otherwise.
pub const DEFAULT_INTERVAL_MS: i64 = 10_000;

/// How the simulated phone's fixes stray from the truth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseModel {
    /// Good fixes are displaced uniformly within a disc of this radius (m).
    pub jitter_m: f64,
    /// Accuracy radius reported by good fixes (m).
    pub accuracy_m: f64,
    /// Share of fixes that are poor, in `[0, 1]`.
    pub poor_fraction: f64,
    /// A poor fix is displaced uniformly within a disc of this radius (m),
    /// reports it as its accuracy, and carries no speed.
    pub poor_accuracy_m: f64,
    /// Chance, after each fix, that the phone falls silent.
    pub gap_probability: f64,
    /// Range `(min, max)` of a silence's length in ms, from one fix to the
    /// next; capped at [`MAX_SILENCE_MS`].
    pub gap_ms: (i64, i64),
}

impl NoiseModel {
    /// Exact fixes reporting 10 m accuracy, never silent.
    pub fn none() -> Self {
        NoiseModel {
            jitter_m: 0.0,
            accuracy_m: 10.0,
            poor_fraction: 0.0,
            poor_accuracy_m: 100.0,
            gap_probability: 0.0,
            gap_ms: (0, 0),
        }
    }

    /// A phone in a city: ±15 m jitter at 10 m reported accuracy, one fix in
    /// ten poor (100 m), and now and then a silence of 1 to 10 minutes.
    pub fn noisy() -> Self {
        NoiseModel {
            jitter_m: 15.0,
            accuracy_m: 10.0,
            poor_fraction: 0.1,
            poor_accuracy_m: 100.0,
            gap_probability: 0.004,
            gap_ms: (MINUTE_MS, MAX_SILENCE_MS),
        }
    }
}

impl Default for NoiseModel {
    fn default() -> Self {
        NoiseModel::noisy()
    }
}

/// A visit the simulated phone really made: a stay of at least
/// [`TRUTH_MIN_STAY_MS`] at one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruthVisit {
    /// True latitude of the place.
    pub lat: f64,
    /// True longitude of the place.
    pub lon: f64,
    /// When the phone stopped there.
    pub arrived_at: Timestamp,
    /// When it started moving again (or the track ended).
    pub departed_at: Timestamp,
}

/// A generated track: what the phone reports, and what really happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SynthTrack {
    /// The fixes, in time order.
    pub fixes: Vec<LocationFix>,
    /// Per-minute pedometer intervals, in time order.
    pub steps: Vec<StepSample>,
    /// Ground-truth visits, in time order.
    pub truth: Vec<TruthVisit>,
}

impl SynthTrack {
    /// Appends a later track (for example the next day) to this one.
    pub fn append(&mut self, later: SynthTrack) {
        self.fixes.extend(later.fixes);
        self.steps.extend(later.steps);
        self.truth.extend(later.truth);
    }
}

/// Builds a [`SynthTrack`] segment by segment from a seed. Set the interval
/// and noise first; they apply to the segments added after them.
#[derive(Debug, Clone)]
pub struct TrackBuilder {
    rng: ChaCha8Rng,
    frame: LocalFrame,
    interval_ms: i64,
    noise: NoiseModel,
    /// True position, metres east and north of the start.
    pos: (f64, f64),
    /// Simulated time, ms since the epoch.
    now: i64,
    /// When the next fix is due.
    next_fix: i64,
    /// Start of the current stationary stretch, if the phone is still.
    still_since: Option<i64>,
    fixes: Vec<LocationFix>,
    steps_per_minute: BTreeMap<i64, f64>,
    truth: Vec<TruthVisit>,
}

/// One straight-line stretch at constant velocity.
struct Segment {
    duration_ms: i64,
    /// Velocity in m/s, east and north.
    velocity: (f64, f64),
    /// Pedometer cadence, steps per second.
    cadence: f64,
}

impl TrackBuilder {
    /// A phone at `(lat, lon)` at `start`, sampled every
    /// [`DEFAULT_INTERVAL_MS`] with [`NoiseModel::noisy`].
    pub fn new(seed: u64, start: Timestamp, lat: f64, lon: f64) -> Self {
        TrackBuilder {
            rng: ChaCha8Rng::seed_from_u64(seed),
            frame: LocalFrame::new(lat, lon),
            interval_ms: DEFAULT_INTERVAL_MS,
            noise: NoiseModel::noisy(),
            pos: (0.0, 0.0),
            now: start.0,
            next_fix: start.0,
            still_since: None,
            fixes: Vec::new(),
            steps_per_minute: BTreeMap::new(),
            truth: Vec::new(),
        }
    }

    /// Sets the sampling interval (at least 1 ms).
    pub fn interval_ms(mut self, ms: i64) -> Self {
        self.interval_ms = ms.max(1);
        self
    }

    /// Sets the noise model.
    pub fn noise(mut self, noise: NoiseModel) -> Self {
        self.noise = noise;
        self
    }

    /// The simulated time reached so far.
    pub fn now(&self) -> Timestamp {
        Timestamp(self.now)
    }

    /// The true position reached so far, as `(lat, lon)`.
    pub fn position(&self) -> (f64, f64) {
        self.frame.to_lat_lon(self.pos.0, self.pos.1)
    }

    /// Stays still for `minutes`. Consecutive stays add up; a stationary
    /// stretch of at least 5 minutes is a ground-truth visit.
    pub fn stay(mut self, minutes: f64) -> Self {
        let duration_ms = (minutes.max(0.0) * MINUTE_MS as f64).round() as i64;
        if duration_ms == 0 {
            return self;
        }
        self.still_since.get_or_insert(self.now);
        // Fidgeting: a few steps a minute at most.
        let cadence = self.rng.random_range(0.0..0.08);
        self.run(Segment { duration_ms, velocity: (0.0, 0.0), cadence });
        self
    }

    /// Walks in a straight line to `(lat, lon)` at 1.2–1.5 m/s, about 1.8
    /// steps a second.
    pub fn walk_to(mut self, lat: f64, lon: f64) -> Self {
        let speed = self.rng.random_range(1.2..1.5);
        let cadence = self.rng.random_range(1.7..1.9);
        self.move_to(lat, lon, speed, cadence);
        self
    }

    /// Drives in a straight line to `(lat, lon)` at about 12 m/s; no steps.
    pub fn drive_to(mut self, lat: f64, lon: f64) -> Self {
        let speed = self.rng.random_range(10.5..13.5);
        self.move_to(lat, lon, speed, 0.0);
        self
    }

    /// Moves in a straight line to `(lat, lon)` at exactly `speed_mps`
    /// (at least 0.1 m/s), taking `steps_per_second` pedometer steps (0 in a
    /// vehicle): for tracks that must arrive at a given time.
    pub fn travel_to(mut self, lat: f64, lon: f64, speed_mps: f64, steps_per_second: f64) -> Self {
        self.move_to(lat, lon, speed_mps.max(0.1), steps_per_second.max(0.0));
        self
    }

    /// Finishes the track. A stay still under way ends at the current time.
    pub fn build(mut self) -> SynthTrack {
        self.close_stay();
        let steps = self
            .steps_per_minute
            .iter()
            .map(|(&minute, &n)| (minute, n.round() as u64))
            .filter(|&(_, n)| n > 0)
            .map(|(minute, steps)| StepSample::Interval {
                start: Timestamp(minute),
                end: Timestamp(minute + MINUTE_MS),
                steps,
            })
            .collect();
        SynthTrack { fixes: self.fixes, steps, truth: self.truth }
    }

    fn move_to(&mut self, lat: f64, lon: f64, speed_mps: f64, cadence: f64) {
        let (x, y) = self.frame.to_xy(lat, lon);
        let (dx, dy) = (x - self.pos.0, y - self.pos.1);
        let dist = dx.hypot(dy);
        if dist < 1.0 {
            return;
        }
        self.close_stay();
        let duration_ms = (dist / speed_mps * 1000.0).round() as i64;
        let velocity = (dx / dist * speed_mps, dy / dist * speed_mps);
        self.run(Segment { duration_ms, velocity, cadence });
        self.pos = (x, y);
    }

    /// Records the stationary stretch that movement (or the end) closes.
    fn close_stay(&mut self) {
        if let Some(since) = self.still_since.take() {
            if self.now - since >= TRUTH_MIN_STAY_MS {
                let (lat, lon) = self.position();
                self.truth.push(TruthVisit {
                    lat,
                    lon,
                    arrived_at: Timestamp(since),
                    departed_at: Timestamp(self.now),
                });
            }
        }
    }

    /// Samples fixes over `[now, now + duration)` and counts its steps.
    fn run(&mut self, seg: Segment) {
        let (t0, t1) = (self.now, self.now + seg.duration_ms);
        let speed = seg.velocity.0.hypot(seg.velocity.1);
        while self.next_fix < t1 {
            let t = self.next_fix;
            let dt_s = (t - t0) as f64 / 1000.0;
            let true_xy = (self.pos.0 + seg.velocity.0 * dt_s, self.pos.1 + seg.velocity.1 * dt_s);
            let fix = self.observe(t, true_xy, speed);
            self.fixes.push(fix);
            self.next_fix = t + self.next_spacing(t, t1);
        }
        self.add_steps(t0, t1, seg.cadence);
        let dt_s = seg.duration_ms as f64 / 1000.0;
        self.pos = (self.pos.0 + seg.velocity.0 * dt_s, self.pos.1 + seg.velocity.1 * dt_s);
        self.now = t1;
    }

    /// Time from the fix at `t` to the next one: the interval, or now and
    /// then a silence that still leaves a fix in the segment's last interval.
    fn next_spacing(&mut self, t: i64, segment_end: i64) -> i64 {
        let room = segment_end - self.interval_ms - t;
        let n = self.noise;
        if n.gap_probability > 0.0 && room > self.interval_ms && self.rng.random::<f64>() < n.gap_probability {
            let (lo, hi) = (n.gap_ms.0.max(self.interval_ms), n.gap_ms.1.min(MAX_SILENCE_MS));
            let gap = if lo < hi { self.rng.random_range(lo..=hi) } else { hi.max(self.interval_ms) };
            return gap.min(room).max(self.interval_ms);
        }
        self.interval_ms
    }

    /// What the phone reports at `t` when it truly is at `xy`.
    fn observe(&mut self, t: i64, xy: (f64, f64), speed: f64) -> LocationFix {
        let n = self.noise;
        let poor = n.poor_fraction > 0.0 && self.rng.random::<f64>() < n.poor_fraction;
        let (radius, accuracy_m, speed_mps) =
            if poor { (n.poor_accuracy_m, n.poor_accuracy_m, None) } else { (n.jitter_m, n.accuracy_m, Some(speed)) };
        let (dx, dy) = self.in_disc(radius);
        let (lat, lon) = self.frame.to_lat_lon(xy.0 + dx, xy.1 + dy);
        LocationFix { at: Timestamp(t), lat, lon, accuracy_m, speed_mps }
    }

    /// A point uniformly distributed in a disc of `radius` metres.
    fn in_disc(&mut self, radius: f64) -> (f64, f64) {
        if radius <= 0.0 {
            return (0.0, 0.0);
        }
        let r = radius * self.rng.random::<f64>().sqrt();
        let a = TAU * self.rng.random::<f64>();
        (r * a.cos(), r * a.sin())
    }

    /// Spreads `cadence` steps a second over `[t0, t1)` into minute buckets.
    fn add_steps(&mut self, t0: i64, t1: i64, cadence: f64) {
        if cadence <= 0.0 {
            return;
        }
        let mut t = t0;
        while t < t1 {
            let minute = t.div_euclid(MINUTE_MS) * MINUTE_MS;
            let until = (minute + MINUTE_MS).min(t1);
            *self.steps_per_minute.entry(minute).or_default() += cadence * (until - t) as f64 / 1000.0;
            t = until;
        }
    }
}
