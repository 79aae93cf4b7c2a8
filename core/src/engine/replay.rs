//! The replay driver: feeds a recorded or synthetic track (and step
//! samples) through an [`Engine`] in time order, as a phone would deliver
//! them, ticking the engine as time passes. The simulator and the demo
//! apps' QA mode both use it, so a replay on a phone and in CI run the same
//! code.

use crate::domain::event::Event;
use crate::domain::location::LocationFix;
use crate::domain::steps::StepSample;
use crate::domain::time::Timestamp;
use crate::engine::{ApiResult, Engine};

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
    fixes: Vec<LocationFix>,
    steps: Vec<StepSample>,
    window: i64,
    /// The end of the next window (where the engine is ticked), or `None`
    /// once the replay is over.
    next_tick: Option<Timestamp>,
    /// Last instant to tick at or before.
    end: Timestamp,
    fi: usize,
    si: usize,
    summary: ReplaySummary,
}

impl<'e> Replayer<'e> {
    /// Prepares a replay of `fixes` and `steps` (sorted here) through
    /// `engine`. Windows are aligned to multiples of `opts.window_ms` since
    /// the epoch. With no input and no `until`, there is nothing to do.
    pub fn new(engine: &'e Engine, fixes: &[LocationFix], steps: &[StepSample], opts: ReplayOptions) -> Self {
        let window = opts.window_ms.max(1_000);
        let mut fixes = fixes.to_vec();
        fixes.sort_by_key(|f| f.at);
        let mut steps = steps.to_vec();
        steps.sort_by_key(|s| s.end());
        let first = fixes.first().map(|f| f.at).into_iter().chain(steps.first().map(|s| s.end())).min();
        let last = fixes.last().map(|f| f.at).into_iter().chain(steps.last().map(|s| s.end())).max();
        let (next_tick, end) = match (first, last) {
            (Some(first), Some(last)) => {
                let end = opts.until.map_or(last, |u| u.max(last));
                (Some(Timestamp(first.0 - first.0.rem_euclid(window) + window)), end)
            }
            _ => (None, Timestamp(0)),
        };
        Replayer { engine, fixes, steps, window, next_tick, end, fi: 0, si: 0, summary: ReplaySummary::default() }
    }

    /// Where the next [`Replayer::step`] ticks the engine; `None` when the
    /// replay is over.
    pub fn next_tick(&self) -> Option<Timestamp> {
        self.next_tick
    }

    /// What was fed and what came back so far.
    pub fn summary(&self) -> ReplaySummary {
        self.summary.clone()
    }

    /// Delivers the next window's inputs and ticks the engine at its end.
    /// Returns the tick time and the window's events in time order, or
    /// `None` when the replay is over.
    pub fn step(&mut self) -> ApiResult<Option<(Timestamp, Vec<Event>)>> {
        let Some(t) = self.next_tick else { return Ok(None) };
        let events = self.deliver(|at| at < t, t)?;
        self.next_tick = if t > self.end { None } else { Some(t.plus_millis(self.window)) };
        Ok(Some((t, events)))
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
        while self.fi < self.fixes.len() && due(self.fixes[self.fi].at) {
            self.fi += 1;
        }
        if self.fi > start {
            let report = self.engine.record_locations(&self.fixes[start..self.fi])?;
            self.summary.fixes_accepted += u64::from(report.accepted);
            self.summary.fixes_rejected += report.rejected.len() as u64;
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
