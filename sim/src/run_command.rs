//! `kairos-sim run SCENARIO`: replay a scenario, print its timeline, judge
//! its expectations, and optionally write the HTML report.

use crate::scenario::{self, expect, run::RunOutput, Scenario};
use crate::timeline::{Format, Line};
use kairos_sim::profile_dir::ProfileDir;
use std::path::Path;
use std::process::ExitCode;

/// Runs the scenario at `path`. `Err` is invalid input (exit 2).
pub fn run(
    path: &Path,
    json: bool,
    report: Option<&Path>,
    sync: Option<&str>,
    profile_dir: Option<&Path>,
    sensing: kairos_sim::sensing::Sensing,
) -> Result<ExitCode, String> {
    if profile_dir.is_some() && sensing == kairos_sim::sensing::Sensing::Adaptive {
        return Err("--profile-dir keeps one engine's data directory: use it with --sensing dense".into());
    }
    let sc = scenario::read::load(path)?;
    let profile = ProfileDir::new(profile_dir)?;
    let format = if json { Format::Json } else { Format::Human };
    if !json {
        header(&sc);
    }
    let mut in_history = None;
    let mut print = |l: &Line| {
        if !json && in_history != Some(l.history) {
            println!("{}", if l.history { "\nHistory (before the replay)" } else { "\nTimeline" });
            in_history = Some(l.history);
        }
        let indent = if l.history && !json { "  " } else { "" };
        println!("{indent}{}", l.render(format, sc.tz));
    };
    // `--sync embedded`: the reference backend in this process, on loopback.
    let embedded = match sync {
        Some("embedded") => Some(kairos_sim::embedded_backend::Embedded::for_scenario(&sc)?),
        _ => None,
    };
    let sync = embedded.as_ref().map(|e| e.url.as_str()).or(sync);
    let (out, sensing) = match sensing {
        kairos_sim::sensing::Sensing::Dense => {
            (scenario::run::run_in(&sc, sync, embedded.as_ref(), profile.path(), &mut print)?, None)
        }
        kairos_sim::sensing::Sensing::Adaptive => {
            let a = kairos_sim::sensing::run(&sc, sync, embedded.as_ref(), &mut print)?;
            (a.output, Some(a.report))
        }
    };
    profile.announce();
    if let (Some(e), false) = (&embedded, json) {
        println!(
            "
Embedded backend at {}: {}",
            e.url,
            e.held(sc.config.install_id.as_deref().unwrap_or_default())
        );
    }
    let verdicts = expect::judge(&sc, &out.lines);
    if let Some(report) = report {
        let html = crate::report::render(&sc, &out, &verdicts);
        std::fs::write(report, html).map_err(|e| format!("{}: {e}", report.display()))?;
    }
    let failed = verdicts.iter().filter(|v| !v.holds).count() + out.action_failures.len();
    // With --json, stdout carries only the lines; the verdicts go to stderr.
    let mut text = String::new();
    if !json {
        text.push_str(&footer(&sc, &out));
    }
    text.push_str("\nExpectations\n");
    for v in &verdicts {
        text.push_str(&format!("  {} {}\n", if v.holds { "✓" } else { "✗" }, v.what));
        if !v.holds || !json {
            for d in &v.detail {
                text.push_str(&format!("      {d}\n"));
            }
        }
    }
    for f in &out.action_failures {
        text.push_str(&format!("  ✗ {f}\n"));
    }
    let total = verdicts.len() + out.action_failures.len();
    if failed == 0 {
        text.push_str(&format!("\nOK: all {total} expectations hold.\n"));
    } else {
        text.push_str(&format!("\nFAILED: {failed} of {total} expectations do not hold.\n"));
    }
    if let Some(report) = report {
        text.push_str(&format!("Report: {}\n", report.display()));
    }
    if json {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    // The sensing report comes last (with --json, the last line of stdout).
    match (&sensing, json) {
        (Some(r), true) => println!("{}", r.json()),
        (Some(r), false) => print!("{}", r.human(sc.tz)),
        (None, _) => {}
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn header(sc: &Scenario) {
    println!("Scenario: {}  ({})", sc.name, sc.path.display());
    if !sc.description.is_empty() {
        println!("  {}", sc.description);
    }
    println!(
        "  zone {}, start {}, install {}, ticks every {} s",
        sc.tz,
        sc.start.in_tz(sc.tz).format("%a %Y-%m-%d %H:%M"),
        sc.config.install_id.as_deref().unwrap_or(""),
        sc.window_ms / 1000
    );
    match &sc.catalog {
        Some(c) => {
            println!("  catalog v{}: {} merchants, from {}", c.catalog.version, c.catalog.merchants.len(), c.source)
        }
        None => println!("  no catalog"),
    }
    if !sc.history.is_empty() {
        println!("  history: {} prior visits replayed as short stays before the day", sc.history.len());
    }
}

fn footer(sc: &Scenario, out: &RunOutput) -> String {
    let tz = sc.tz;
    let s = &out.summary;
    let read = sc.read_refusals.len();
    let mut t = format!(
        "\nReplay: {} fixes accepted, {} rejected ({read} by the track reader, {} by the engine; each a fix_rejected line), {} step samples, {} lines\n",
        s.fixes_accepted,
        s.fixes_rejected as usize + read,
        s.fixes_rejected,
        s.step_samples,
        out.lines.len()
    );
    if let Some(c) = &out.catalog {
        t.push_str(&format!("Catalog in force: version {}, {} offers, {} fences\n", c.version, c.offers, c.fences));
    }
    t.push_str("Visits:\n");
    if out.visits.is_empty() {
        t.push_str("  none\n");
    }
    for v in &out.visits {
        let kind = out
            .places
            .iter()
            .find(|p| p.id == v.place_id)
            .and_then(|p| serde_json::to_value(p.kind).ok())
            .and_then(|k| k.as_str().map(str::to_string))
            .unwrap_or_default();
        let name = out
            .lines
            .iter()
            .rev()
            .find(|l| l.field("place_id").and_then(|p| p.as_i64()) == Some(v.place_id) && l.place_label.is_some())
            .and_then(|l| l.place_label.clone())
            .unwrap_or_else(|| format!("place {} [{kind}]", v.place_id));
        let end = v.departed_at.map_or("(under way)".to_string(), |d| d.in_tz(tz).format("%H:%M").to_string());
        t.push_str(&format!("  {name}  {} – {end}\n", v.arrived_at.in_tz(tz).format("%a %H:%M")));
    }
    if let Some((_, day, steps)) = out.steps_curve.last() {
        let goal = u64::from(sc.config.step_goal);
        t.push_str(&format!("Steps on {day}: {steps} of {goal}, {} to go\n", goal.saturating_sub(*steps)));
    }
    t
}
