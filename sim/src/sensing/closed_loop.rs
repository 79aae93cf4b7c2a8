//! The closed loop: an engine follows its own sensing plan over the
//! scenario's ground truth, and the simulated platform hands it only the
//! fixes the plan asks for (and those its wake-ups cause). What comes out
//! is the list of fixes the phone would have obtained, with their classes
//! and energy.
//!
//! The engine is set up as `scenario::run` sets it up (consent, catalog,
//! the history's short stays); the day's step samples and the app's
//! actions are left out, as the plan depends on neither.

use super::energy;
use super::platform::{Sampler, Truth};
use crate::scenario::Scenario;
use kairos_core::replay::{ReplayOptions, Replayer};
use kairos_core::sensing::{Accuracy, SensingReason};
use kairos_core::track::synth::{NoiseModel, TrackBuilder};
use kairos_core::{Engine, KairosError, LocationFix, Timestamp};
use std::collections::BTreeMap;

/// Seconds between the fixes of a history stay (as `scenario::run`).
const HISTORY_INTERVAL_MS: i64 = 30_000;
/// How far a history stay walks away to end the visit, degrees north (as
/// `scenario::run`).
const HISTORY_LEAVE_DEG: f64 = 0.0036;

/// Why the platform took a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// The plan's interval.
    Planned,
    /// The platform reported movement.
    Motion,
    /// A registered wake region fired.
    Region,
}

/// What the phone obtained by following the plan.
#[derive(Debug, Default)]
pub struct Followed {
    /// The fixes delivered to the engine, in time order.
    pub fixes: Vec<LocationFix>,
    /// Fixes attempted per class (a fix attempted in a silence of the track
    /// costs its energy and yields nothing).
    pub attempts: BTreeMap<Accuracy, u64>,
    /// Fixes attempted per cause.
    pub causes: BTreeMap<Cause, u64>,
    /// Energy of every attempt, millijoules.
    pub energy_mj: f64,
    /// Times the plan's class or rule changed.
    pub plan_changes: u64,
    /// The plan in force from each instant on (one entry per change of
    /// class, rule or interval), to say what the plan asked for when an
    /// event was missed or late.
    pub plans: Vec<PlanAt>,
}

/// The plan the closed loop followed from `at` on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanAt {
    /// From when.
    pub at: Timestamp,
    /// Its class.
    pub accuracy: Accuracy,
    /// Its interval, ms.
    pub interval_ms: i64,
    /// Its rule.
    pub reason: SensingReason,
}

impl Followed {
    /// The plan in force at `t`, if the loop had one by then.
    pub fn plan_at(&self, t: Timestamp) -> Option<&PlanAt> {
        let i = self.plans.partition_point(|p| p.at <= t);
        self.plans.get(i.checked_sub(1)?)
    }

    fn note_plan(&mut self, at: Timestamp, plan: &kairos_core::sensing::SensingPlan) {
        let next = PlanAt { at, accuracy: plan.accuracy, interval_ms: plan.interval_ms, reason: plan.reason };
        let same = self
            .plans
            .last()
            .is_some_and(|p| (p.accuracy, p.interval_ms, p.reason) == (next.accuracy, next.interval_ms, next.reason));
        if !same {
            self.plans.push(next);
        }
    }
}

/// Follows the engine's plan over `truth` for scenario `sc`.
pub fn follow(sc: &Scenario, truth: &Truth, seed: u64) -> Result<Followed, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary profile: {e}"))?;
    let mut config = sc.config.clone();
    config.data_dir = dir.path().to_path_buf();
    let engine = Engine::open(config).map_err(|e| e.to_string())?;
    set_up(sc, &engine)?;
    let mut out = Followed::default();
    let Some((start, end)) = truth.span() else { return Ok(out) };
    let mut sampler = Sampler::new(seed);
    let mut plan = engine.sensing_plan(start).map_err(|e| e.to_string())?;
    out.note_plan(start, &plan);
    // The app starts by asking for one fix of the plan's class.
    let mut last: Option<Timestamp> = None;
    let mut last_high: Option<Timestamp> = None;
    let mut anchor = truth.at(start).map(|p| (p.lat, p.lon)).unwrap_or_default();
    // Since when, and from where, the platform watches for movement.
    let mut armed: Option<(Timestamp, (f64, f64))> = None;
    loop {
        let planned = match (plan.accuracy, last) {
            (Accuracy::Passive, _) => None,
            (_, None) => Some(start),
            (_, Some(t)) => Some(t.plus_millis(plan.interval_ms)),
        };
        let from = last.unwrap_or(start);
        // The platform watches for movement from when the app asked (not
        // from each fix: its activity recognition runs beside the fixes).
        if !plan.wake_on_motion {
            armed = None;
        } else if armed.is_none() {
            armed = Some((from, anchor));
        }
        let motion = armed.and_then(|(since, at)| truth.motion_wake(since, at)).filter(|t| *t > from);
        let region = truth.region_wake(from, &plan.wake_regions);
        let next = [(planned, Cause::Planned), (motion, Cause::Motion), (region, Cause::Region)]
            .into_iter()
            .filter_map(|(t, c)| t.map(|t| (t, c)))
            .min();
        let Some((at, cause)) = next.filter(|(t, _)| *t <= end) else { break };
        // A wake-up wakes the app, which asks for a satellite fix to see
        // where the shopper now is.
        let accuracy = if cause == Cause::Planned { plan.accuracy } else { Accuracy::High };
        let since_high = last_high.map(|t| at.since(t) as f64 / 1000.0);
        out.energy_mj += energy::fix_mj(accuracy, since_high);
        *out.attempts.entry(accuracy).or_default() += 1;
        *out.causes.entry(cause).or_default() += 1;
        if accuracy == Accuracy::High {
            last_high = Some(at);
        }
        if cause == Cause::Motion {
            // Reported once: the platform watches afresh from here.
            armed = None;
        }
        last = Some(at);
        let point = truth.at(at);
        match point.and_then(|p| sampler.fix(p, accuracy, at)) {
            Some(fix) => {
                anchor = (fix.lat, fix.lon);
                match engine.record_location(fix) {
                    Ok(_) | Err(KairosError::InvalidFix { .. }) => out.fixes.push(fix),
                    Err(e) => return Err(e.to_string()),
                }
            }
            None => {
                engine.tick(at).map_err(|e| e.to_string())?;
            }
        }
        let next_plan = engine.sensing_plan(at).map_err(|e| e.to_string())?;
        if (next_plan.accuracy, next_plan.reason) != (plan.accuracy, plan.reason) {
            out.plan_changes += 1;
        }
        out.note_plan(at, &next_plan);
        plan = next_plan;
    }
    Ok(out)
}

/// Consent, catalog and history, as `scenario::run` does them.
fn set_up(sc: &Scenario, engine: &Engine) -> Result<(), String> {
    let first = sc.history.first().map(|v| v.at).unwrap_or(sc.start).min(sc.start);
    if let Some(c) = &sc.consent {
        for (purpose, granted) in &c.choices {
            engine
                .set_consent(*purpose, *granted, &c.policy_version, c.at.unwrap_or(first))
                .map_err(|e| e.to_string())?;
        }
    }
    if let Some(c) = &sc.catalog {
        engine.load_catalog(&c.envelope, c.load_at.unwrap_or(first)).map_err(|e| e.to_string())?;
    }
    for (i, v) in sc.history.iter().enumerate() {
        let track = TrackBuilder::new(i as u64 + 1, v.at, v.lat, v.lon)
            .interval_ms(HISTORY_INTERVAL_MS)
            .noise(NoiseModel::none())
            .stay(v.minutes)
            .travel_to(v.lat + HISTORY_LEAVE_DEG, v.lon, 1.4, 0.0)
            .build();
        let mut rp = Replayer::new(engine, &track.fixes, &[], ReplayOptions::default());
        while rp.step().map_err(|e| e.to_string())?.is_some() {}
    }
    Ok(())
}
