//! The write path: one transaction's worth of engine work. Everything here
//! runs inside a transaction opened by [`super::Engine`]; if anything fails
//! the transaction rolls back and the engine restores its previous state.

use crate::domain::event::{Event, EventKind};
use crate::domain::geo::distance_m;
use crate::domain::location::{FilterOutput, FixFilter, LocationFix};
use crate::domain::steps::{self, CounterDelta, CounterState, InactivityState, StepSample};
use crate::domain::time::{Timestamp, HOUR_MS, MINUTE_MS};
use crate::domain::visits::{classify_minutes, PlaceBook, StayDetector, StayEvent, StayParams};
use crate::error::{Error, Result};
use crate::policy;
use crate::store;
use chrono_tz::Tz;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// A visit under way.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct OpenVisit {
    visit_id: i64,
    place_id: i64,
    arrived_at: Timestamp,
}

/// How a visit ended.
#[derive(Debug, Clone, Copy)]
pub(super) struct VisitEnd {
    /// Last instant at the place.
    pub departed_at: Timestamp,
    /// Final centre.
    pub lat: f64,
    /// Final centre.
    pub lon: f64,
    /// When the departure became known.
    pub detected_at: Timestamp,
}

/// Everything the engine keeps between calls, persisted in each write.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct EngineState {
    /// The latest time seen from any input or `tick`; never goes back.
    pub clock: Option<Timestamp>,
    pub filter: FixFilter,
    pub detector: StayDetector,
    pub open_visit: Option<OpenVisit>,
    pub counter: CounterState,
    pub activity: InactivityState,
    /// Which catalog fences the phone is in, with hysteresis.
    #[serde(default)]
    pub fences: crate::domain::fences::FenceTracker,
    /// Fences the phone is passing near (for `nearby` offers), latched
    /// until it moves away, so each approach counts once.
    #[serde(default)]
    pub near: std::collections::BTreeSet<crate::domain::fences::FenceId>,
    /// Latest movement speed estimate `(at, m/s)`.
    pub motion: Option<(Timestamp, f64)>,
    /// The previous in-order fix, for speed estimates.
    pub prev_fix: Option<LocationFix>,
    /// Last retention purge.
    pub last_purge: Option<Timestamp>,
    /// The latest local day whose summaries were built.
    #[serde(default)]
    pub last_closed_day: Option<chrono::NaiveDate>,
    /// Summaries dropped from the outbox by its limits, ever.
    #[serde(default)]
    pub outbox_dropped: u64,
    /// When sync may try again.
    #[serde(default)]
    pub sync_backoff: crate::engine::sync::Backoff,
    /// What the on-the-way reminder watches.
    #[serde(default)]
    pub reminders: crate::domain::routines::reminder::ReminderWatch,
}

/// Settings the write path needs, fixed at open.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub tz: Tz,
    pub stay: StayParams,
    pub step_goal: u32,
    pub raw_fix_retention_ms: i64,
    pub sedentary_ms: i64,
    pub waking_hours: (u32, u32),
    pub offer_policy: crate::domain::offers::OfferPolicy,
    /// Which purposes' summaries are noised, with which epsilon.
    pub local_privacy: crate::domain::privacy::LocalPrivacy,
}

/// Outcome of a batch of fixes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestReport {
    /// The events the batch caused.
    pub events: Vec<Event>,
    /// Fixes accepted (including late ones, and held fixes released).
    pub accepted: u32,
    /// Exact duplicates dropped.
    pub duplicates: u32,
    /// Fixes refused, with the time of each and why.
    pub rejected: Vec<(Timestamp, crate::domain::location::FixRejection)>,
    /// Fixes held back as a suspected jump, awaiting the next fix.
    pub held: u32,
}

pub(crate) struct Ctx<'a> {
    pub conn: &'a Connection,
    pub st: &'a mut EngineState,
    pub places: &'a mut PlaceBook,
    pub set: &'a Settings,
    pub catalog: Option<&'a crate::domain::offers::loaded::LoadedCatalog>,
    pub install_id: &'a str,
    pub sealer: &'a crate::domain::privacy::seal::Sealer,
    /// Draws the local-privacy noise (never touched while it is off).
    pub noise: &'a mut crate::domain::privacy::ldp::NoiseSource,
    pub events: Vec<Event>,
    /// Buffers the offer path reuses from fix to fix.
    pub scratch: super::offer_flow::Scratch,
}

impl Ctx<'_> {
    pub(super) fn emit(&mut self, at: Timestamp, kind: EventKind) {
        self.events.push(Event::new(at, kind));
    }

    /// Filters, stores and analyses a batch of fixes.
    pub fn ingest_fixes(&mut self, fixes: &[LocationFix], fault_after: Option<usize>) -> Result<IngestReport> {
        let mut sorted = fixes.to_vec();
        sorted.sort_by_key(|f| f.at);
        let mut out = Vec::with_capacity(sorted.len() + 1);
        for f in &sorted {
            self.st.filter.push(*f, &mut out);
        }
        let mut report = IngestReport::default();
        let mut accepted = Vec::with_capacity(out.len());
        let mut stay_events = Vec::new();
        for o in out {
            match o {
                FilterOutput::Accepted { fix, late } => {
                    accepted.push(fix);
                    self.st.detector.push(&fix, late, &self.set.stay, &mut stay_events);
                    if !late {
                        self.track_motion(&fix);
                    }
                    for ev in stay_events.drain(..) {
                        self.on_stay(ev)?;
                    }
                    if !late {
                        self.offers_on_fix(&fix)?;
                        self.reminders_on_fix(&fix);
                    }
                }
                FilterOutput::Duplicate => report.duplicates += 1,
                FilterOutput::Rejected { at, reason } => report.rejected.push((at, reason)),
            }
        }
        report.accepted = accepted.len() as u32;
        report.held = u32::from(self.st.filter.pending().is_some());
        match fault_after {
            Some(n) if n < accepted.len() => {
                store::fixes::insert(self.conn, self.sealer, &accepted[..n])?;
                return Err(Error::Injected("batch cut off"));
            }
            _ => store::fixes::insert(self.conn, self.sealer, &accepted)?,
        }
        if let Some(newest) = accepted.iter().filter(|f| !f.at.0.is_negative()).map(|f| f.at).max() {
            self.advance(newest)?;
        }
        Ok(report)
    }

    /// The speed estimate at `now`, if fresh (at most two minutes old).
    pub(super) fn speed_at(&self, now: Timestamp) -> Option<f64> {
        self.st.motion.filter(|(t, _)| now.since(*t) <= 2 * MINUTE_MS).map(|(_, s)| s)
    }

    /// Whether the shopper moves at driving speed at `now`.
    pub(super) fn driving(&self, now: Timestamp) -> bool {
        self.speed_at(now).is_some_and(|s| s > policy::DRIVING_SPEED_MPS)
    }

    /// Keeps a speed estimate: the platform's when given, otherwise from
    /// consecutive fixes at most two minutes apart.
    fn track_motion(&mut self, fix: &LocationFix) {
        let prev = self.st.prev_fix.replace(*fix);
        let speed = match (fix.speed_mps, prev) {
            (Some(s), _) => Some(s),
            (None, Some(prev)) if fix.at.since(prev.at) > 0 && fix.at.since(prev.at) <= 2 * MINUTE_MS => {
                let d = distance_m(prev.lat, prev.lon, fix.lat, fix.lon);
                // Accuracy-limited: movement inside the error circles is noise.
                let d = (d - prev.accuracy_m.min(fix.accuracy_m)).max(0.0);
                Some(d / (fix.at.since(prev.at) as f64 / 1000.0))
            }
            _ => None,
        };
        if let Some(s) = speed {
            self.st.motion = Some((fix.at, s));
            if s > policy::DRIVING_SPEED_MPS {
                self.st.activity.note_driving(fix.at);
            }
        }
    }

    fn on_stay(&mut self, ev: StayEvent) -> Result<()> {
        match ev {
            StayEvent::Started { arrived_at, lat, lon, detected_at } => {
                let (visit_id, place_id) = self.begin_visit(lat, lon, arrived_at)?;
                self.st.open_visit = Some(OpenVisit { visit_id, place_id, arrived_at });
                self.emit(detected_at, EventKind::VisitStarted { visit_id, place_id, arrived_at });
            }
            StayEvent::Ended { departed_at, lat, lon, detected_at, .. } => {
                let Some(open) = self.st.open_visit.take() else { return Ok(()) };
                let end = VisitEnd { departed_at, lat, lon, detected_at };
                self.end_visit(open.visit_id, open.place_id, open.arrived_at, end)?;
            }
        }
        Ok(())
    }

    /// Opens a visit at `(lat, lon)`: at the nearest known place within the
    /// merge radius, else at a new place; matched to catalog merchants.
    /// Returns `(visit_id, place_id)`.
    pub(super) fn begin_visit(&mut self, lat: f64, lon: f64, arrived_at: Timestamp) -> Result<(i64, i64)> {
        let place_id = match self.places.nearest(lat, lon) {
            Some(id) => id,
            None => {
                let id = store::profile::insert_place(self.conn, self.sealer, lat, lon, arrived_at)?;
                self.places.upsert(id, lat, lon);
                id
            }
        };
        let visit_id = store::profile::insert_visit(self.conn, self.sealer, place_id, arrived_at, lat, lon)?;
        self.match_merchant_visit(visit_id, place_id, lat, lon, arrived_at)?;
        Ok((visit_id, place_id))
    }

    /// Closes a visit: folds it into its place, reports it, re-infers home
    /// and work, and updates the routines it counts for.
    pub(super) fn end_visit(
        &mut self,
        visit_id: i64,
        place_id: i64,
        arrived_at: Timestamp,
        end: VisitEnd,
    ) -> Result<()> {
        let VisitEnd { departed_at, lat, lon, detected_at } = end;
        let (night_minutes, work_minutes) = classify_minutes(arrived_at, departed_at, self.set.tz);
        let minutes = departed_at.since(arrived_at) / MINUTE_MS;
        let close = store::profile::VisitClose {
            visit_id,
            place_id,
            departed: departed_at,
            lat,
            lon,
            minutes,
            night_minutes,
            work_minutes,
        };
        let (plat, plon) = store::profile::close_visit(self.conn, self.sealer, &close)?;
        self.places.upsert(place_id, plat, plon);
        self.emit(detected_at, EventKind::VisitEnded { visit_id, place_id, arrived_at, departed_at, minutes });
        let (home, work) =
            store::profile::infer_home_work(self.conn, policy::HOME_MIN_NIGHT_MINUTES, policy::WORK_MIN_MINUTES)?;
        for (place_id, place_kind) in store::profile::apply_kinds(self.conn, home, work)? {
            self.emit(detected_at, EventKind::PlaceClassified { place_id, place_kind });
        }
        self.routines_on_visit(visit_id, place_id, arrived_at, detected_at)
    }

    /// Records step samples (validated by the caller).
    pub fn ingest_steps(&mut self, samples: &[StepSample]) -> Result<()> {
        let mut newest = None;
        for (i, s) in samples.iter().enumerate() {
            let minutes = match *s {
                StepSample::Counter { at, count_since_boot } => match self.st.counter.advance(at, count_since_boot) {
                    CounterDelta::Baseline | CounterDelta::Repeat => Vec::new(),
                    CounterDelta::OutOfOrder { last } => {
                        return Err(Error::InvalidSteps(format!(
                            "sample {i}: counter reading at {at} is older than the previous one at {last}"
                        )))
                    }
                    CounterDelta::Steps { start, end, steps, reset, clamped } => {
                        if reset {
                            tracing::info!(%end, "step counter went back: treating as a reboot");
                        }
                        if clamped {
                            tracing::warn!(%start, %end, "step delta above the plausible cadence: clamped");
                        }
                        steps::spread(start, end, steps)
                    }
                },
                StepSample::Interval { start, end, steps: n } => {
                    let (n, _) = steps::clamp(n, start, end);
                    let (m0, k) = steps::minute_span(start, end);
                    let counted = store::steps::sum_minutes(self.conn, m0, m0 + k * MINUTE_MS)?;
                    if n > counted {
                        steps::spread(start, end, n - counted)
                    } else {
                        Vec::new()
                    }
                }
            };
            let (active, days) =
                store::steps::add_minutes(self.conn, &minutes, self.set.tz, policy::ACTIVE_MINUTE_STEPS)?;
            for m in active {
                self.st.activity.note_active_minute(m);
            }
            for day in days {
                self.check_goal(&day, s.end())?;
            }
            newest = newest.max(Some(s.end()));
        }
        if let Some(t) = newest {
            self.advance(t)?;
        }
        Ok(())
    }

    fn check_goal(&mut self, day: &str, at: Timestamp) -> Result<()> {
        let (steps, reached) = store::steps::day(self.conn, day)?;
        if reached.is_none() && steps >= u64::from(self.set.step_goal) {
            store::steps::mark_goal_reached(self.conn, day, at)?;
            // The store keeps days as `YYYY-MM-DD` text: one that does not parse is a conversion failure.
            let bad = |e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e));
            let day = day.parse::<chrono::NaiveDate>().map_err(bad)?;
            self.emit(at, EventKind::StepGoalReached { day, steps, goal: self.set.step_goal });
        }
        Ok(())
    }

    /// Moves the engine clock to `now` (never back) and runs the rules
    /// that depend only on time: retention, routines falling overdue, offer
    /// expiry and dwell, and the inactivity nudge.
    pub fn advance(&mut self, now: Timestamp) -> Result<()> {
        if self.st.clock.is_some_and(|c| now < c) {
            return Ok(());
        }
        self.st.clock = Some(now);
        if self.st.last_purge.is_none_or(|t| now.since(t) >= HOUR_MS) {
            let cutoff = now.plus_millis(-self.set.raw_fix_retention_ms);
            let n = store::fixes::purge_before(self.conn, cutoff)?;
            store::steps::purge_minutes_before(self.conn, now.plus_millis(-policy::STEP_MINUTE_RETENTION_MS))?;
            if n > 0 {
                tracing::debug!(purged = n, "raw fixes past retention purged");
            }
            self.st.last_purge = Some(now);
        }
        self.routines_on_time(now)?;
        self.offers_on_time(now)?;
        self.close_days(now)?;
        let driving = self.driving(now);
        if let Some(n) = self.st.activity.check(now, self.set.tz, self.set.sedentary_ms, self.set.waking_hours, driving)
        {
            self.emit(now, EventKind::InactivityNudge { sedentary_since: n.since, minutes: n.minutes });
        }
        Ok(())
    }

    /// Builds the summaries of every local day that has closed since the
    /// last call, for each purpose consented now, into the outbox (in the
    /// caller's transaction), noised when local privacy is on for the
    /// purpose, with the budget spent recorded. The first day the engine sees is not
    /// summarised backwards; after a long silence at most
    /// [`policy::MAX_DAYS_CLOSED_AT_ONCE`] days are.
    fn close_days(&mut self, now: Timestamp) -> Result<()> {
        let today = now.local_day(self.set.tz);
        let Some(yesterday) = today.pred_opt() else { return Ok(()) };
        let Some(last) = self.st.last_closed_day else {
            self.st.last_closed_day = Some(yesterday);
            return Ok(());
        };
        if last >= yesterday {
            return Ok(());
        }
        let first =
            (last + chrono::Duration::days(1)).max(today - chrono::Duration::days(policy::MAX_DAYS_CLOSED_AT_ONCE));
        let granted = store::privacy::granted_purposes(self.conn)?;
        let mut day = first;
        while day <= yesterday {
            for purpose in granted.iter().copied() {
                if let Some(mut payload) =
                    crate::domain::privacy::summaries::build(self.conn, purpose, day, self.set.tz, self.set.step_goal)?
                {
                    let d = day.to_string();
                    if let Some(epsilon) = self.set.local_privacy.epsilon(purpose) {
                        crate::domain::privacy::ldp::noise_summary(purpose, &mut payload, epsilon, self.noise)?;
                        let mechanism = crate::domain::privacy::ldp::MECHANISM.to_string();
                        let spent =
                            store::privacy::BudgetEntry { day: d.clone(), purpose, mechanism, epsilon, spent_at: now };
                        store::privacy::record_budget(self.conn, &spent)?;
                    }
                    store::privacy::enqueue(self.conn, "summary", Some(purpose), Some(&d), &payload.to_string(), now)?;
                }
            }
            day += chrono::Duration::days(1);
        }
        self.st.last_closed_day = Some(yesterday);
        let dropped =
            store::privacy::enforce_limits(self.conn, now, policy::MAX_OUTBOX_ITEMS, policy::MAX_OUTBOX_AGE_MS)?;
        if dropped > 0 {
            tracing::warn!(dropped, "outbox limits reached: oldest summaries dropped");
            self.st.outbox_dropped += dropped as u64;
        }
        Ok(())
    }
}
