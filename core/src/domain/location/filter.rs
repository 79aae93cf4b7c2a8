//! The stateful fix filter: drops exact duplicates, lets small reorderings
//! through, rejects stale fixes, and holds back a suspected jump until the
//! next fix confirms or refutes it. O(1) per fix.

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
}

fn key(f: &LocationFix) -> (i64, u64, u64) {
    (f.at.0, f.lat.to_bits(), f.lon.to_bits())
}

/// Implied speed between two fixes after removing both accuracy radii from
/// the distance, and the remaining distance.
fn implied_speed(a: &LocationFix, b: &LocationFix) -> (f64, f64) {
    let d = (distance_m(a.lat, a.lon, b.lat, b.lon) - a.accuracy_m - b.accuracy_m).max(0.0);
    let dt = b.at.since(a.at).abs().max(policy::MIN_SPEED_INTERVAL_MS) as f64 / 1000.0;
    (d / dt, d)
}

fn plausible(a: &LocationFix, b: &LocationFix) -> Result<(), f64> {
    let (speed, d) = implied_speed(a, b);
    if speed > policy::MAX_PLAUSIBLE_SPEED_MPS && d > policy::MIN_JUMP_DISTANCE_M {
        Err(speed)
    } else {
        Ok(())
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

    fn remember(&mut self, f: &LocationFix) {
        if self.recent.len() == policy::DUPLICATE_MEMORY {
            self.recent.pop_front();
        }
        self.recent.push_back(key(f));
    }

    fn accept(&mut self, fix: LocationFix, out: &mut Vec<FilterOutput>) {
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
            } else if let Err(implied_speed_mps) = plausible(&fix, &newest) {
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

        match self.pending {
            Some(suspect) if fix.at >= suspect.at => {
                self.pending = None;
                if plausible(&suspect, &fix).is_ok() {
                    // The jump was real (a flight, a cold GPS start): keep both.
                    self.accept(suspect, out);
                    self.accept(fix, out);
                } else {
                    let speed = implied_speed(&newest, &suspect).0;
                    out.push(FilterOutput::Rejected {
                        at: suspect.at,
                        reason: FixRejection::ImplausibleJump { implied_speed_mps: speed },
                    });
                    if plausible(&newest, &fix).is_ok() {
                        self.accept(fix, out);
                    } else {
                        self.pending = Some(fix);
                    }
                }
            }
            _ => {
                if plausible(&newest, &fix).is_ok() {
                    self.accept(fix, out);
                } else if self.pending.is_none() {
                    self.pending = Some(fix);
                } else {
                    // Implausible from the anchor and older than the held
                    // fix: it cannot confirm anything.
                    let speed = implied_speed(&newest, &fix).0;
                    out.push(FilterOutput::Rejected {
                        at: fix.at,
                        reason: FixRejection::ImplausibleJump { implied_speed_mps: speed },
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
