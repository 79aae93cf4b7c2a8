//! [`FenceTracker`]: which fences the phone is in, and the transitions
//! (enter, dwell, exit) that location fixes and the passage of time cause.
//!
//! The rules, whose numbers are in [`crate::policy`] under "Geofences" and
//! whose reasons are in `docs/geofencing.md`:
//!
//! * **Enter**: a fix enters a fence when it lies inside it by at least
//!   `min(FENCE_ENTER_DEPTH_M, FENCE_ENTER_DEPTH_MAX_FRACTION x radius)` and
//!   its accuracy radius is at most `FENCE_ENTER_MAX_ACCURACY_RATIO x` the
//!   fence's characteristic radius. Such a fix is *inside evidence*.
//! * **Exit**: a fix is *outside evidence* when it lies outside by at least
//!   its margin, `max(FENCE_EXIT_MARGIN_FLOOR_M, FENCE_EXIT_ACCURACY_FACTOR x
//!   accuracy, min(FENCE_EXIT_ACCURACY_FACTOR x observed scatter,
//!   FENCE_EXIT_SCATTER_MAX_MARGIN_M))`, the observed scatter being what the
//!   caller measured while the phone stood still
//!   ([`FenceTracker::set_observed_scatter`]; phones under-report accuracy). The first one makes an exit pending; a later one taken at
//!   least `FENCE_EXIT_CONFIRM_MS` after it confirms the exit; inside
//!   evidence in between cancels it. After a silence of
//!   `FENCE_EXIT_SILENCE_MS` with no fix, one fix outside by
//!   `FENCE_EXIT_DECISIVE_FACTOR x` its margin exits at once. Fixes that
//!   are neither change nothing. An exit is dated when the phone was first
//!   seen outside (the first fix of the run of outside fixes that led to it).
//! * **Dwell**: `dwell_ms_for(fence)` after the entry, while no exit is
//!   pending and the latest fix is not outside the fence, at most once per
//!   stay; leaving ends the stay and so cancels it.
//! * Fixes older than the newest fix seen, and invalid fixes, are ignored.
//!
//! State is kept only for the fences the phone is in, and is serialisable so
//! that a stay survives an app restart.

use super::geom::Query;
use super::{FenceHit, FenceId, FenceIndex};
use crate::domain::location::LocationFix;
use crate::domain::time::Timestamp;
use crate::policy;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A transition of one fence. Exactly one `Entered` and one `Exited` per
/// crossing; they alternate per fence, and `Dwelled` comes at most once
/// between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FenceEvent {
    /// The phone entered the fence.
    Entered {
        /// The fence.
        fence: FenceId,
        /// The time of the fix that entered it.
        at: Timestamp,
    },
    /// The phone has been inside the fence for its dwell time.
    Dwelled {
        /// The fence.
        fence: FenceId,
        /// When the dwell was established: the fix or `advance` time at
        /// which the stay was first seen to be long enough.
        at: Timestamp,
        /// When the stay began (its `Entered` time).
        since: Timestamp,
    },
    /// The phone left the fence.
    Exited {
        /// The fence.
        fence: FenceId,
        /// When the phone was first seen outside: the first fix of the run
        /// of outside fixes that confirmed the exit (earlier than the fix
        /// that confirmed it). For a fence that disappeared from the index,
        /// the time of the first fix after it did.
        at: Timestamp,
        /// When the stay began (its `Entered` time).
        entered_at: Timestamp,
    },
}

impl FenceEvent {
    /// The fence the event is about.
    pub fn fence(&self) -> FenceId {
        match *self {
            FenceEvent::Entered { fence, .. }
            | FenceEvent::Dwelled { fence, .. }
            | FenceEvent::Exited { fence, .. } => fence,
        }
    }

    /// The event's time.
    pub fn at(&self) -> Timestamp {
        match *self {
            FenceEvent::Entered { at, .. } | FenceEvent::Dwelled { at, .. } | FenceEvent::Exited { at, .. } => at,
        }
    }

    /// Order of kinds within one fence and one instant.
    pub(super) fn rank(&self) -> u8 {
        match self {
            FenceEvent::Exited { .. } => 0,
            FenceEvent::Entered { .. } => 1,
            FenceEvent::Dwelled { .. } => 2,
        }
    }
}

/// The state of one fence the phone is in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Stay {
    /// Time of the fix that entered.
    entered_at: Timestamp,
    /// First fix of the current run of fixes outside the fence (distance
    /// > 0), if the latest informative fix was outside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outside_since: Option<Timestamp>,
    /// Time of the outside evidence that made an exit pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exit_pending_since: Option<Timestamp>,
    /// Whether this stay's `Dwelled` has fired.
    #[serde(default)]
    dwelled: bool,
    /// Where the fence was last found in the index (a cache, not state).
    #[serde(skip)]
    slot_hint: u32,
}

/// What one fix means for one fence the phone is in.
enum Step {
    Stay,
    Exit(Timestamp),
}

/// The depth a fix must reach inside a fence of characteristic radius
/// `radius_m` to count as inside evidence.
fn enter_depth(radius_m: f64) -> f64 {
    policy::FENCE_ENTER_DEPTH_M.min(policy::FENCE_ENTER_DEPTH_MAX_FRACTION * radius_m)
}

/// Inside evidence: deep enough inside, and accurate enough for the fence.
fn is_inside_evidence(hit: &FenceHit, accuracy_m: f64) -> bool {
    accuracy_m <= policy::FENCE_ENTER_MAX_ACCURACY_RATIO * hit.radius_m && hit.distance_m <= -enter_depth(hit.radius_m)
}

/// How far outside a fix with this accuracy must be to count as outside,
/// given the scatter observed while still, if any.
fn exit_margin(accuracy_m: f64, scatter_m: Option<f64>) -> f64 {
    let observed = scatter_m
        .map_or(0.0, |s| (policy::FENCE_EXIT_ACCURACY_FACTOR * s).min(policy::FENCE_EXIT_SCATTER_MAX_MARGIN_M));
    policy::FENCE_EXIT_MARGIN_FLOOR_M.max(policy::FENCE_EXIT_ACCURACY_FACTOR * accuracy_m).max(observed)
}

impl Stay {
    fn new(at: Timestamp) -> Self {
        Stay { entered_at: at, outside_since: None, exit_pending_since: None, dwelled: false, slot_hint: 0 }
    }

    /// Applies one fix; `after_silence` is true when no fix came for
    /// `FENCE_EXIT_SILENCE_MS` before it.
    fn step(&mut self, hit: &FenceHit, fix: &LocationFix, after_silence: bool, scatter_m: Option<f64>) -> Step {
        let d = hit.distance_m;
        if d > 0.0 && self.outside_since.is_none() {
            self.outside_since = Some(fix.at);
        }
        let margin = exit_margin(fix.accuracy_m, scatter_m);
        if is_inside_evidence(hit, fix.accuracy_m) {
            self.exit_pending_since = None;
            self.outside_since = None;
        } else if d >= margin {
            let first_outside = self.outside_since.unwrap_or(fix.at);
            match self.exit_pending_since {
                Some(p) if fix.at.since(p) >= policy::FENCE_EXIT_CONFIRM_MS => return Step::Exit(first_outside),
                Some(_) => {}
                None if after_silence && d >= policy::FENCE_EXIT_DECISIVE_FACTOR * margin => {
                    return Step::Exit(first_outside)
                }
                None => self.exit_pending_since = Some(fix.at),
            }
        } else if d <= 0.0 && self.exit_pending_since.is_none() {
            // Inside, though not precisely enough to be evidence: the phone
            // is no longer seen outside.
            self.outside_since = None;
        }
        Step::Stay
    }

    /// Fires `Dwelled` if the stay has lasted `dwell_ms` by `now`, no exit is
    /// pending and the latest fix was not outside.
    fn maybe_dwell(&mut self, fence: FenceId, now: Timestamp, dwell_ms: Option<i64>, out: &mut Vec<FenceEvent>) {
        if self.dwelled || self.exit_pending_since.is_some() || self.outside_since.is_some() {
            return;
        }
        if let Some(n) = dwell_ms {
            if now.since(self.entered_at) >= n {
                self.dwelled = true;
                out.push(FenceEvent::Dwelled { fence, at: now, since: self.entered_at });
            }
        }
    }
}

/// Which fences the phone is in, and the transitions each fix causes.
///
/// Feed every fix in time order with [`FenceTracker::update`] (or
/// [`FenceTracker::update_with_hits`] when the fix was already looked up),
/// and call [`FenceTracker::advance`] when time passes without fixes so that
/// dwells fire. Serialise it (serde) to keep stays across a restart.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FenceTracker {
    /// Time of the newest fix applied.
    #[serde(default)]
    last_fix_at: Option<Timestamp>,
    /// The fences the phone is in, by id.
    #[serde(default)]
    stays: BTreeMap<FenceId, Stay>,
    /// Reused lookup buffer (not state).
    #[serde(skip)]
    hits: Vec<FenceHit>,
    /// The scatter (m, 68% radius) observed while the phone stands still,
    /// as the caller last set it; widens the exit margin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scatter_m: Option<f64>,
}

impl FenceTracker {
    /// A tracker that knows of no fix and no fence.
    pub fn new() -> Self {
        Self::default()
    }

    /// The fences the phone is in (including those with an exit pending),
    /// in increasing id order.
    pub fn inside(&self) -> impl Iterator<Item = FenceId> + '_ {
        self.stays.keys().copied()
    }

    /// Whether an exit is pending in any fence: a fix was outside by its
    /// margin and no inside evidence or confirmation has come since. Only a
    /// precise fix can settle it (a Wi-Fi fix is never inside evidence).
    pub fn exit_pending(&self) -> bool {
        self.stays.values().any(|s| s.exit_pending_since.is_some())
    }

    /// Whether the phone is in `fence`.
    pub fn is_inside(&self, fence: FenceId) -> bool {
        self.stays.contains_key(&fence)
    }

    /// When the phone entered `fence`, if it is in it.
    pub fn entered_at(&self, fence: FenceId) -> Option<Timestamp> {
        self.stays.get(&fence).map(|s| s.entered_at)
    }

    /// Sets the scatter (m, a 68% radius) observed while the phone stands
    /// still, for the fixes that follow; `None` when it is not still. Exit
    /// margins are at least [`policy::FENCE_EXIT_ACCURACY_FACTOR`] x it, up
    /// to [`policy::FENCE_EXIT_SCATTER_MAX_MARGIN_M`].
    pub fn set_observed_scatter(&mut self, scatter_m: Option<f64>) {
        self.scatter_m = scatter_m.filter(|s| s.is_finite() && *s > 0.0);
    }

    /// Goes back to `now` after a device clock correction: fixes after it
    /// are forgotten (the next fix is applied whatever its time), the
    /// fences the phone is in stay entered (no second `Entered` for one
    /// crossing) with their times brought back to at most `now`, and
    /// pending exits seen after `now` are dropped.
    pub fn rewind(&mut self, now: Timestamp) {
        self.last_fix_at = self.last_fix_at.filter(|t| *t <= now);
        for stay in self.stays.values_mut() {
            stay.entered_at = stay.entered_at.min(now);
            stay.outside_since = stay.outside_since.filter(|t| *t <= now);
            stay.exit_pending_since = stay.exit_pending_since.filter(|t| *t <= now);
        }
    }

    /// The earliest instant at which [`FenceTracker::advance`] can fire a
    /// dwell (`None`: none can), for a caller that sleeps until then.
    pub fn next_dwell_at(&self, dwell_ms_for: impl Fn(FenceId) -> Option<i64>) -> Option<Timestamp> {
        self.stays
            .iter()
            .filter(|(_, s)| !s.dwelled && s.exit_pending_since.is_none() && s.outside_since.is_none())
            .filter_map(|(&id, s)| dwell_ms_for(id).map(|n| s.entered_at.plus_millis(n)))
            .min()
    }

    /// Time of the newest fix applied; older fixes are ignored.
    pub fn last_fix_at(&self) -> Option<Timestamp> {
        self.last_fix_at
    }

    /// Applies one fix: looks it up in `index` and appends the events it
    /// causes to `out` (events of fences already entered first, then new
    /// entries, each group by fence id). `dwell_ms_for(fence)` gives a
    /// fence's dwell time in ms (`None`: no dwell). A fix that fails
    /// [`LocationFix::validate`], or is older than the newest fix applied,
    /// is ignored. Allocates nothing on the hot path beyond `out`'s growth
    /// (and a map node when a fence is entered).
    pub fn update(
        &mut self,
        index: &FenceIndex,
        fix: &LocationFix,
        dwell_ms_for: impl Fn(FenceId) -> Option<i64>,
        out: &mut Vec<FenceEvent>,
    ) {
        if !self.accepts(fix) {
            return;
        }
        let query = Query::new(fix.lat, fix.lon);
        let mut hits = std::mem::take(&mut self.hits);
        if index.is_empty() {
            hits.clear();
        } else {
            index.lookup_query(&query, 0.0, &mut hits);
        }
        self.apply(index, fix, &hits, Some(query), &dwell_ms_for, out);
        self.hits = hits;
    }

    /// As [`FenceTracker::update`], with the fix already looked up:
    /// `hits` must come from `index.lookup(fix.lat, fix.lon, margin, ..)`
    /// (or `lookup_scan`) with any `margin >= 0`, for instance the larger
    /// margin the caller used to find nearby offers.
    pub fn update_with_hits(
        &mut self,
        index: &FenceIndex,
        fix: &LocationFix,
        hits: &[FenceHit],
        dwell_ms_for: impl Fn(FenceId) -> Option<i64>,
        out: &mut Vec<FenceEvent>,
    ) {
        if self.accepts(fix) {
            self.apply(index, fix, hits, None, &dwell_ms_for, out);
        }
    }

    /// Lets time pass to `now` without a fix: fires the dwells that are due
    /// (a phone standing still often gets no fixes at all). Exits are never
    /// confirmed by time alone. A `now` older than the newest fix is
    /// ignored.
    pub fn advance(
        &mut self,
        now: Timestamp,
        dwell_ms_for: impl Fn(FenceId) -> Option<i64>,
        out: &mut Vec<FenceEvent>,
    ) {
        if self.last_fix_at.is_some_and(|t| now < t) {
            return;
        }
        for (&id, stay) in self.stays.iter_mut() {
            stay.maybe_dwell(id, now, dwell_ms_for(id), out);
        }
    }

    fn accepts(&self, fix: &LocationFix) -> bool {
        fix.validate().is_ok() && self.last_fix_at.is_none_or(|t| fix.at >= t)
    }

    fn apply(
        &mut self,
        index: &FenceIndex,
        fix: &LocationFix,
        hits: &[FenceHit],
        mut query: Option<Query>,
        dwell_ms_for: &impl Fn(FenceId) -> Option<i64>,
        out: &mut Vec<FenceEvent>,
    ) {
        let after_silence = self.last_fix_at.is_none_or(|t| fix.at.since(t) >= policy::FENCE_EXIT_SILENCE_MS);
        self.last_fix_at = Some(fix.at);
        let scatter_m = self.scatter_m;

        // Fences the phone is in: exit, dwell, or nothing.
        self.stays.retain(|&id, stay| {
            let hit = hits.iter().find(|h| h.fence == id).copied().or_else(|| {
                let q = query.get_or_insert_with(|| Query::new(fix.lat, fix.lon));
                index.hit_query(id, &mut stay.slot_hint, q)
            });
            let Some(hit) = hit else {
                // The fence is gone from the catalog: the stay ends now.
                out.push(FenceEvent::Exited { fence: id, at: fix.at, entered_at: stay.entered_at });
                return false;
            };
            match stay.step(&hit, fix, after_silence, scatter_m) {
                Step::Exit(at) => {
                    out.push(FenceEvent::Exited { fence: id, at, entered_at: stay.entered_at });
                    false
                }
                Step::Stay => {
                    stay.maybe_dwell(id, fix.at, dwell_ms_for(id), out);
                    true
                }
            }
        });

        // New entries.
        let first_entry = out.len();
        for hit in hits {
            if is_inside_evidence(hit, fix.accuracy_m) && !self.stays.contains_key(&hit.fence) {
                let mut stay = Stay::new(fix.at);
                out.push(FenceEvent::Entered { fence: hit.fence, at: fix.at });
                stay.maybe_dwell(hit.fence, fix.at, dwell_ms_for(hit.fence), out);
                self.stays.insert(hit.fence, stay);
            }
        }
        out[first_entry..].sort_unstable_by_key(|e| (e.fence(), e.rank()));
    }
}
