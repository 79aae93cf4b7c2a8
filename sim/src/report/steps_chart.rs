//! The SVG step curve: today's steps after each tick of the replay, against
//! the goal.

use crate::scenario::run::RunOutput;
use chrono_tz::Tz;
use std::fmt::Write as _;

const W: f64 = 960.0;
const H: f64 = 260.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 30.0;

/// Draws the curve; `goal` is the daily goal.
pub fn svg(out: &RunOutput, goal: u32, tz: Tz) -> String {
    let curve = &out.steps_curve;
    let (Some(first), Some(last)) = (curve.first(), curve.last()) else {
        return "<p id=\"steps\">No replay ticks, so no step curve.</p>\n".into();
    };
    let (t0, t1) = (first.0 .0 as f64, (last.0 .0 as f64).max(first.0 .0 as f64 + 60_000.0));
    let max = curve.iter().map(|c| c.2).max().unwrap_or(0).max(u64::from(goal)) as f64 * 1.1;
    let x = |t: f64| LEFT + (t - t0) / (t1 - t0) * (W - LEFT - RIGHT);
    let y = |v: f64| H - BOTTOM - v / max * (H - TOP - BOTTOM);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg id="steps" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="steps against the goal">"#
    );
    s.push_str("<rect width=\"100%\" height=\"100%\" fill=\"#fbfbf8\"/>\n");
    let _ = writeln!(
        s,
        r##"<line class="axis" x1="{LEFT}" y1="{b}" x2="{}" y2="{b}" stroke="#888"/><line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="#888"/>"##,
        W - RIGHT,
        b = H - BOTTOM
    );
    let gy = y(f64::from(goal));
    let _ = writeln!(
        s,
        r##"<line class="goal" x1="{LEFT}" y1="{gy:.1}" x2="{}" y2="{gy:.1}" stroke="#27ae60" stroke-dasharray="6 4"/><text x="{}" y="{:.1}" font-size="11" fill="#27ae60" text-anchor="end">goal {goal}</text>"##,
        W - RIGHT,
        W - RIGHT,
        gy - 4.0
    );
    // One polyline per local day (the count starts again at midnight).
    let mut day = String::new();
    let mut pts: Vec<String> = Vec::new();
    let flush = |pts: &mut Vec<String>, s: &mut String| {
        if !pts.is_empty() {
            let _ = writeln!(
                s,
                r##"<polyline class="steps" points="{}" fill="none" stroke="#2e86c1" stroke-width="2"/>"##,
                pts.join(" ")
            );
            pts.clear();
        }
    };
    for (t, d, v) in curve {
        if *d != day {
            flush(&mut pts, &mut s);
            day = d.clone();
        }
        pts.push(format!("{:.1},{:.1}", x(t.0 as f64), y(*v as f64)));
    }
    flush(&mut pts, &mut s);
    // Hour ticks.
    let hours = ((t1 - t0) / 3_600_000.0).ceil() as i64;
    let step = (hours / 12).max(1);
    let start_hour = (t0 / 3_600_000.0).ceil() as i64;
    for h in (start_hour..).step_by(step as usize).take_while(|h| (*h as f64) * 3_600_000.0 <= t1) {
        let t = h as f64 * 3_600_000.0;
        let label = kairos_core::Timestamp(t as i64).in_tz(tz).format("%H:%M");
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle" fill="#555">{label}</text>"##,
            x(t),
            H - 12.0
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{}" y="{:.1}" font-size="10" text-anchor="end" fill="#555">{}</text>"##,
        LEFT - 4.0,
        y(0.0),
        0
    );
    let last_steps = last.2;
    let _ = writeln!(
        s,
        r##"<text class="steps-now" x="{:.1}" y="{:.1}" font-size="11" fill="#2e86c1" text-anchor="end">{last_steps} steps</text>"##,
        x(last.0 .0 as f64),
        y(last_steps as f64) - 6.0
    );
    s.push_str("</svg>\n");
    s
}
