//! A streaming stay-point detector, O(1) per fix except for the dwell check
//! of a stay not yet confirmed, which scans that stay's remembered fixes
//! from both ends until it finds one in the core (at most
//! [`crate::policy::STAY_CORE_MEMORY`]; usually a few).
//!
//! A stay is a run of usable fixes within `radius_m` of the run's running
//! centre. It becomes a visit once it has lasted `min_dwell_ms`
//! ([`StayEvent::Started`]), counting only the time between its first and
//! last fixes within [`crate::policy::STAY_CORE_SHARE`] of the radius of its
//! current centre, so that walking in and out of the radius is not dwell;
//! it ends when [`crate::policy::DEPARTURE_CONFIRM_FIXES`]
//! consecutive usable fixes fall outside it, never on one stray fix
//! ([`StayEvent::Ended`], with the departure at the last fix inside).
//!
//! * Fixes whose accuracy radius is not smaller than `radius_m` are not
//!   usable: they neither extend nor break a stay.
//! * A silence longer than `gap_ms` is never counted as dwell: a candidate
//!   stay restarts after it. A visit already under way continues if the
//!   phone reappears inside it (phones go quiet when still) and otherwise
//!   ends at its last fix before the silence.
//! * Late fixes (reordered within the window) only refine the centre.

use crate::domain::geo::LocalFrame;
use crate::domain::location::LocationFix;
use crate::domain::time::Timestamp;
use crate::policy;
use serde::{Deserialize, Serialize};

/// Thresholds of the detector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StayParams {
    /// Radius of a stay in metres.
    pub radius_m: f64,
    /// Dwell before a stay is a visit, in ms.
    pub min_dwell_ms: i64,
    /// Longest silence counted as dwell, in ms.
    pub gap_ms: i64,
}

impl Default for StayParams {
    fn default() -> Self {
        StayParams {
            radius_m: policy::DEFAULT_STAY_RADIUS_M,
            min_dwell_ms: policy::DEFAULT_MIN_DWELL_MS,
            gap_ms: policy::DEFAULT_GAP_THRESHOLD_MS,
        }
    }
}

/// What the detector reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StayEvent {
    /// A stay reached the dwell threshold: a visit has started.
    Started {
        /// First fix of the stay.
        arrived_at: Timestamp,
        /// Centre of the stay so far.
        lat: f64,
        /// Centre of the stay so far.
        lon: f64,
        /// The fix that met the threshold.
        detected_at: Timestamp,
    },
    /// A visit's departure was confirmed.
    Ended {
        /// First fix of the stay.
        arrived_at: Timestamp,
        /// Last fix inside the stay.
        departed_at: Timestamp,
        /// Final centre.
        lat: f64,
        /// Final centre.
        lon: f64,
        /// The fix that confirmed the departure.
        detected_at: Timestamp,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Outside {
    first: LocationFix,
    count: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stay {
    frame: LocalFrame,
    sx: f64,
    sy: f64,
    n: u32,
    start: Timestamp,
    last_inside: Timestamp,
    confirmed: bool,
    outside: Option<Outside>,
    /// In-order inside fixes `(ms, x, y)` of a stay not yet confirmed, for
    /// the dwell check; emptied on confirmation. (A stay restored from an
    /// older state starts with none and measures dwell from its next fix.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unconfirmed: Vec<(i64, f64, f64)>,
}

impl Stay {
    fn new(f: &LocationFix) -> Self {
        Stay {
            frame: LocalFrame::new(f.lat, f.lon),
            sx: 0.0,
            sy: 0.0,
            n: 1,
            start: f.at,
            last_inside: f.at,
            confirmed: false,
            outside: None,
            unconfirmed: vec![(f.at.0, 0.0, 0.0)],
        }
    }
    fn centre_xy(&self) -> (f64, f64) {
        (self.sx / self.n as f64, self.sy / self.n as f64)
    }
    fn centre(&self) -> (f64, f64) {
        let (x, y) = self.centre_xy();
        self.frame.to_lat_lon(x, y)
    }
    fn offset(&self, f: &LocationFix) -> (f64, f64, f64) {
        let (x, y) = self.frame.to_xy(f.lat, f.lon);
        let (cx, cy) = self.centre_xy();
        (x, y, ((x - cx).powi(2) + (y - cy).powi(2)).sqrt())
    }
    /// Time between the first and the last remembered fix within
    /// `core_radius_m` of the current centre.
    fn core_span_ms(&self, core_radius_m: f64) -> i64 {
        let (cx, cy) = self.centre_xy();
        let in_core = |&&(_, x, y): &&(i64, f64, f64)| (x - cx).hypot(y - cy) <= core_radius_m;
        match (self.unconfirmed.iter().find(in_core), self.unconfirmed.iter().rfind(in_core)) {
            (Some(first), Some(last)) => last.0 - first.0,
            _ => 0,
        }
    }
    fn ended(&self, detected_at: Timestamp) -> StayEvent {
        let (lat, lon) = self.centre();
        StayEvent::Ended { arrived_at: self.start, departed_at: self.last_inside, lat, lon, detected_at }
    }
}

/// The detector's state; serialisable so that a stay survives a restart.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StayDetector {
    stay: Option<Stay>,
    last_at: Option<Timestamp>,
    /// The last in-order usable fixes `(ms, lat, lon)`, for the observed
    /// scatter (`scatter.rs`).
    #[serde(default, skip_serializing_if = "std::collections::VecDeque::is_empty")]
    recent: std::collections::VecDeque<(i64, f64, f64)>,
}

impl StayDetector {
    /// Whether a visit is under way, with its arrival and current centre.
    #[cfg(test)]
    pub fn current_visit(&self) -> Option<(Timestamp, f64, f64)> {
        self.stay.as_ref().filter(|s| s.confirmed).map(|s| {
            let (lat, lon) = s.centre();
            (s.start, lat, lon)
        })
    }

    /// The scatter observed over the latest fixes (m, a 68% radius; see
    /// `scatter.rs`), while a stay is in progress and the latest fix was
    /// inside it; `None` otherwise, or from too few fixes.
    pub fn observed_scatter_m(&self) -> Option<f64> {
        self.stay.as_ref().filter(|s| s.outside.is_none())?;
        super::scatter::observed_scatter_m(&self.recent)
    }

    /// Forgets the stay in progress (after a device clock correction).
    pub fn forget(&mut self) {
        *self = StayDetector::default();
    }

    /// When the stay under way, not yet a visit, can first be confirmed as
    /// one: [`StayParams::min_dwell_ms`] after both its first fix and its
    /// first fix within the core (as judged from its current centre). A fix
    /// in the core at that instant confirms it; the sensing plan asks for one
    /// then. `None` without such a stay (none, or already a visit).
    pub fn dwell_due(&self, p: &StayParams) -> Option<Timestamp> {
        let stay = self.stay.as_ref().filter(|s| !s.confirmed)?;
        let (cx, cy) = stay.centre_xy();
        let core = p.radius_m * policy::STAY_CORE_SHARE;
        let first_core =
            stay.unconfirmed.iter().find(|&&(_, x, y)| (x - cx).hypot(y - cy) <= core).map_or(stay.start.0, |f| f.0);
        Some(Timestamp(first_core.max(stay.start.0)).plus_millis(p.min_dwell_ms))
    }

    /// Feeds one accepted fix. `late` fixes only refine the current stay.
    pub fn push(&mut self, fix: &LocationFix, late: bool, p: &StayParams, out: &mut Vec<StayEvent>) {
        if fix.accuracy_m >= p.radius_m {
            return;
        }
        if late {
            if let Some(stay) = self.stay.as_mut() {
                let (x, y, d) = stay.offset(fix);
                if d <= p.radius_m {
                    stay.sx += x;
                    stay.sy += y;
                    stay.n += 1;
                }
            }
            return;
        }
        let silent_too_long = self.last_at.is_some_and(|t| fix.at.since(t) > p.gap_ms);
        self.last_at = Some(fix.at);
        super::scatter::remember(&mut self.recent, fix.at.0, fix.lat, fix.lon);
        let Some(stay) = self.stay.as_mut() else {
            self.stay = Some(Stay::new(fix));
            return;
        };
        if silent_too_long {
            let inside = stay.offset(fix).2 <= p.radius_m;
            if !(stay.confirmed && inside) {
                if stay.confirmed {
                    out.push(stay.ended(fix.at));
                }
                self.stay = Some(Stay::new(fix));
                return;
            }
        }
        Self::step(stay, fix, p, out);
        if let Some(outside) = stay.outside.as_ref().filter(|o| o.count >= policy::DEPARTURE_CONFIRM_FIXES) {
            if stay.confirmed {
                out.push(stay.ended(fix.at));
            }
            let first = outside.first;
            let mut next = Stay::new(&first);
            if first.at != fix.at {
                Self::step(&mut next, fix, p, out);
                if next.outside.is_some() {
                    // Still moving: start afresh from the newest fix.
                    next = Stay::new(fix);
                }
            }
            self.stay = Some(next);
        }
    }

    fn step(stay: &mut Stay, fix: &LocationFix, p: &StayParams, out: &mut Vec<StayEvent>) {
        let (x, y, d) = stay.offset(fix);
        if d <= p.radius_m {
            stay.sx += x;
            stay.sy += y;
            stay.n += 1;
            stay.last_inside = stay.last_inside.max(fix.at);
            stay.outside = None;
            if stay.confirmed {
                return;
            }
            if stay.unconfirmed.len() >= policy::STAY_CORE_MEMORY {
                stay.unconfirmed.drain(..policy::STAY_CORE_MEMORY / 2);
            }
            stay.unconfirmed.push((fix.at.0, x, y));
            if stay.last_inside.since(stay.start) >= p.min_dwell_ms
                && stay.core_span_ms(p.radius_m * policy::STAY_CORE_SHARE) >= p.min_dwell_ms
            {
                stay.confirmed = true;
                stay.unconfirmed = Vec::new();
                let (lat, lon) = stay.centre();
                out.push(StayEvent::Started { arrived_at: stay.start, lat, lon, detected_at: fix.at });
            }
        } else {
            match stay.outside.as_mut() {
                Some(o) => o.count += 1,
                None => stay.outside = Some(Outside { first: *fix, count: 1 }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::geo::LocalFrame;

    const T0: i64 = 1_780_000_000_000;

    /// A fix `x`, `y` metres from a fixed origin, `sec` seconds after T0.
    fn fx(sec: i64, x: f64, y: f64) -> LocationFix {
        let (lat, lon) = LocalFrame::new(34.0, -118.0).to_lat_lon(x, y);
        LocationFix::new(Timestamp(T0 + sec * 1000), lat, lon, 10.0)
    }

    fn feed(d: &mut StayDetector, fixes: &[LocationFix]) -> Vec<StayEvent> {
        let mut out = Vec::new();
        for f in fixes {
            d.push(f, false, &StayParams::default(), &mut out);
        }
        out
    }

    #[test]
    fn a_forming_stay_is_due_its_dwell_after_its_first_fix_in_the_core_and_none_once_a_visit() {
        let mut d = StayDetector::default();
        assert_eq!(d.dwell_due(&StayParams::default()), None);
        // Walking in from 90 m, then still at the origin from 60 s on.
        let mut fixes = vec![fx(0, 90.0, 0.0), fx(30, 75.0, 0.0)];
        fixes.extend((0..5).map(|i| fx(60 + i * 30, 0.0, 0.0)));
        feed(&mut d, &fixes);
        // The centre is about 24 m east: the fixes at 0 and 30 s are outside
        // the 50 m core, the one at 60 s is the first inside it.
        let due = d.dwell_due(&StayParams::default()).unwrap();
        assert_eq!(due, Timestamp(T0 + 60_000 + policy::DEFAULT_MIN_DWELL_MS));
        let at_due = fx((due.0 - T0) / 1000, 0.0, 0.0);
        assert!(
            matches!(feed(&mut d, &[at_due])[..], [StayEvent::Started { .. }]),
            "a fix in the core then confirms it"
        );
        assert_eq!(d.dwell_due(&StayParams::default()), None, "a visit is under way");
    }

    #[test]
    fn stay_of_ten_minutes_is_one_visit() {
        let mut d = StayDetector::default();
        let mut fixes: Vec<_> = (0..=600).step_by(30).map(|s| fx(s, 5.0, -5.0)).collect();
        fixes.extend((1..=5).map(|i| fx(600 + i * 30, i as f64 * 300.0, 0.0)));
        let ev = feed(&mut d, &fixes);
        assert_eq!(ev.len(), 2, "{ev:?}");
        assert!(matches!(ev[0], StayEvent::Started { detected_at, .. } if detected_at == Timestamp(T0 + 300_000)));
        assert!(matches!(ev[1], StayEvent::Ended { departed_at, .. } if departed_at == Timestamp(T0 + 600_000)));
    }

    #[test]
    fn one_stray_fix_does_not_end_a_visit() {
        let mut d = StayDetector::default();
        let mut fixes: Vec<_> = (0..=600).step_by(30).map(|s| fx(s, 0.0, 0.0)).collect();
        fixes.push(fx(630, 400.0, 0.0));
        fixes.extend((22..40).map(|i| fx(i * 30, 0.0, 3.0)));
        let ev = feed(&mut d, &fixes);
        assert_eq!(ev.len(), 1, "{ev:?}");
    }

    #[test]
    fn short_stop_is_not_a_visit() {
        let mut d = StayDetector::default();
        let mut fixes: Vec<_> = (0..=240).step_by(20).map(|s| fx(s, 0.0, 0.0)).collect();
        fixes.extend((1..=10).map(|i| fx(240 + i * 20, i as f64 * 40.0, 0.0)));
        assert!(feed(&mut d, &fixes).is_empty());
    }

    /// Walks east at 1.3 m/s from -300 m to the origin, waits there for
    /// `wait_s`, and walks on to +300 m; a fix every 5 s.
    fn walk_wait_walk(wait_s: i64) -> Vec<LocationFix> {
        let walk_s = (300.0 / 1.3) as i64;
        let x_at = |s: i64| match s {
            s if s < walk_s => -300.0 + 1.3 * s as f64,
            s if s < walk_s + wait_s => 0.0,
            s => 1.3 * (s - walk_s - wait_s) as f64,
        };
        (0..=2 * walk_s + wait_s).step_by(5).map(|s| fx(s, x_at(s), 0.0)).collect()
    }

    #[test]
    fn walking_in_and_out_is_not_dwell() {
        // A 3.5-minute wait: the run within 100 m of the centre lasts about
        // 6 minutes, but the phone was still for less than 5.
        let mut d = StayDetector::default();
        assert!(feed(&mut d, &walk_wait_walk(210)).is_empty());
        // A 6-minute wait is a visit, from the first fix of the stay.
        let mut d = StayDetector::default();
        let ev = feed(&mut d, &walk_wait_walk(360));
        assert_eq!(ev.len(), 2, "{ev:?}");
        let StayEvent::Ended { arrived_at, departed_at, .. } = ev[1] else { panic!("{ev:?}") };
        let minutes = departed_at.since(arrived_at) as f64 / 60_000.0;
        assert!(minutes > 7.5, "walking in and out still belongs to the visit: {minutes}");
    }

    #[test]
    fn poor_accuracy_fixes_are_ignored() {
        let mut d = StayDetector::default();
        let mut fixes: Vec<_> = (0..=600).step_by(30).map(|s| fx(s, 0.0, 0.0)).collect();
        for s in [610, 620, 640] {
            let mut f = fx(s, 900.0, 0.0);
            f.accuracy_m = 150.0;
            fixes.push(f);
        }
        fixes.push(fx(660, 0.0, 0.0));
        let ev = feed(&mut d, &fixes);
        assert_eq!(ev.len(), 1);
        assert!(d.current_visit().is_some());
    }

    #[test]
    fn silence_is_not_dwell_but_does_not_break_a_visit() {
        // Candidate at 0 s, silence of 20 minutes, back at the same spot.
        let mut d = StayDetector::default();
        let ev = feed(&mut d, &[fx(0, 0.0, 0.0), fx(60, 0.0, 0.0), fx(1300, 0.0, 0.0)]);
        assert!(ev.is_empty());
        // A confirmed visit survives a silence at the same place...
        let fixes: Vec<_> = (0..=600).step_by(60).map(|s| fx(2000 + s, 0.0, 0.0)).collect();
        assert_eq!(feed(&mut d, &fixes).len(), 1);
        assert!(feed(&mut d, &[fx(5000, 0.0, 1.0)]).is_empty());
        // ...and ends at its last fix when the phone reappears elsewhere.
        let ev = feed(&mut d, &[fx(7000, 3000.0, 0.0)]);
        assert!(matches!(ev[0], StayEvent::Ended { departed_at, .. } if departed_at == Timestamp(T0 + 5_000_000)));
    }
}
