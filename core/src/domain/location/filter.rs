//! The stateful fix filter: drops exact duplicates, lets small reorderings
//! through, rejects stale fixes, and holds back a suspected jump until the
//! next fix confirms or refutes it. O(1) per fix.
//!
//! **The jump rule, at any cadence.** A fix is *consistent* with an earlier
//! one when it lies within the earlier fix's [`reach`]: the two accuracy
//! radii, plus [`policy::MIN_JUMP_DISTANCE_M`], plus the distance the phone
//! can cover in the time between them, starting at the speed it was last
//! seen moving at and accelerating at up to
//! [`policy::JUMP_MAX_ACCELERATION_MPS2`] to at most
//! [`policy::JUMP_MAX_GROUND_SPEED_MPS`]. The bound depends on the elapsed
//! time, so one fix 5 km away in a stream of one fix a minute from a phone
//! standing still is held as surely as one 5 km away a second later. A fix
//! inconsistent with the last accepted fix (the *anchor*) is held, and
//! nothing downstream sees it (no stay, no fence, no offer). The next fix
//! decides:
//!
//! * consistent with the anchor: the held fix was an outlier and is
//!   rejected ([`FixRejection::ImplausibleJump`]); the new fix is accepted;
//! * consistent with the held fix only (its reach starting from the speed
//!   the jump implied): the move was real (a flight, a long drive with the
//!   phone off); both are accepted, one fix late;
//! * consistent with neither: the held fix is rejected, and the new fix is
//!   held in its place.

use super::fix::{FixRejection, LocationFix};
use crate::domain::geo::distance_m;
use crate::domain::time::Timestamp;
use crate::policy;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// What the filter decided about a fix. One input can release several
/// outputs (a held fix confirmed together with the fix that confirms it).
#[derive(Debug, Clone, PartialEq)]
pub enum FilterOutput {
    /// The fix passes. `late` fixes are older than the newest accepted fix
    /// (within the reorder window): they are stored and may refine a stay,
    /// but must not cause transitions.
    Accepted {
        /// The fix.
        fix: LocationFix,
        /// Whether it arrived out of order.
        late: bool,
    },
    /// An exact repeat of a recent fix; dropped.
    Duplicate,
    /// Refused, with the reason.
    Rejected {
        /// When the refused fix was taken.
        at: Timestamp,
        /// Why.
        reason: FixRejection,
    },
}

/// The filter's state; serialisable so that it survives a restart.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FixFilter {
    newest: Option<LocationFix>,
    pending: Option<LocationFix>,
    recent: VecDeque<(i64, u64, u64)>,
    /// Speed between the last two accepted fixes (m/s, raw distance over
    /// time): where the reach of the next fix starts.
    #[serde(default)]
    speed_mps: f64,
}

fn key(f: &LocationFix) -> (i64, u64, u64) {
    (f.at.0, f.lat.to_bits(), f.lon.to_bits())
}

fn seconds_between(a: &LocationFix, b: &LocationFix) -> f64 {
    b.at.since(a.at).abs().max(policy::MIN_SPEED_INTERVAL_MS) as f64 / 1000.0
}

/// The distance (m) a phone seen moving at `v0_mps` can have covered in
/// `dt_s` seconds: accelerating at up to
/// [`policy::JUMP_MAX_ACCELERATION_MPS2`] to
/// [`policy::JUMP_MAX_GROUND_SPEED_MPS`], never slowing down, and keeping
/// its speed if already faster.
pub fn travel_m(v0_mps: f64, dt_s: f64) -> f64 {
    let (a, top) = (policy::JUMP_MAX_ACCELERATION_MPS2, policy::JUMP_MAX_GROUND_SPEED_MPS);
    if v0_mps >= top {
        return v0_mps * dt_s;
    }
    let to_top_s = (top - v0_mps) / a;
    if dt_s <= to_top_s {
        v0_mps * dt_s + 0.5 * a * dt_s * dt_s
    } else {
        v0_mps * to_top_s + 0.5 * a * to_top_s * to_top_s + top * (dt_s - to_top_s)
    }
}

/// How far from `a` the fix `b` may plausibly lie, for a phone last seen
/// moving at `v0_mps` at `a`: both accuracy radii, the noise floor
/// [`policy::MIN_JUMP_DISTANCE_M`], and [`travel_m`] over the time between.
pub fn reach_m(a: &LocationFix, b: &LocationFix, v0_mps: f64) -> f64 {
    a.accuracy_m + b.accuracy_m + policy::MIN_JUMP_DISTANCE_M + travel_m(v0_mps, seconds_between(a, b))
}

/// Speed implied between two fixes, raw distance over time (m/s).
fn raw_speed(a: &LocationFix, b: &LocationFix) -> f64 {
    distance_m(a.lat, a.lon, b.lat, b.lon) / seconds_between(a, b)
}

/// Whether `b` is consistent with `a` for a phone moving at `v0_mps` at
/// `a`; `Err` carries the implied speed beyond the accuracies, for the
/// rejection's reason.
fn consistent(a: &LocationFix, b: &LocationFix, v0_mps: f64) -> Result<(), f64> {
    let d = distance_m(a.lat, a.lon, b.lat, b.lon);
    if d <= reach_m(a, b, v0_mps) {
        Ok(())
    } else {
        Err((d - a.accuracy_m - b.accuracy_m).max(0.0) / seconds_between(a, b))
    }
}

impl FixFilter {
    /// The newest accepted fix, if any.
    #[cfg(test)]
    pub fn newest(&self) -> Option<&LocationFix> {
        self.newest.as_ref()
    }

    /// A fix held back as a suspected jump, if any.
    pub fn pending(&self) -> Option<&LocationFix> {
        self.pending.as_ref()
    }

    /// Forgets every fix and speed it knew (after a device clock
    /// correction, when they lie in a future that did not happen).
    pub fn forget(&mut self) {
        *self = FixFilter::default();
    }

    fn remember(&mut self, f: &LocationFix) {
        if self.recent.len() == policy::DUPLICATE_MEMORY {
            self.recent.pop_front();
        }
        self.recent.push_back(key(f));
    }

    fn accept(&mut self, fix: LocationFix, out: &mut Vec<FilterOutput>) {
        if let Some(prev) = self.newest {
            self.speed_mps = raw_speed(&prev, &fix);
        }
        self.newest = Some(fix);
        out.push(FilterOutput::Accepted { fix, late: false });
    }

    /// Runs one fix through the filter, appending its outcome(s) to `out`.
    pub fn push(&mut self, fix: LocationFix, out: &mut Vec<FilterOutput>) {
        if let Err(reason) = fix.validate() {
            out.push(FilterOutput::Rejected { at: fix.at, reason });
            return;
        }
        let k = key(&fix);
        if self.recent.contains(&k) || self.pending.as_ref().map(key) == Some(k) {
            out.push(FilterOutput::Duplicate);
            return;
        }
        self.remember(&fix);

        let Some(newest) = self.newest else {
            // The very first fix has nothing to be checked against.
            self.accept(fix, out);
            return;
        };

        if fix.at < newest.at {
            let behind_ms = newest.at.since(fix.at);
            if behind_ms > policy::REORDER_WINDOW_MS {
                out.push(FilterOutput::Rejected { at: fix.at, reason: FixRejection::OutOfOrder { behind_ms } });
            } else if let Err(implied_speed_mps) = consistent(&fix, &newest, self.speed_mps) {
                // A late fix cannot be confirmed by a later one: refuse it now.
                out.push(FilterOutput::Rejected {
                    at: fix.at,
                    reason: FixRejection::ImplausibleJump { implied_speed_mps },
                });
            } else {
                out.push(FilterOutput::Accepted { fix, late: true });
            }
            return;
        }

        let from_anchor = consistent(&newest, &fix, self.speed_mps);
        match self.pending {
            Some(suspect) if fix.at >= suspect.at => {
                self.pending = None;
                let jump_speed = raw_speed(&newest, &suspect);
                let implied_speed_mps = consistent(&newest, &suspect, self.speed_mps).err().unwrap_or(jump_speed);
                if from_anchor.is_err() && consistent(&suspect, &fix, jump_speed).is_ok() {
                    // The jump was real (a flight, a long drive with the
                    // phone off): keep both.
                    self.accept(suspect, out);
                    self.accept(fix, out);
                    return;
                }
                out.push(FilterOutput::Rejected {
                    at: suspect.at,
                    reason: FixRejection::ImplausibleJump { implied_speed_mps },
                });
                if from_anchor.is_ok() {
                    self.accept(fix, out);
                } else {
                    self.pending = Some(fix);
                }
            }
            _ => {
                if from_anchor.is_ok() {
                    self.accept(fix, out);
                } else if self.pending.is_none() {
                    self.pending = Some(fix);
                } else {
                    // Inconsistent with the anchor and older than the held
                    // fix: it cannot confirm anything.
                    let implied_speed_mps = from_anchor.err().unwrap_or_default();
                    out.push(FilterOutput::Rejected {
                        at: fix.at,
                        reason: FixRejection::ImplausibleJump { implied_speed_mps },
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_780_000_000_000;

    fn at(sec: i64, lat: f64, lon: f64) -> LocationFix {
        LocationFix::new(Timestamp(T0 + sec * 1000), lat, lon, 10.0)
    }

    fn run(filter: &mut FixFilter, fixes: &[LocationFix]) -> Vec<FilterOutput> {
        let mut out = Vec::new();
        for f in fixes {
            filter.push(*f, &mut out);
        }
        out
    }

    #[test]
    fn duplicates_are_dropped() {
        let mut f = FixFilter::default();
        let a = at(0, 34.0, -118.0);
        let out = run(&mut f, &[a, a, at(1, 34.0, -118.0), a]);
        assert_eq!(out.iter().filter(|o| **o == FilterOutput::Duplicate).count(), 2);
        assert_eq!(out.iter().filter(|o| matches!(o, FilterOutput::Accepted { .. })).count(), 2);
    }

    #[test]
    fn small_reordering_is_late_and_large_is_rejected() {
        let mut f = FixFilter::default();
        let out = run(&mut f, &[at(100, 34.0, -118.0), at(70, 34.0, -118.0001), at(10, 34.0, -118.0002)]);
        assert!(matches!(out[1], FilterOutput::Accepted { late: true, .. }));
        assert_eq!(
            out[2],
            FilterOutput::Rejected {
                at: Timestamp(T0 + 10_000),
                reason: FixRejection::OutOfOrder { behind_ms: 90_000 }
            }
        );
    }

    #[test]
    fn unconfirmed_jump_is_rejected_and_confirmed_jump_kept() {
        let mut f = FixFilter::default();
        // A 50 km hop in 10 s, then back home: the hop is noise.
        let out = run(&mut f, &[at(0, 34.0, -118.0), at(10, 34.45, -118.0), at(20, 34.0, -118.0001)]);
        assert!(matches!(out[1], FilterOutput::Rejected { reason: FixRejection::ImplausibleJump { .. }, .. }));
        assert!(matches!(out[2], FilterOutput::Accepted { late: false, .. }));

        // A 50 km hop, then a fix near the new place: a real relocation.
        let mut f = FixFilter::default();
        let out = run(&mut f, &[at(0, 34.0, -118.0), at(10, 34.45, -118.0), at(20, 34.4501, -118.0)]);
        let accepted: Vec<_> = out
            .iter()
            .filter_map(|o| match o {
                FilterOutput::Accepted { fix, .. } => Some(fix.at.0),
                _ => None,
            })
            .collect();
        assert_eq!(accepted, vec![T0, T0 + 10_000, T0 + 20_000]);
    }

    /// A fix every `every_s` seconds along a meridian at `mps`, from `t0_s`.
    fn drive(t0_s: i64, lat0: f64, mps: f64, every_s: i64, n: i64) -> Vec<LocationFix> {
        (0..n).map(|i| at(t0_s + i * every_s, lat0 + (i * every_s) as f64 * mps / 111_195.0, -118.0)).collect()
    }

    fn accepted_times(out: &[FilterOutput]) -> Vec<i64> {
        out.iter()
            .filter_map(|o| match o {
                FilterOutput::Accepted { fix, .. } => Some((fix.at.0 - T0) / 1000),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn one_far_fix_at_one_fix_a_minute_while_still_is_held_then_rejected() {
        for (km, acc) in [(5.0, 30.0), (3.0, 10.0), (20.0, 65.0), (2.8, 5.0)] {
            let mut f = FixFilter::default();
            let mut fixes: Vec<_> = (0..10).map(|i| at(i * 60, 34.0, -118.0)).collect();
            fixes[5].lat += km * 1000.0 / 111_195.0;
            fixes.iter_mut().for_each(|x| x.accuracy_m = acc);
            let out = run(&mut f, &fixes);
            assert_eq!(
                out.iter().filter(|o| matches!(o, FilterOutput::Rejected { .. })).count(),
                1,
                "{km} km at 60 s: {out:?}"
            );
            assert!(!accepted_times(&out).contains(&300), "the {km} km fix never passes");
        }
    }

    #[test]
    fn a_real_move_after_a_silence_is_accepted_one_fix_late() {
        // A flight: 1,600 km in two hours with the phone off, then fixes
        // a minute apart at the destination.
        let mut f = FixFilter::default();
        let mut fixes = vec![at(0, 34.0, -118.0), at(60, 34.0, -118.0)];
        fixes.extend((0..3).map(|i| at(7_260 + i * 60, 34.0 + 1_600.0 / 111.195, -118.0)));
        let out = run(&mut f, &fixes);
        assert_eq!(accepted_times(&out), vec![0, 60, 7_260, 7_320, 7_380], "{out:?}");
        assert_eq!(f.pending(), None);
    }

    #[test]
    fn no_drive_or_train_is_held_at_any_cadence() {
        for every_s in [1, 2, 5, 10, 20, 30, 60, 120] {
            for mps in [1.4, 16.7, 33.0, 83.0] {
                let mut f = FixFilter::default();
                let fixes = drive(0, 34.0, mps, every_s, 31);
                let out = run(&mut f, &fixes);
                let rejected: Vec<_> = out.iter().filter(|o| matches!(o, FilterOutput::Rejected { .. })).collect();
                assert!(rejected.is_empty(), "{mps} m/s every {every_s} s: {rejected:?}");
                assert!(accepted_times(&out).len() >= 30, "{mps} m/s every {every_s} s: {out:?}");
            }
        }
    }

    #[test]
    fn poor_accuracy_does_not_look_like_a_jump() {
        let mut f = FixFilter::default();
        let mut b = at(1, 34.003, -118.0); // 330 m away, 1 s later
        b.accuracy_m = 400.0;
        let out = run(&mut f, &[at(0, 34.0, -118.0), b]);
        assert!(matches!(out[1], FilterOutput::Accepted { late: false, .. }));
    }

    #[test]
    fn invalid_fix_is_rejected_with_reason() {
        let mut f = FixFilter::default();
        let out = run(&mut f, &[at(0, f64::NAN, 0.0)]);
        assert!(matches!(out[0], FilterOutput::Rejected { reason: FixRejection::NonFiniteCoordinate, .. }));
        assert!(f.newest().is_none());
    }
}
