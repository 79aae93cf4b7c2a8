//! The replay driver: feeds a recorded or synthetic track (and step
//! samples) through an [`Engine`] in time order, as a phone would deliver
//! them, ticking the engine as time passes. The simulator and the demo
//! apps' QA mode both use it, so a replay on a phone and in CI run the same
//! code.
//!
//! One bad fix never stops a replay: a fix the engine refuses is reported
//! alone ([`RejectedFix`]: which fix, when it was delivered, the typed
//! reason), and a fix outside the engine's time range (a point dated 1901)
//! is refused before the engine sees it, instead of making the engine's
//! clock tick outside its range; a step sample the engine would refuse is
//! likewise refused alone ([`RejectedStep`]). Fixes are delivered in time
//! order, or as recorded, late ones included ([`Delivery`]).
//!
//! **Ticks jump.** Windows lie on a grid of `window_ms`; the engine is
//! ticked at the end of a window only when something can happen in it: an
//! input is delivered, or the engine's next deadline
//! ([`Engine::next_deadline`]: a dwell, a claim window's end, a routine
//! falling due, a day boundary, the inactivity nudge, the retention purge)
//! falls in it. Ticks in between would change nothing, so the events are
//! those of a tick every window, at the same instants, and a replay costs
//! what its inputs and events cost, not the time it spans (two fixes
//! twenty years apart take a few ticks a day, not ten million). While the
//! app follows the engine's sensing plan the plan may change with time
//! alone, and every window is ticked. [`Replayer::step_many`] runs many
//! windows in one engine transaction, for whole-file replays.

use crate::domain::event::Event;
use crate::domain::location::{FixRejection, LocationFix};
use crate::domain::steps::StepSample;
use crate::domain::time::Timestamp;
use crate::engine::{ApiResult, Engine};
use crate::error::Result;
use crate::policy;

impl Engine {
    /// The earliest instant at or after the engine clock at which a `tick`
    /// with no input can change something (a dwell, a claim window's end,
    /// a routine falling due, a local day boundary, the inactivity nudge,
    /// the retention purge); ticking before it changes nothing. `None`
    /// before any input. A scheduler or a replay can sleep until then.
    pub fn next_deadline(&self) -> ApiResult<Option<Timestamp>> {
        let inner = self.lock();
        Ok(super::deadlines::next_deadline(&inner.conn, &inner.st, &inner.set, inner.catalog.as_deref())?)
    }

    /// Whether the app follows the sensing plan (which may change with
    /// time alone).
    fn follows_sensing_plan(&self) -> bool {
        self.lock().sensing.is_some()
    }

    /// Runs `f` in one write transaction; its value and every event.
    fn write_replay<T>(&self, f: impl FnOnce(&mut super::Ctx<'_>) -> Result<T>) -> ApiResult<(T, Vec<Event>)> {
        let mut inner = self.lock();
        let w = inner.write(f)?;
        Ok((w.value, w.events))
    }
}

/// Why a replay refused a step sample alone.
#[derive(Debug, Clone, PartialEq)]
pub enum StepRejection {
    /// A time outside the engine's range (2000..2100).
    TimestampOutOfRange {
        /// The sample's end, in ms since the epoch.
        at_ms: i64,
    },
    /// Otherwise invalid (an interval ending before it starts, or too long).
    Invalid {
        /// What is wrong.
        message: String,
    },
}

/// A step sample the replay refused before the engine saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedStep {
    /// Its index in the samples given to the replay.
    pub index: usize,
    /// Why.
    pub reason: StepRejection,
}

/// How a replay delivers its inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayOptions {
    /// Inputs are delivered in windows of this length (platforms batch
    /// fixes); the engine is ticked at the end of each window. Default 60 s.
    pub window_ms: i64,
    /// Keep ticking after the last input until this instant, if later (to
    /// let claim windows expire or nudges fire).
    pub until: Option<Timestamp>,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions { window_ms: 60_000, until: None }
    }
}

/// What a replay fed and what came back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplaySummary {
    /// Fixes accepted by the engine.
    pub fixes_accepted: u64,
    /// Fixes refused, by any reason.
    pub fixes_rejected: u64,
    /// Step samples delivered.
    pub step_samples: u64,
    /// Events produced.
    pub events: u64,
    /// Every fix refused, with why, in the order they were refused.
    pub rejected: Vec<RejectedFix>,
    /// Every step sample refused, with why.
    pub rejected_steps: Vec<RejectedStep>,
}

/// A fix the replay delivered (or tried to) and the engine refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RejectedFix {
    /// Its index in the fixes given to the replay (as given, before any
    /// sorting), to find where it came from; `None` in the rare case the
    /// engine refused a time no delivered fix has.
    pub index: Option<usize>,
    /// The fix's own time.
    pub fix_at: Timestamp,
    /// When the replay delivered it: the instant the engine was ticked
    /// after the batch that held it (for a fix outside the engine's time
    /// range, which is never delivered, the replay's first input).
    pub delivered_at: Timestamp,
    /// Why.
    pub reason: FixRejection,
}

/// In which order a replay hands fixes to the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Each fix in the window of its own time (the default): a track that
    /// goes back in time is replayed as if it had been delivered sorted.
    #[default]
    TimeOrder,
    /// In the order given, as a phone delivers them: each fix is delivered
    /// in the window of the latest time seen so far (its own or an earlier
    /// fix's), so a fix recorded before the one ahead of it arrives late,
    /// and the engine takes it late or refuses it as out of order. A fix
    /// that a later fix contradicts by more than
    /// [`policy::CLOCK_CORRECTION_MS`] was taken by a wrong device clock:
    /// it is delivered at the latest time seen so far and does not move it,
    /// so the replay's next tick is the corrected present (ADR 0009).
    AsRecorded,
}

/// When each fix of `fixes` reaches the engine under `delivery` (see
/// [`Delivery`]); for [`Replayer::with_delivery_times`]. Fixes outside the
/// engine's time range do not move the others' delivery.
pub fn delivery_times(fixes: &[LocationFix], delivery: Delivery) -> Vec<Timestamp> {
    match delivery {
        Delivery::TimeOrder => fixes.iter().map(|f| f.at).collect(),
        Delivery::AsRecorded => {
            // A fix that a later fix contradicts by more than an hour was
            // taken by a wrong device clock (then corrected): it reaches
            // the engine at the true present, and does not move it.
            let mut later_min = vec![Timestamp(i64::MAX); fixes.len()];
            let mut min = Timestamp(i64::MAX);
            for (i, f) in fixes.iter().enumerate().rev() {
                later_min[i] = min;
                if in_engine_range(f.at) {
                    min = min.min(f.at);
                }
            }
            let wrong_clock =
                |i: usize| later_min[i].0 != i64::MAX && fixes[i].at.since(later_min[i]) > policy::CLOCK_CORRECTION_MS;
            let mut latest: Option<Timestamp> = None;
            fixes
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    if wrong_clock(i) {
                        return latest.unwrap_or(later_min[i]);
                    }
                    if in_engine_range(f.at) {
                        latest = Some(latest.map_or(f.at, |l| l.max(f.at)));
                    }
                    latest.map_or(f.at, |l| l.max(f.at))
                })
                .collect()
        }
    }
}

/// Whether the engine accepts inputs and ticks at `t` (2000..2100).
fn in_engine_range(t: Timestamp) -> bool {
    !matches!(LocationFix::new(t, 0.0, 0.0, 1.0).validate(), Err(FixRejection::TimestampOutOfRange { .. }))
}

/// Replays `fixes` and `steps` through `engine` window by window, calling
/// `on_event` for every event in time order within each window.
pub fn replay(
    engine: &Engine,
    fixes: &[LocationFix],
    steps: &[StepSample],
    opts: ReplayOptions,
    mut on_event: impl FnMut(&Event),
) -> ApiResult<ReplaySummary> {
    let mut r = Replayer::new(engine, fixes, steps, opts);
    while let Some((_, events)) = r.step()? {
        events.iter().for_each(&mut on_event);
    }
    Ok(r.summary())
}

/// A replay driven step by step, so that a caller can act between windows
/// as an app would (show or redeem an offer, read today's steps) at exact
/// instants. [`replay`] is this driven to the end.
pub struct Replayer<'e> {
    engine: &'e Engine,
    /// The fixes as given.
    fixes: Vec<LocationFix>,
    /// `(delivery time, index)` of every fix the engine can be given, in
    /// delivery order.
    order: Vec<(Timestamp, usize)>,
    /// Whether each fix has been reported refused.
    refused: Vec<bool>,
    /// Rejections reported by [`Replayer::take_rejected`] so far.
    taken: usize,
    steps: Vec<StepSample>,
    window: i64,
    /// The first tick, before any step.
    first_tick: Option<Timestamp>,
    /// The last tick [`Replayer::step`] made.
    last_tick: Option<Timestamp>,
    /// Whether ticks may skip windows where nothing can happen.
    jump: bool,
    /// Last instant to tick at or before.
    end: Timestamp,
    fi: usize,
    si: usize,
    summary: ReplaySummary,
}

impl<'e> Replayer<'e> {
    /// Prepares a replay of `fixes` and `steps` through `engine`, fixes in
    /// time order ([`Delivery::TimeOrder`]). Windows are aligned to
    /// multiples of `opts.window_ms` since the epoch. With no input and no
    /// `until`, there is nothing to do.
    pub fn new(engine: &'e Engine, fixes: &[LocationFix], steps: &[StepSample], opts: ReplayOptions) -> Self {
        Self::with_delivery_times(engine, fixes, &delivery_times(fixes, Delivery::TimeOrder), steps, opts)
    }

    /// Prepares a replay that delivers fix `i` of `fixes` in the window of
    /// `delivered_at[i]` (see [`delivery_times`]); fixes due in the same
    /// window go in one batch, which the engine sorts by time. A fix
    /// outside the engine's time range is refused here, alone
    /// ([`FixRejection::TimestampOutOfRange`], reported as of the first
    /// input),
    /// and does not move the replay's start or end.
    ///
    /// # Panics
    ///
    /// When `delivered_at` and `fixes` differ in length.
    pub fn with_delivery_times(
        engine: &'e Engine,
        fixes: &[LocationFix],
        delivered_at: &[Timestamp],
        steps: &[StepSample],
        opts: ReplayOptions,
    ) -> Self {
        assert_eq!(fixes.len(), delivered_at.len(), "one delivery time per fix");
        let window = opts.window_ms.max(1_000);
        let (mut order, mut early) = (Vec::with_capacity(fixes.len()), Vec::new());
        for (i, (f, &due)) in fixes.iter().zip(delivered_at).enumerate() {
            match f.validate() {
                Err(reason @ FixRejection::TimestampOutOfRange { .. }) => early.push((i, reason)),
                _ if !in_engine_range(due) => {
                    early.push((i, FixRejection::TimestampOutOfRange { at_ms: due.0 }));
                }
                _ => order.push((due, i)),
            }
        }
        order.sort_by_key(|&(due, _)| due);
        let mut rejected_steps = Vec::new();
        let mut steps: Vec<StepSample> = steps
            .iter()
            .enumerate()
            .filter_map(|(index, s)| match s.validate() {
                Ok(()) => Some(*s),
                Err(message) => {
                    let start = match *s {
                        StepSample::Interval { start, .. } => start,
                        StepSample::Counter { at, .. } => at,
                    };
                    let reason = match [start, s.end()].into_iter().find(|t| !in_engine_range(*t)) {
                        Some(t) => StepRejection::TimestampOutOfRange { at_ms: t.0 },
                        None => StepRejection::Invalid { message },
                    };
                    rejected_steps.push(RejectedStep { index, reason });
                    None
                }
            })
            .collect();
        steps.sort_by_key(|s| s.end());
        let first = order.first().map(|o| o.0).into_iter().chain(steps.first().map(|s| s.end())).min();
        let last = order.last().map(|o| o.0).into_iter().chain(steps.last().map(|s| s.end())).max();
        let (first_tick, end) = match (first, last) {
            (Some(first), Some(last)) => {
                let end = opts.until.map_or(last, |u| u.max(last));
                (Some(Timestamp(first.0 - first.0.rem_euclid(window) + window)), end)
            }
            _ => (None, Timestamp(0)),
        };
        let mut r = Replayer {
            engine,
            fixes: fixes.to_vec(),
            order,
            refused: vec![false; fixes.len()],
            taken: 0,
            steps,
            window,
            first_tick,
            last_tick: None,
            jump: !engine.follows_sensing_plan(),
            end,
            fi: 0,
            si: 0,
            summary: ReplaySummary { rejected_steps, ..ReplaySummary::default() },
        };
        for (i, reason) in early {
            let at = first.or(opts.until).unwrap_or(r.fixes[i].at);
            r.refuse(Some(i), r.fixes[i].at, at, reason);
        }
        r
    }

    /// The fixes refused since the last call (all of them, the first
    /// time), for a caller that reports them as they happen.
    pub fn take_rejected(&mut self) -> Vec<RejectedFix> {
        let new = self.summary.rejected[self.taken..].to_vec();
        self.taken = self.summary.rejected.len();
        new
    }

    fn refuse(&mut self, index: Option<usize>, fix_at: Timestamp, delivered_at: Timestamp, reason: FixRejection) {
        if let Some(i) = index {
            self.refused[i] = true;
        }
        self.summary.fixes_rejected += 1;
        self.summary.rejected.push(RejectedFix { index, fix_at, delivered_at, reason });
    }

    /// The delivered fix the engine refused at `at`: the latest delivered
    /// one with that time not yet reported (a fix held as a suspected jump
    /// is refused with a later batch).
    fn delivered_with_time(&self, at: Timestamp) -> Option<usize> {
        self.order[..self.fi].iter().rev().map(|&(_, i)| i).find(|&i| self.fixes[i].at == at && !self.refused[i])
    }

    /// Where the next [`Replayer::step`] ticks the engine; `None` when the
    /// replay is over. Read afresh (the engine's next deadline may have
    /// moved since the last step); an engine error reads as "the next
    /// window", so that the error surfaces at the step.
    pub fn next_tick(&self) -> Option<Timestamp> {
        let deadline = if self.jump { self.engine.next_deadline() } else { Ok(None) };
        self.tick_after(deadline.unwrap_or_else(|_| self.last_tick.map(|t| t.plus_millis(self.window))))
    }

    /// The smallest window end strictly after `t`.
    fn grid_after(&self, t: Timestamp) -> Timestamp {
        Timestamp(t.0 - t.0.rem_euclid(self.window) + self.window)
    }

    /// The next tick, given the engine's next deadline.
    fn tick_after(&self, deadline: Option<Timestamp>) -> Option<Timestamp> {
        let Some(t) = self.last_tick else { return self.first_tick };
        if t > self.end {
            return None;
        }
        let next = t.plus_millis(self.window);
        if !self.jump {
            return Some(next);
        }
        let mut at = self.grid_after(self.end);
        if let Some(&(due, _)) = self.order.get(self.fi) {
            at = at.min(self.grid_after(due));
        }
        if let Some(s) = self.steps.get(self.si) {
            at = at.min(self.grid_after(s.end()));
        }
        if let Some(d) = deadline {
            // A deadline on a window's end is due at that tick.
            at = at.min(self.grid_after(d.plus_millis(-1)));
        }
        Some(at.max(next))
    }

    /// What was fed and what came back so far.
    pub fn summary(&self) -> ReplaySummary {
        self.summary.clone()
    }

    /// Delivers the next window's inputs and ticks the engine at its end.
    /// Returns the tick time and the window's events in time order, or
    /// `None` when the replay is over.
    pub fn step(&mut self) -> ApiResult<Option<(Timestamp, Vec<Event>)>> {
        let deadline = if self.jump && self.last_tick.is_some() { self.engine.next_deadline()? } else { None };
        let Some(t) = self.tick_after(deadline) else { return Ok(None) };
        let events = self.deliver(|at| at < t, t)?;
        self.last_tick = Some(t);
        Ok(Some((t, events)))
    }

    /// Runs up to `max_windows` steps in one engine transaction (the same
    /// inputs, ticks and events as that many [`Replayer::step`] calls, at a
    /// fraction of the cost); each window's tick and events. Empty when the
    /// replay is over. While the app follows the sensing plan, one step.
    pub fn step_many(&mut self, max_windows: usize) -> ApiResult<Vec<(Timestamp, Vec<Event>)>> {
        if !self.jump {
            return Ok(self.step()?.into_iter().collect());
        }
        let engine = self.engine;
        let (mut windows, events) = engine.write_replay(|ctx| {
            let mut windows: Vec<(Timestamp, usize)> = Vec::new();
            // The next deadline, and how many events had been raised when
            // it was read: it stands until an event (a visit ended, an
            // offer fired), a step sample or a fence stay may have moved it,
            // or the clock reaches it.
            let mut known: Option<(Option<Timestamp>, usize)> = None;
            let mut deadline = |ctx: &mut super::Ctx<'_>, stale: bool| -> Result<Option<Timestamp>> {
                let fresh = known.filter(|&(d, n)| {
                    !stale
                        && n == ctx.events.len()
                        && ctx.st.fences.inside().next().is_none()
                        && d.is_some_and(|d| ctx.st.clock.is_some_and(|c| c < d))
                });
                if let Some((d, _)) = fresh {
                    return Ok(d);
                }
                let d = super::deadlines::next_deadline(ctx.conn, ctx.st, ctx.set, ctx.catalog)?;
                known = Some((d, ctx.events.len()));
                Ok(d)
            };
            let mut due = None;
            while windows.len() < max_windows {
                let Some(t) = self.tick_after(due) else { break };
                let start = self.fi;
                while self.fi < self.order.len() && self.order[self.fi].0 < t {
                    self.fi += 1;
                }
                if self.fi > start {
                    let batch: Vec<LocationFix> =
                        self.order[start..self.fi].iter().map(|&(_, i)| self.fixes[i]).collect();
                    let (report, newest) = ctx.ingest_fixes(&batch, None)?;
                    if let Some(newest) = newest {
                        // Time passes to the newest fix, as in
                        // `record_locations`; when nothing is due by then
                        // that only moves the clock.
                        if deadline(ctx, false)?.is_none_or(|d| d <= newest) {
                            ctx.on_time(newest)?;
                        } else if ctx.st.clock.is_some_and(|c| c < newest) {
                            ctx.st.clock = Some(newest);
                        }
                    }
                    self.summary.fixes_accepted += u64::from(report.accepted);
                    for (at, reason) in report.rejected {
                        let index = self.delivered_with_time(at);
                        self.refuse(index, at, t, reason);
                    }
                }
                let start = self.si;
                while self.si < self.steps.len() && self.steps[self.si].end() < t {
                    self.si += 1;
                }
                let stepped = self.si > start;
                if stepped {
                    self.summary.step_samples += (self.si - start) as u64;
                    let samples = self.steps[start..self.si].to_vec();
                    ctx.on_steps(&samples)?;
                }
                // The tick at the window's end: skipped when nothing is due
                // by then (it would only move the clock) and the clock is
                // not ahead of it (a correction).
                let mut d = deadline(ctx, stepped)?;
                let ahead = ctx.st.clock.is_some_and(|c| c.since(t) > crate::policy::CLOCK_CORRECTION_MS);
                if self.last_tick.is_none() || ahead || d.is_none_or(|d| d <= t) {
                    ctx.on_tick(t)?;
                    d = deadline(ctx, true)?;
                }
                due = d;
                self.last_tick = Some(t);
                windows.push((t, ctx.events.len()));
            }
            Ok(windows)
        })?;
        // Events raised before the chunk (by other calls) go with its first
        // window, as they would with the first call.
        let lead = events.len() - windows.last().map_or(0, |w| w.1);
        let mut out = Vec::with_capacity(windows.len());
        let mut from = 0;
        for (t, end) in windows.drain(..) {
            let to = end + lead;
            let mut evs: Vec<Event> = events[from..to].to_vec();
            evs.sort_by_key(|e| e.at);
            self.summary.events += evs.len() as u64;
            out.push((t, evs));
            from = to;
        }
        if let Some(rest) = events.get(from..).filter(|r| !r.is_empty()) {
            if let Some(last) = out.last_mut() {
                last.1.extend_from_slice(rest);
                self.summary.events += rest.len() as u64;
            }
        }
        Ok(out)
    }

    /// Delivers every input at or before `t` not yet delivered and ticks the
    /// engine at `t`, within the current window: the caller can then act
    /// at `t` exactly. Windows after `t` carry on as before.
    pub fn advance_to(&mut self, t: Timestamp) -> ApiResult<Vec<Event>> {
        self.deliver(|at| at <= t, t)
    }

    fn deliver(&mut self, due: impl Fn(Timestamp) -> bool, tick: Timestamp) -> ApiResult<Vec<Event>> {
        let mut events = Vec::new();
        let start = self.fi;
        while self.fi < self.order.len() && due(self.order[self.fi].0) {
            self.fi += 1;
        }
        if self.fi > start {
            let batch: Vec<LocationFix> = self.order[start..self.fi].iter().map(|&(_, i)| self.fixes[i]).collect();
            let report = self.engine.record_locations(&batch)?;
            self.summary.fixes_accepted += u64::from(report.accepted);
            for (at, reason) in report.rejected {
                let index = self.delivered_with_time(at);
                self.refuse(index, at, tick, reason);
            }
            events.extend(report.events);
        }
        let start = self.si;
        while self.si < self.steps.len() && due(self.steps[self.si].end()) {
            self.si += 1;
        }
        if self.si > start {
            self.summary.step_samples += (self.si - start) as u64;
            events.extend(self.engine.record_step_samples(&self.steps[start..self.si])?);
        }
        events.extend(self.engine.tick(tick)?);
        events.sort_by_key(|e| e.at);
        self.summary.events += events.len() as u64;
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EngineConfig;

    const T0: i64 = 1_795_545_000_000; // 2026-11-24T18:30:00Z

    fn walk(n: usize) -> Vec<LocationFix> {
        (0..n)
            .map(|i| LocationFix::new(Timestamp(T0 + i as i64 * 10_000), 37.3, -121.9 + i as f64 * 1e-5, 8.0))
            .collect()
    }

    fn with_engine(f: impl FnOnce(&Engine)) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(EngineConfig::new(dir.path(), "America/Los_Angeles")).unwrap();
        f(&engine);
    }

    #[test]
    fn a_fix_dated_1901_is_refused_alone_and_the_replay_goes_on() {
        with_engine(|engine| {
            let mut fixes = walk(3);
            fixes[1].at = Timestamp(-2_147_483_648_000);
            let s = replay(engine, &fixes, &[], ReplayOptions::default(), |_| {}).expect("the replay goes on");
            assert_eq!((s.fixes_accepted, s.fixes_rejected), (2, 1));
            assert_eq!(s.rejected[0].index, Some(1));
            assert_eq!(s.rejected[0].reason, FixRejection::TimestampOutOfRange { at_ms: -2_147_483_648_000 });
            assert_eq!(s.rejected[0].delivered_at, Timestamp(T0), "reported as of the replay's start");
        });
    }

    #[test]
    fn every_engine_rejection_names_its_fix() {
        with_engine(|engine| {
            let mut fixes = walk(4);
            fixes[2].lat = f64::NAN;
            fixes.swap(0, 3);
            let mut r = Replayer::new(engine, &fixes, &[], ReplayOptions::default());
            let mut seen = Vec::new();
            while r.step().unwrap().is_some() {
                seen.extend(r.take_rejected());
            }
            assert_eq!(seen.len(), 1);
            assert_eq!((seen[0].index, seen[0].reason), (Some(2), FixRejection::NonFiniteCoordinate));
            assert_eq!(seen[0].fix_at, Timestamp(T0 + 20_000));
            assert_eq!(r.summary().rejected, seen);
        });
    }

    #[test]
    fn as_recorded_delivers_a_late_fix_late() {
        let mut fixes = walk(31);
        let late = fixes.remove(3);
        fixes.push(late); // recorded at +30 s, delivered after +300 s
        with_engine(|engine| {
            let s = replay(engine, &fixes, &[], ReplayOptions::default(), |_| {}).unwrap();
            assert_eq!((s.fixes_accepted, s.fixes_rejected), (31, 0), "in time order nothing is late");
        });
        with_engine(|engine| {
            let due = delivery_times(&fixes, Delivery::AsRecorded);
            assert_eq!(due[30], Timestamp(T0 + 300_000));
            let mut r = Replayer::with_delivery_times(engine, &fixes, &due, &[], ReplayOptions::default());
            while r.step().unwrap().is_some() {}
            let s = r.summary();
            assert_eq!((s.fixes_accepted, s.fixes_rejected), (30, 1));
            assert_eq!(s.rejected[0].index, Some(30));
            // Delivered with the +300 s fix, after the batch before that ended at +290 s.
            assert!(matches!(s.rejected[0].reason, FixRejection::OutOfOrder { behind_ms: 260_000 }), "{s:?}");
        });
    }
}
