//! Judging expectations against the lines of a run, and saying why one
//! fails: what was expected, when, and what happened nearest.

use super::{Expectation, Polarity, Scenario};
use crate::timeline::Line;
use chrono_tz::Tz;
use kairos_core::Timestamp;
use serde_json::Value;

/// How many nearby lines a failure shows.
const NEAREST_SHOWN: usize = 3;

/// The verdict on one expectation.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Whether it holds.
    pub holds: bool,
    /// The expectation in words.
    pub what: String,
    /// Where it was seen, or why it failed (one item a line).
    pub detail: Vec<String>,
}

/// Judges every expectation of `sc` on `lines`.
pub fn judge(sc: &Scenario, lines: &[Line]) -> Vec<Verdict> {
    // A till answers every presentation with a line: without any, the run
    // had no till (`--sync embedded` gives one), and what it would have
    // said is not judged.
    let till = lines.iter().any(|l| l.kind == super::till::VERIFIED_KIND);
    sc.expectations
        .iter()
        .map(|e| match e.kind == super::till::VERIFIED_KIND && !till {
            true => Verdict {
                holds: true,
                what: format!("{} (not judged: no till; run with --sync embedded)", describe(e, sc.tz, sc.start)),
                detail: Vec::new(),
            },
            false => judge_one(sc.tz, sc.start, e, lines),
        })
        .collect()
}

fn hhmm(t: Timestamp, tz: Tz, start: Timestamp) -> String {
    if t.local_day(tz) == start.local_day(tz) {
        t.in_tz(tz).format("%H:%M:%S").to_string()
    } else {
        t.in_tz(tz).format("%a %Y-%m-%d %H:%M:%S").to_string()
    }
}

/// The expectation in words.
pub fn describe(e: &Expectation, tz: Tz, start: Timestamp) -> String {
    let mut s = match e.polarity {
        Polarity::Expect => match e.count {
            Some(n) => format!("exactly {n} × {}", e.kind),
            None => e.kind.clone(),
        },
        Polarity::Never => format!("never {}", e.kind),
    };
    if !e.fields.is_empty() {
        let f: Vec<String> = e.fields.iter().map(|(k, m)| format!("{k} = {m}")).collect();
        s.push_str(&format!(" with {}", f.join(", ")));
    }
    if let Some((lat, lon)) = e.place {
        s.push_str(&format!(" for the place nearest ({lat:.5}, {lon:.5})"));
    }
    match e.at {
        Some(at) if e.from == e.to => s.push_str(&format!(" at {}", hhmm(at, tz, start))),
        Some(at) => s.push_str(&format!(
            " at {} ± {} min",
            hhmm(at, tz, start),
            (at.since(e.from) as f64 / 60_000.0 * 10.0).round() / 10.0
        )),
        None if e.to.0 == i64::MAX => s.push_str(&format!(" from {} on", hhmm(e.from, tz, start))),
        None => s.push_str(&format!(" between {} and {}", hhmm(e.from, tz, start), hhmm(e.to, tz, start))),
    }
    if let Some(n) = &e.note {
        s.push_str(&format!(" ({n})"));
    }
    s
}

fn matches_fields(e: &Expectation, l: &Line) -> bool {
    e.fields.iter().all(|(k, m)| m.matches(l.field(k), l.at))
}

fn in_window(e: &Expectation, l: &Line) -> bool {
    l.at >= e.from && l.at <= e.to
}

/// `field = actual (expected ...)` for each field that does not match.
fn mismatches(e: &Expectation, l: &Line, tz: Tz) -> Vec<String> {
    e.fields
        .iter()
        .filter(|(k, m)| !m.matches(l.field(k), l.at))
        .map(|(k, m)| match l.field(k) {
            Some(v) => format!("{k} = {} (expected {m})", shown(v, tz)),
            None => format!("no field {k} (expected {m})"),
        })
        .collect()
}

fn shown(v: &Value, tz: Tz) -> String {
    match v {
        Value::String(s) => match Timestamp::parse_rfc3339(s) {
            Some(t) if s.len() >= 20 => t.in_tz(tz).format("%H:%M:%S").to_string(),
            _ => format!("{s:?}"),
        },
        other => other.to_string(),
    }
}

fn line_brief(l: &Line, tz: Tz, start: Timestamp) -> String {
    format!("{} {} {}", hhmm(l.at, tz, start), l.kind, l.words(tz))
}

fn judge_one(tz: Tz, start: Timestamp, e: &Expectation, lines: &[Line]) -> Verdict {
    let what = describe(e, tz, start);
    let hits: Vec<&Line> =
        lines.iter().filter(|l| l.kind == e.kind && in_window(e, l) && matches_fields(e, l)).collect();
    match e.polarity {
        Polarity::Never => {
            if hits.is_empty() {
                return Verdict { holds: true, what, detail: Vec::new() };
            }
            let detail =
                hits.iter().take(NEAREST_SHOWN).map(|l| format!("but: {}", line_brief(l, tz, start))).collect();
            Verdict { holds: false, what, detail }
        }
        Polarity::Expect => {
            let holds = match e.count {
                Some(n) => hits.len() == n as usize,
                None => !hits.is_empty(),
            };
            if holds {
                let seen: Vec<String> = hits.iter().map(|l| hhmm(l.at, tz, start)).take(6).collect();
                return Verdict { holds, what, detail: vec![format!("seen at {}", seen.join(", "))] };
            }
            let mut detail = Vec::new();
            if !hits.is_empty() {
                detail.push(format!("found {} matching lines, not {}:", hits.len(), e.count.unwrap_or(1)));
                detail.extend(hits.iter().take(NEAREST_SHOWN * 2).map(|l| format!("  {}", line_brief(l, tz, start))));
                return Verdict { holds, what, detail };
            }
            let centre = e.at.unwrap_or(e.from);
            let mut same: Vec<&Line> = lines.iter().filter(|l| l.kind == e.kind).collect();
            same.sort_by_key(|l| (l.at.since(centre)).abs());
            if same.is_empty() {
                detail.push(format!("no {} line at all in the run; around then:", e.kind));
                let mut near: Vec<&Line> = lines.iter().filter(|l| !l.history || e.from < start).collect();
                near.sort_by_key(|l| (l.at.since(centre)).abs());
                near.truncate(NEAREST_SHOWN);
                near.sort_by_key(|l| l.at);
                detail.extend(near.iter().map(|l| format!("  {}", line_brief(l, tz, start))));
                if near.is_empty() {
                    detail.push("  (nothing happened at all)".into());
                }
            } else {
                detail.push(format!("nearest {} lines:", e.kind));
                for l in same.iter().take(NEAREST_SHOWN) {
                    let mut why = mismatches(e, l, tz);
                    if !in_window(e, l) {
                        let off = l.at.since(centre) as f64 / 60_000.0;
                        why.insert(
                            0,
                            format!(
                                "{:.1} min {} the expected time",
                                off.abs(),
                                if off < 0.0 { "before" } else { "after" }
                            ),
                        );
                    }
                    detail.push(format!("  {}", line_brief(l, tz, start)));
                    detail.push(format!("    differs: {}", why.join("; ")));
                }
            }
            Verdict { holds, what, detail }
        }
    }
}
