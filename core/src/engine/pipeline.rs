//! The write path: what one engine call does, in order. Every function
//! here runs inside the one transaction [`super::Engine`] opens for the
//! call; if anything fails the transaction rolls back and the engine
//! restores its previous state. Each stage is a call into the domain (pure
//! rules) or the store (rows); this file owns only the order.
//!
//! ```text
//! on_fixes(batch)                          record_locations
//!   sort by time → filter (duplicates, reorders, jumps)   domain::location
//!   for each accepted fix:
//!     stays            → visit begins / ends               domain::visits
//!       begins: place (private, known, new) → merchant match  domain::visits::stay_place, store
//!       ends:   fold into place → home/work → routines      store::profile, domain::routines
//!     (in-order fixes only)
//!     motion           → speed, driving                    domain::location
//!     fences           → transitions, nearby approaches    domain::fences
//!       (fences over a private place: only during a visit to their shop)
//!     offer decisions  → fired / suppressed, recorded      domain::offers, store::offers
//!       (fences and offers: offer_stage.rs)
//!       (none at a private place)
//!     on-the-way reminder                                  domain::routines::reminder
//!   store the accepted fixes, then on_time(newest fix)
//! on_steps(samples)                        record_steps
//!   counter / interval → minutes → day totals → goal reached; then on_time
//! on_tick(now)                             tick: a present far behind the clock is a
//!   corrected device clock (clock.rs, ADR 0009); then on_time
//! on_time(now)                             after every input
//!   clock (never back) → retention purge (hourly) → routines falling due
//!   → offer expiry and dwells by time (offer_stage.rs; up to a minute after the last fix)
//!   → day close (summaries; a merchant visit under way holds its day) → inactivity
//! ```
//!
//! Events are collected in call order in [`Ctx::events`] and handed to the
//! app when the transaction commits.

pub(crate) use super::state::Ctx;
use super::state::OpenVisit;
use crate::domain::event::{Event, EventKind};
use crate::domain::location::{self, FilterOutput, LocationFix};
use crate::domain::offers::MessageKind;
use crate::domain::privacy::outbox::{BudgetEntry, OutboxKind};
use crate::domain::privacy::{ldp, summaries};
use crate::domain::routines::reminder::{ReminderContext, Target, Watched};
use crate::domain::routines::RoutineSubject;
use crate::domain::steps::{self, StepSample};
use crate::domain::time::{Timestamp, HOUR_MS, MINUTE_MS};
use crate::domain::visits::{self, classify_minutes, GivenVisit, PlaceKind, StayEvent, StayPlace};
use crate::error::{Error, Result};
use crate::policy;
use crate::store;

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

impl Ctx<'_> {
    /// Raises an event.
    pub(super) fn emit(&mut self, at: Timestamp, kind: EventKind) {
        self.events.push(Event::new(at, kind));
    }

    /// Raises a message for the shopper (`event`, of `message` kind) if the
    /// notification budget allows it; else reports it held, and keeps it
    /// to try again when the budget allows (`held.rs`).
    fn notify(&mut self, at: Timestamp, message: MessageKind, event: EventKind) {
        match self.st.budget.check(message, at, self.set.tz, &self.set.budget) {
            Ok(()) => {
                self.st.budget.record(message, at, self.set.tz);
                self.emit(at, event);
            }
            Err(h) => {
                self.keep_held(at, &event, &h);
                let reason = crate::domain::event::HoldReason::NotificationBudget;
                let (limit, until, allowance) = (h.limit, h.until, h.allowance);
                self.emit(at, EventKind::NotificationHeld { message, reason, limit, until, allowance });
            }
        }
    }

    // ---- fixes -------------------------------------------------------

    /// Filters, analyses and stores a batch of fixes, then lets time pass
    /// to the newest. `fault_after` cuts the batch off (a test hook).
    pub fn on_fixes(&mut self, fixes: &[LocationFix], fault_after: Option<usize>) -> Result<IngestReport> {
        let (report, newest) = self.ingest_fixes(fixes, fault_after)?;
        if let Some(newest) = newest {
            self.on_time(newest)?;
        }
        Ok(report)
    }

    /// [`Ctx::on_fixes`] without letting time pass: the report, and the
    /// newest accepted fix's time (where `on_fixes` lets time pass to).
    pub(super) fn ingest_fixes(
        &mut self,
        fixes: &[LocationFix],
        fault_after: Option<usize>,
    ) -> Result<(IngestReport, Option<Timestamp>)> {
        let mut sorted = fixes.to_vec();
        sorted.sort_by_key(|f| f.at);
        let mut out = Vec::with_capacity(sorted.len() + 1);
        for f in &sorted {
            self.st.filter.push(*f, &mut out);
        }
        let mut report = IngestReport::default();
        let mut accepted = Vec::with_capacity(out.len());
        for o in out {
            match o {
                FilterOutput::Accepted { fix, late } => {
                    accepted.push(fix);
                    self.on_fix(&fix, late)?;
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
        let newest = accepted.iter().filter(|f| !f.at.0.is_negative()).map(|f| f.at).max();
        Ok((report, newest))
    }

    /// One accepted fix through the stages. A late fix (older than one
    /// already seen) only feeds the stay detector.
    fn on_fix(&mut self, fix: &LocationFix, late: bool) -> Result<()> {
        let mut stays = Vec::new();
        self.st.detector.push(fix, late, &self.set.stay, &mut stays);
        if !late {
            if let Some(prev) = self.st.last_fix.filter(|p| fix.at.since(p.at) > policy::CLOCK_CORRECTION_MS) {
                // Perhaps a wrong device clock: what a correction may trust.
                self.st.fix_before_leap = Some(prev);
            }
            self.st.last_fix = Some(*fix);
            self.note_motion(fix);
        }
        for stay in stays {
            self.on_stay(stay)?;
        }
        if !late {
            // Phones under-report accuracy: exits are judged by the
            // scatter seen while a stay is in progress too.
            let in_fence = self.st.fences.inside().next().is_some();
            let scatter = if in_fence { self.st.detector.observed_scatter_m() } else { None };
            self.st.fences.set_observed_scatter(scatter);
            self.offers_on_fix(fix)?;
            self.remind_on_fix(fix);
        }
        Ok(())
    }

    /// Keeps the speed estimate, and tells the inactivity nudge when the
    /// shopper drives.
    fn note_motion(&mut self, fix: &LocationFix) {
        let (anchor, speed) = location::estimate_speed(self.st.prev_fix.as_ref(), fix, self.st.motion);
        self.st.prev_fix = Some(anchor);
        if let Some(s) = speed {
            self.st.motion = Some((fix.at, s));
            if s > policy::DRIVING_SPEED_MPS {
                self.st.activity.note_driving(fix.at);
            }
        }
    }

    /// The fresh speed estimate at `now`.
    pub(super) fn speed_at(&self, now: Timestamp) -> Option<f64> {
        location::speed_at(self.st.motion, now)
    }

    // ---- stays, visits, places ---------------------------------------

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
    /// merge radius, else at a new place; matched to the catalog merchants
    /// whose fences it is in, unless it is at a private place
    /// ([`crate::domain::visits::PlaceBook::stay_place`]). Returns
    /// `(visit_id, place_id)`.
    fn begin_visit(&mut self, lat: f64, lon: f64, arrived_at: Timestamp) -> Result<(i64, i64)> {
        let mut hits = Vec::new();
        if let Some(cat) = self.catalog {
            cat.visit_hits(lat, lon, &mut hits);
        }
        let (place_id, matched) = match self.places.stay_place(lat, lon, !hits.is_empty()) {
            StayPlace::Private(id) => (id, false),
            StayPlace::Known(id) => (id, true),
            StayPlace::New => {
                let id = store::profile::insert_place(self.conn, self.sealer, lat, lon, arrived_at)?;
                self.places.upsert(id, lat, lon, hits.is_empty());
                (id, true)
            }
        };
        let visit_id = store::profile::insert_visit(self.conn, self.sealer, place_id, arrived_at, lat, lon)?;
        for p in hits.iter().filter(|_| matched).filter_map(|h| self.catalog.and_then(|c| c.place(h.fence))) {
            let m = p.merchant();
            store::merchant_visits::insert(self.conn, visit_id, place_id, m.id(), m.category(), p.id(), arrived_at)?;
        }
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
        self.places.upsert(place_id, plat, plon, true);
        self.emit(detected_at, EventKind::VisitEnded { visit_id, place_id, arrived_at, departed_at, minutes });
        let (home, work) =
            store::profile::infer_home_work(self.conn, policy::HOME_MIN_NIGHT_MINUTES, policy::WORK_MIN_MINUTES)?;
        for (place_id, place_kind) in store::profile::apply_kinds(self.conn, home, work)? {
            if matches!(place_kind, PlaceKind::Home | PlaceKind::Work) {
                // Home and work are private, even inside a fence.
                store::merchant_visits::forget_place(self.conn, place_id)?;
                self.places.set_own(place_id);
            }
            self.emit(detected_at, EventKind::PlaceClassified { place_id, place_kind });
        }
        self.routines_on_visit(visit_id, place_id, arrived_at, detected_at)
    }

    /// Records a visit given whole by the app (validated by the caller):
    /// clustered into a place, matched to merchants and folded into
    /// routines like a detected one. A repeat of a stored visit is ignored;
    /// any other overlap is refused.
    pub(super) fn record_visit(&mut self, lat: f64, lon: f64, arrived: Timestamp, departed: Timestamp) -> Result<()> {
        let overlapping = store::profile::overlapping(self.conn, self.sealer, arrived, departed)?;
        let place = self.places.nearest(lat, lon);
        match visits::given_visit(&overlapping, place, arrived, departed) {
            GivenVisit::New => {}
            GivenVisit::Repeat => return Ok(()),
            GivenVisit::Overlaps(why) => return Err(Error::InvalidVisit(why)),
        }
        let (visit_id, place_id) = self.begin_visit(lat, lon, arrived)?;
        self.emit(arrived, EventKind::VisitStarted { visit_id, place_id, arrived_at: arrived });
        let end = VisitEnd { departed_at: departed, lat, lon, detected_at: departed };
        self.end_visit(visit_id, place_id, arrived, end)?;
        self.on_time(departed)
    }

    // ---- routines ----------------------------------------------------

    /// Whether a routine may raise events: not over home or work.
    fn speaks(&self, subject: &RoutineSubject) -> Result<bool> {
        Ok(match subject {
            RoutineSubject::Place { place_id } => {
                !matches!(store::routines::place_kind(self.conn, *place_id)?, Some(PlaceKind::Home | PlaceKind::Work))
            }
            RoutineSubject::Category { .. } => true,
        })
    }

    /// Folds a visit that ended into the routine of its place and of each
    /// catalog category it matched; reports routines it brought back.
    fn routines_on_visit(&mut self, visit_id: i64, place_id: i64, arrived_at: Timestamp, at: Timestamp) -> Result<()> {
        let tz = self.set.tz;
        let mut subjects = vec![RoutineSubject::Place { place_id }];
        for category in store::routines::categories_of_visit(self.conn, visit_id)? {
            subjects.push(RoutineSubject::Category { category });
        }
        for subject in subjects {
            let id = subject.id();
            let mut track = store::routines::load(self.conn, self.sealer, &id)?.unwrap_or_default();
            let effect = track.add_visit(arrived_at, tz);
            let (pid, category) = subject.columns();
            store::routines::save(self.conn, self.sealer, &id, pid, category, &track, track.next_check(tz))?;
            if let Some(cycles_missed) = effect.resumed_after {
                if self.speaks(&subject)? {
                    let next_expected_at = track.routine(subject, at, tz).map_or(at, |r| r.next_expected_at);
                    self.emit(at, EventKind::RoutineResumed { routine_id: id, cycles_missed, next_expected_at });
                }
            }
        }
        self.refresh_watch()
    }

    /// Reports the cycles that became overdue by `now`.
    fn routines_on_time(&mut self, now: Timestamp) -> Result<()> {
        let tz = self.set.tz;
        for (id, mut track) in store::routines::due(self.conn, self.sealer, now)? {
            let caught = track.catch_up(now, tz);
            let subject = RoutineSubject::parse(&id);
            let (pid, category) = subject.as_ref().map_or((None, None), RoutineSubject::columns);
            store::routines::save(self.conn, self.sealer, &id, pid, category, &track, track.next_check(tz))?;
            let Some(c) = caught.filter(|c| !c.lapsed) else { continue };
            let speaks = match &subject {
                Some(subject) => self.speaks(subject)?,
                None => false,
            };
            if speaks {
                let (expected_at, cycles_missed, days_overdue, period_days) =
                    (c.expected_at, c.cycles_missed, c.days_overdue, c.period_days);
                let kind =
                    EventKind::RoutineOverdue { routine_id: id, expected_at, cycles_missed, days_overdue, period_days };
                self.notify(c.since, MessageKind::RoutineOverdue, kind);
            }
        }
        Ok(())
    }

    /// After the device's zone changed: the next checks and the watch list
    /// are instants, recomputed from the wall-clock routines in the new zone.
    pub(super) fn rezone_routines(&mut self) -> Result<()> {
        for row in store::routines::all(self.conn, self.sealer)? {
            store::routines::set_next_check(self.conn, &row.id, row.track.next_check(self.set.tz))?;
        }
        self.refresh_watch()
    }

    /// Rebuilds the reminder's watch list: routines over catalog places (a
    /// place routine at a merchant's place, or a category routine), with
    /// their overdue and lapse instants, and home's centre.
    pub(super) fn refresh_watch(&mut self) -> Result<()> {
        let mut watched = Vec::new();
        for row in store::routines::all(self.conn, self.sealer)? {
            let Some(subject) = RoutineSubject::parse(&row.id) else { continue };
            let Some((expected_at, overdue_at, lapses_at)) = row.track.schedule(self.set.tz) else { continue };
            let target = match subject {
                RoutineSubject::Place { place_id } => {
                    if row.merchant_id.is_none() || matches!(row.place_kind, Some(PlaceKind::Home | PlaceKind::Work)) {
                        continue;
                    }
                    let places = store::routines::catalog_places_of(self.conn, place_id)?;
                    if places.is_empty() {
                        continue;
                    }
                    Target::Places(places)
                }
                RoutineSubject::Category { category } => Target::Category(category),
            };
            let routine_id = row.id;
            watched.push(Watched { routine_id, target, expected_at, overdue_at, lapses_at, reminded_day: None });
        }
        let home = store::routines::home(self.conn, self.sealer)?;
        self.st.reminders.replace(watched, home);
        Ok(())
    }

    // ---- the on-the-way reminder -------------------------------------

    /// Runs the reminder rule ([`crate::domain::routines::reminder`]) on
    /// an in-order fix.
    fn remind_on_fix(&mut self, fix: &LocationFix) {
        let cx = ReminderContext {
            catalog: self.catalog,
            speed_mps: self.speed_at(fix.at),
            tz: self.set.tz,
            quiet_hours: self.set.offer_policy.quiet_hours,
        };
        if let Some(r) = self.st.reminders.on_fix(fix, &cx) {
            let (routine_ids, place_id, merchant_id) = (r.routine_ids, r.place_id, r.merchant_id);
            let (distance_m, days_overdue) = (r.distance_m, r.days_overdue);
            let kind = EventKind::OnTheWayReminder { routine_ids, place_id, merchant_id, distance_m, days_overdue };
            self.notify(fix.at, MessageKind::OnTheWayReminder, kind);
        }
    }

    // ---- steps -------------------------------------------------------

    /// Records step samples (validated by the caller), then lets time pass
    /// to the newest.
    pub fn on_steps(&mut self, samples: &[StepSample]) -> Result<()> {
        let mut newest = None;
        for (i, s) in samples.iter().enumerate() {
            let minutes = match *s {
                StepSample::Counter { at, count_since_boot } => {
                    self.st.counter.minutes(at, count_since_boot).map_err(|last| {
                        Error::InvalidSteps(format!(
                            "sample {i}: counter reading at {at} is older than the previous one at {last}"
                        ))
                    })?
                }
                StepSample::Interval { start, end, steps: n } => {
                    let (m0, k) = steps::minute_span(start, end);
                    let counted = store::steps::sum_minutes(self.conn, m0, m0 + k * MINUTE_MS)?;
                    steps::interval_minutes(start, end, n, counted)
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
            self.on_time(t)?;
        }
        Ok(())
    }

    fn check_goal(&mut self, day: &str, at: Timestamp) -> Result<()> {
        let (steps, reached) = store::steps::day(self.conn, day)?;
        let goal = self.set.step_goal;
        if reached.is_none() && steps >= u64::from(goal) {
            store::steps::mark_goal_reached(self.conn, day, at)?;
            let day = day
                .parse::<chrono::NaiveDate>()
                .map_err(|_| Error::StoredValue { what: "local day", value: day.to_string() })?;
            self.notify(at, MessageKind::StepGoal, EventKind::StepGoalReached { day, steps, goal });
        }
        Ok(())
    }

    // ---- time --------------------------------------------------------

    /// Moves the engine clock to `now` (never back) and runs the rules
    /// that depend only on time: retention, routines falling overdue, offer
    /// expiry and dwell, day close, and the inactivity nudge.
    pub fn on_time(&mut self, now: Timestamp) -> Result<()> {
        if self.st.clock.is_some_and(|c| now < c) {
            return Ok(());
        }
        self.st.clock = Some(now);
        if self.st.last_purge.is_none_or(|t| now.since(t) >= HOUR_MS) {
            let n = store::fixes::purge_before(self.conn, now.plus_millis(-self.set.raw_fix_retention_ms))?;
            store::steps::purge_minutes_before(self.conn, now.plus_millis(-policy::STEP_MINUTE_RETENTION_MS))?;
            if n > 0 {
                tracing::debug!(purged = n, "raw fixes past retention purged");
            }
            self.st.last_purge = Some(now);
        }
        self.retry_held(now)?;
        self.routines_on_time(now)?;
        self.offers_on_time(now)?;
        self.close_days(now)?;
        let driving = location::driving(self.st.motion, now);
        let set = self.set;
        if let Some(n) = self.st.activity.check(now, set.tz, set.sedentary_ms, set.waking_hours, driving) {
            let nudge = EventKind::InactivityNudge { sedentary_since: n.since, minutes: n.minutes };
            self.notify(now, MessageKind::InactivityNudge, nudge);
        }
        Ok(())
    }

    /// Builds the summaries of every local day that has closed since the
    /// last call, for each purpose consented now, into the outbox (in the
    /// caller's transaction), noised when local privacy is on for the
    /// purpose, with the budget spent recorded. The first day the engine
    /// sees is not summarised backwards; after a long silence at most
    /// [`policy::MAX_DAYS_CLOSED_AT_ONCE`] days are.
    fn close_days(&mut self, now: Timestamp) -> Result<()> {
        let today = now.local_day(self.set.tz);
        let Some(mut yesterday) = today.pred_opt() else { return Ok(()) };
        if let Some(open) = self.st.open_visit {
            // A merchant visit under way may yet turn out to be a night at
            // home: its day waits until the visit ends (and its place is
            // classified).
            if !store::routines::categories_of_visit(self.conn, open.visit_id)?.is_empty() {
                let Some(before) = open.arrived_at.local_day(self.set.tz).pred_opt() else { return Ok(()) };
                yesterday = yesterday.min(before);
            }
        }
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
            let d = day.to_string();
            for purpose in granted.iter().copied() {
                let built = summaries::build(
                    &store::summaries::DayReader(self.conn),
                    purpose,
                    day,
                    self.set.tz,
                    self.set.step_goal,
                )?;
                let Some(mut payload) = built else { continue };
                if let Some(epsilon) = self.set.local_privacy.epsilon(purpose) {
                    ldp::noise_summary(purpose, &mut payload, epsilon, self.noise)?;
                    let mechanism = ldp::MECHANISM.to_string();
                    let spent = BudgetEntry { day: d.clone(), purpose, mechanism, epsilon, spent_at: now };
                    store::privacy::record_budget(self.conn, &spent)?;
                }
                store::privacy::enqueue(
                    self.conn,
                    OutboxKind::Summary,
                    Some(purpose),
                    Some(&d),
                    &payload.to_string(),
                    now,
                )?;
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
