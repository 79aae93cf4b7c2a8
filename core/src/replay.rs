//! The replay driver: feeds a recorded or synthetic track (and step
//! samples) through an [`Engine`] in time order, as a phone would deliver
//! them, ticking the engine as time passes. The simulator and the demo
//! apps' QA mode both use it, so a replay on a phone and in CI run the same
//! code.

use crate::engine::{ApiResult, Engine};
use crate::event::Event;
use crate::location::LocationFix;
use crate::steps::StepSample;
use crate::time::Timestamp;

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
    let window = opts.window_ms.max(1_000);
    let mut fixes = fixes.to_vec();
    fixes.sort_by_key(|f| f.at);
    let mut steps = steps.to_vec();
    steps.sort_by_key(|s| s.end());
    let first = fixes.first().map(|f| f.at).into_iter().chain(steps.first().map(|s| s.end())).min();
    let last = fixes.last().map(|f| f.at).into_iter().chain(steps.last().map(|s| s.end())).max();
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(ReplaySummary::default());
    };
    let end = opts.until.map_or(last, |u| u.max(last));
    let mut summary = ReplaySummary::default();
    let (mut fi, mut si) = (0, 0);
    let mut t = Timestamp(first.0 - first.0.rem_euclid(window) + window);
    loop {
        let mut events = Vec::new();
        let start = fi;
        while fi < fixes.len() && fixes[fi].at < t {
            fi += 1;
        }
        if fi > start {
            let report = engine.record_locations(&fixes[start..fi])?;
            summary.fixes_accepted += u64::from(report.accepted);
            summary.fixes_rejected += report.rejected.len() as u64;
            events.extend(report.events);
        }
        let start = si;
        while si < steps.len() && steps[si].end() < t {
            si += 1;
        }
        if si > start {
            summary.step_samples += (si - start) as u64;
            events.extend(engine.record_step_samples(&steps[start..si])?);
        }
        events.extend(engine.tick(t)?);
        events.sort_by_key(|e| e.at);
        summary.events += events.len() as u64;
        events.iter().for_each(&mut on_event);
        if t > end {
            break;
        }
        t = t.plus_millis(window);
    }
    Ok(summary)
}
