//! The engine's sensing plan: what it needs from the platform's location
//! services next, from what it watches (the pure rules are in
//! [`crate::domain::sensing`]). [`Engine::sensing_plan`] answers it; once
//! an app has asked, every later call that changes the plan enough also
//! reports [`EventKind::SensingPlanChanged`] (the facade's write hook,
//! [`Inner::sensing_event`]), so the app re-tunes its location requests
//! only when it must.

use super::{ApiResult, Engine, Inner, WakeRegion};
use crate::domain::event::{Event, EventKind};
use crate::domain::fences::FenceId;
use crate::domain::location::LocationFix;
use crate::domain::offers::loaded::LoadedCatalog;
use crate::domain::sensing::{plan, Accuracy, SensingInput, SensingNeed, SensingReason};
use crate::domain::time::{Timestamp, MINUTE_MS};
use crate::policy;
use chrono::Timelike;

/// Speed estimates older than this are not fresh (as for offers and
/// reminders, `Ctx::speed_at`).
const SPEED_FRESH_MS: i64 = 2 * MINUTE_MS;

/// What the engine asks of the platform until its next call.
#[derive(Debug, Clone, PartialEq)]
pub struct SensingPlan {
    /// The class of fix to ask for.
    pub accuracy: Accuracy,
    /// Time between fixes, ms.
    pub interval_ms: i64,
    /// Fixes closer than this to the previous one need not be delivered,
    /// metres (0: deliver every fix).
    pub min_displacement_m: f64,
    /// Whether to ask the platform to wake the app when the shopper starts
    /// moving.
    pub wake_on_motion: bool,
    /// The rule that applied.
    pub reason: SensingReason,
    /// The regions to register with the OS so that it wakes the app near a
    /// catalog place (the nearest [`policy::FENCE_WAKE_REGIONS_IOS`], the
    /// smaller platform limit), nearest first; empty before the first fix or
    /// without a catalog.
    pub wake_regions: Vec<WakeRegion>,
}

impl SensingPlan {
    /// The plan without its regions.
    pub fn need(&self) -> SensingNeed {
        SensingNeed {
            accuracy: self.accuracy,
            interval_ms: self.interval_ms,
            min_displacement_m: self.min_displacement_m,
            wake_on_motion: self.wake_on_motion,
            reason: self.reason,
        }
    }
}

/// The plan last reported to an app that follows it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Reported {
    need: SensingNeed,
    /// Place ids of the wake regions, nearest first.
    regions: Vec<String>,
}

impl Engine {
    /// What the engine needs from the platform's location services from
    /// `now` until its next call: the class of fix, how often, the
    /// displacement filter, whether to wake on motion, and the regions to
    /// register. From this call on, the engine also reports each later
    /// change with [`EventKind::SensingPlanChanged`] among the events of the
    /// call that caused it.
    pub fn sensing_plan(&self, now: Timestamp) -> ApiResult<SensingPlan> {
        let (need, position) = {
            let mut inner = self.lock();
            let need = inner.sensing_need(now);
            let regions = inner.wake_place_ids();
            inner.sensing = Some(Reported { need, regions });
            (need, inner.plan_position().map(|f| (f.lat, f.lon)))
        };
        let wake_regions = match position {
            Some((lat, lon)) => self.wake_regions(lat, lon, policy::FENCE_WAKE_REGIONS_IOS as u32)?,
            None => Vec::new(),
        };
        let SensingNeed { accuracy, interval_ms, min_displacement_m, wake_on_motion, reason } = need;
        Ok(SensingPlan { accuracy, interval_ms, min_displacement_m, wake_on_motion, reason, wake_regions })
    }
}

impl Inner {
    /// The plan's input from the engine's state at `now`.
    fn sensing_input(&self, now: Timestamp) -> SensingInput {
        let st = &self.st;
        let speed_mps = st.motion.filter(|(t, _)| now.since(*t) <= SPEED_FRESH_MS).map(|(_, s)| s);
        let (start, end) = self.set.offer_policy.quiet_hours;
        let hour = now.in_tz(self.set.tz).hour();
        let quiet = if start <= end { hour >= start && hour < end } else { hour >= start || hour < end };
        let nearest_boundary_m = match (self.catalog.as_deref(), self.plan_position()) {
            (Some(cat), Some(fix)) => {
                let fence = cat.index.nearest(fix.lat, fix.lon, 1).first().map(|&(_, d)| d);
                let place = self.reminder_reach_m(cat, fix.lat, fix.lon, now);
                // The fix may be off by its accuracy: count the boundary as
                // that much nearer.
                fence.into_iter().chain(place).reduce(f64::min).map(|d| (d - fix.accuracy_m).max(0.0))
            }
            _ => None,
        };
        SensingInput {
            speed_mps,
            visit_open: st.open_visit.is_some(),
            at_known_place: self.plan_position().is_some_and(|f| self.places.nearest(f.lat, f.lon).is_some()),
            in_fence: st.fences.inside().next().is_some(),
            exit_pending: st.fences.exit_pending(),
            nearest_boundary_m,
            quiet,
            dwell_due_in_ms: st.detector.dwell_due(&self.set.stay).map(|due| due.since(now)),
            latest_accuracy_m: self.plan_position().map(|f| f.accuracy_m),
        }
    }

    /// Where the plan places the phone: the latest fix in time order (the
    /// speed window's anchor `prev_fix` only in a state saved before it was
    /// kept).
    fn plan_position(&self) -> Option<LocationFix> {
        self.st.last_fix.or(self.st.prev_fix)
    }

    /// Distance to the edge of the on-the-way reminder's reach around the
    /// nearest catalog place (among the wake regions' candidates) that
    /// serves a routine due now; `None` when none is.
    fn reminder_reach_m(&self, cat: &LoadedCatalog, lat: f64, lon: f64, now: Timestamp) -> Option<f64> {
        let watch = &self.st.reminders;
        if !watch.any_overdue(now) {
            return None;
        }
        let day = now.local_day(self.set.tz).to_string();
        let serves = |fence: FenceId| {
            cat.place(fence).is_some_and(|p| {
                watch.watched.iter().any(|w| w.due(now, &day) && w.serves(p.id(), p.merchant().category()))
            })
        };
        cat.index
            .nearest(lat, lon, policy::FENCE_WAKE_REGIONS_IOS)
            .into_iter()
            .find(|&(fence, _)| serves(fence))
            .map(|(_, d)| (d - policy::REMINDER_RADIUS_M).max(0.0))
    }

    /// The plan's need at `now`.
    pub(super) fn sensing_need(&self, now: Timestamp) -> SensingNeed {
        plan(&self.sensing_input(now))
    }

    /// Place ids of the wake regions around the latest fix.
    fn wake_place_ids(&self) -> Vec<String> {
        let (Some(cat), Some(fix)) = (self.catalog.as_deref(), self.plan_position()) else { return Vec::new() };
        cat.index
            .nearest(fix.lat, fix.lon, policy::FENCE_WAKE_REGIONS_IOS)
            .into_iter()
            .filter_map(|(fence, _)| cat.place(fence).map(|p| p.id().to_owned()))
            .collect()
    }

    /// After a write: when the app follows the plan and it changed enough
    /// ([`crate::domain::sensing::need_changed`]) or the wake regions did,
    /// the event that says so, and the new plan becomes the reported one.
    pub(super) fn sensing_event(&mut self) -> Option<Event> {
        let reported = self.sensing.as_ref()?;
        let now = self.st.clock?;
        let need = self.sensing_need(now);
        let regions = self.wake_place_ids();
        let regions_changed = regions != reported.regions;
        if !regions_changed && !crate::domain::sensing::need_changed(&reported.need, &need) {
            return None;
        }
        self.sensing = Some(Reported { need, regions });
        let SensingNeed { accuracy, interval_ms, min_displacement_m, wake_on_motion, reason } = need;
        let kind = EventKind::SensingPlanChanged {
            accuracy,
            interval_ms,
            min_displacement_m,
            wake_on_motion,
            reason,
            regions_changed,
        };
        Some(Event::new(now, kind))
    }
}
