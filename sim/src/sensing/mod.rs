//! `run SCENARIO --sensing adaptive`: the scenario replayed with the
//! engine's own sensing plan instead of every fix of its track, and what
//! that saves and costs against the dense replay (`docs/scenarios.md`,
//! `--sensing`; the simulated platform, the energy model and the figures in
//! `docs/PERFORMANCE.md`, "Energy (adaptive sensing)").
//!
//! | file | holds |
//! | --- | --- |
//! | `platform.rs` | the simulated location services: fixes per class with their noise, motion and region wake-ups |
//! | `closed_loop.rs` | an engine following its plan over the track: the fixes it obtains |
//! | `energy.rs` | the per-fix energy model, with its sources |
//! | `compare.rs` | matching the adaptive replay's events against the dense one's |
//! | `week.rs` | a generated week of ordinary life and its catalog, to measure on (`examples/sensing_week.rs` writes it to a directory) |
//!
//! Three runs: the dense replay (the scenario as written, silent), the
//! closed loop (which fixes the plan obtains), then the scenario replayed
//! with exactly those fixes through `scenario::run`, so that its actions,
//! probes and expectations run as in any scenario and its timeline is
//! what is printed and judged.

pub mod closed_loop;
pub mod compare;
pub mod energy;
pub mod platform;
pub mod week;

use crate::scenario::run::RunOutput;
use crate::scenario::{self, Scenario};
use crate::timeline::Line;
use chrono_tz::Tz;
use compare::{Compared, Matching};
use kairos_core::sensing::Accuracy;
use kairos_core::Timestamp;
use serde_json::{json, Map, Value};

/// Seed of the adaptive fixes' noise (a run is repeatable).
const NOISE_SEED: u64 = 18;

/// Which fixes a replay delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Sensing {
    /// Every fix of the scenario's track (today's behaviour).
    #[default]
    Dense,
    /// Only the fixes the engine's sensing plan asks for.
    Adaptive,
}

/// What adaptive sensing saved and cost on one scenario.
#[derive(Debug, Clone)]
pub struct SensingReport {
    /// End of the replay.
    pub at: Timestamp,
    /// Fixes of the scenario's own track (the dense replay).
    pub track_fixes: u64,
    /// High-accuracy fixes of 1 Hz continuous sensing over the track.
    pub dense_high: u64,
    /// Energy of 1 Hz continuous sensing, mJ.
    pub dense_mj: f64,
    /// Fixes the plan took, per class.
    pub adaptive: Vec<(Accuracy, u64)>,
    /// Fixes taken on a motion or region wake-up.
    pub wakes: u64,
    /// Energy of the plan's fixes, mJ.
    pub adaptive_mj: f64,
    /// Events compared with the dense replay.
    pub events: Matching,
    /// The plan in force at each missed event, then at each extra one:
    /// `(event, plan)` in the report's words.
    pub plan_notes: Vec<(Compared, String)>,
}

impl SensingReport {
    /// High-accuracy fixes the plan took.
    pub fn adaptive_high(&self) -> u64 {
        self.adaptive.iter().find(|(a, _)| *a == Accuracy::High).map_or(0, |(_, n)| *n)
    }

    /// The report's JSON line (`kind` `sensing_report`).
    pub fn json(&self) -> Value {
        let classes: Map<String, Value> =
            self.adaptive.iter().map(|(a, n)| (a.as_str().to_string(), json!(n))).collect();
        let events = |v: &[compare::Compared]| -> Vec<Value> {
            v.iter().map(|c| json!({"t": c.at.to_rfc3339(), "kind": c.kind, "key": c.key})).collect()
        };
        json!({
            "t": self.at.to_rfc3339(),
            "kind": "sensing_report",
            "high_accuracy_fixes": {"dense": self.dense_high, "adaptive": self.adaptive_high()},
            "energy_mj": {"dense": self.dense_mj.round(), "adaptive": self.adaptive_mj.round()},
            "events": {
                "matched": self.events.matched.len(),
                "missed": self.events.missed.len(),
                "extra": self.events.extra.len(),
                "extra_offers": self.events.extra_offers(),
                "kept_share": self.events.kept_share(),
                "missed_events": events(&self.events.missed),
                "extra_events": events(&self.events.extra),
            },
            "adaptive_fixes": classes,
            "wake_fixes": self.wakes,
            "track_fixes": self.track_fixes,
        })
    }

    /// The report in words.
    pub fn human(&self, tz: Tz) -> String {
        let pct = |a: f64, d: f64| if d > 0.0 { 100.0 * (1.0 - a / d) } else { 0.0 };
        let classes: Vec<String> = self.adaptive.iter().map(|(a, n)| format!("{n} {}", a.as_str())).collect();
        let mut t = format!(
            "\nSensing: adaptive against 1 Hz continuous\n  high-accuracy fixes: {} (continuous {}, {:.1}% fewer; the track has {})\n  fixes taken: {} ({} on a wake-up)\n  energy: {:.1} J (continuous {:.1} J, {:.1}% lower)\n  events: {} matched within 60 s, {} missed, {} extra ({} offers); {:.1}% kept\n",
            self.adaptive_high(),
            self.dense_high,
            pct(self.adaptive_high() as f64, self.dense_high as f64),
            self.track_fixes,
            classes.join(", "),
            self.wakes,
            self.adaptive_mj / 1000.0,
            self.dense_mj / 1000.0,
            pct(self.adaptive_mj, self.dense_mj),
            self.events.matched.len(),
            self.events.missed.len(),
            self.events.extra.len(),
            self.events.extra_offers(),
            100.0 * self.events.kept_share(),
        );
        for (what, list) in [("missed", &self.events.missed), ("extra", &self.events.extra)] {
            for c in list.iter() {
                let key = c.key.as_deref().map(|k| format!(" {k}")).unwrap_or_default();
                let plan = self.plan_notes.iter().find(|(e, _)| e == c).map(|(_, p)| format!(" [{p}]"));
                t.push_str(&format!(
                    "    {what}: {} {}{key}{}\n",
                    c.at.in_tz(tz).format("%a %H:%M:%S"),
                    c.kind,
                    plan.unwrap_or_default()
                ));
            }
        }
        t
    }
}

/// The adaptive run's timeline output and its sensing report.
pub struct AdaptiveRun {
    /// The scenario replayed with the plan's fixes.
    pub output: RunOutput,
    /// What it saved and cost.
    pub report: SensingReport,
}

/// Runs `sc` with adaptive sensing, calling `on_line` for each line of the
/// adaptive replay and syncing at the end when `sync_url` is given
/// (`backend`: the embedded backend at that URL, if it is one).
pub fn run(
    sc: &Scenario,
    sync_url: Option<&str>,
    backend: Option<&crate::embedded_backend::Embedded>,
    on_line: &mut dyn FnMut(&Line),
) -> Result<AdaptiveRun, String> {
    if let Some(why) = &sc.needs_dense_sensing {
        return Err(format!("this scenario needs dense sensing: {why}; run it with --sensing dense"));
    }
    // The plan samples the ground truth at its own instants; fixes the
    // phone delivered late or stamped by a wrong clock (`delivery =
    // "as_recorded"`) have no such truth to sample.
    if let Some((i, at)) =
        sc.fix_delivery.iter().enumerate().find(|(i, d)| sc.fixes.get(*i).is_some_and(|f| f.at != **d))
    {
        return Err(format!(
            "this scenario needs dense sensing: fix {} (at {}) is delivered at {} (delivery = \"as_recorded\"), and \
             --sensing adaptive samples the ground-truth track at the plan's instants; run it with --sensing dense",
            i + 1,
            sc.fixes[i].at.to_rfc3339(),
            at.to_rfc3339()
        ));
    }
    let dense = scenario::run::run(sc, None, &mut |_| {})?;
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary profile: {e}"))?;
    let truth = platform::Truth::new(&sc.fixes);
    let followed = closed_loop::follow(sc, &truth, NOISE_SEED)?;
    let mut adaptive_sc = sc.clone();
    adaptive_sc.fixes = followed.fixes.clone();
    // The plan's fixes arrive on time; they come from the simulated
    // platform, not from a line of a file.
    adaptive_sc.fix_delivery = followed.fixes.iter().map(|f| f.at).collect();
    adaptive_sc.fix_sources = Vec::new();
    let output = scenario::run::run_in(&adaptive_sc, sync_url, backend, dir.path(), on_line)?;
    let seconds = truth.covered_seconds();
    let at = output.lines.iter().chain(&dense.lines).map(|l| l.at).max().unwrap_or(sc.start);
    let events = compare::compare(&dense.lines, &output.lines);
    let plan_notes =
        events.missed.iter().chain(&events.extra).map(|c| (c.clone(), plan_note(&followed, c.at, sc.tz))).collect();
    let report = SensingReport {
        at,
        track_fixes: sc.fixes.len() as u64,
        dense_high: seconds,
        dense_mj: energy::continuous_mj(seconds),
        adaptive: Accuracy::ALL.iter().map(|a| (*a, followed.attempts.get(a).copied().unwrap_or(0))).collect(),
        wakes: followed.causes.iter().filter(|(c, _)| **c != closed_loop::Cause::Planned).map(|(_, n)| n).sum(),
        adaptive_mj: followed.energy_mj,
        events,
        plan_notes,
    };
    Ok(AdaptiveRun { output, report })
}

/// The plan in force at `t` in words, with when it began: what the plan
/// asked for when an event was missed or came late.
fn plan_note(followed: &closed_loop::Followed, t: Timestamp, tz: Tz) -> String {
    match followed.plan_at(t) {
        Some(p) => format!(
            "plan since {}: {} {} every {} s",
            p.at.in_tz(tz).format("%H:%M:%S"),
            p.reason.as_str(),
            p.accuracy.as_str(),
            p.interval_ms / 1000
        ),
        None => "no plan yet".into(),
    }
}
