//! The report page around the pictures: header, verdicts, visits and the
//! timeline table.

use super::{esc, map, steps_chart};
use crate::scenario::expect::Verdict;
use crate::scenario::run::RunOutput;
use crate::scenario::Scenario;
use std::fmt::Write as _;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}\
table{border-collapse:collapse;width:100%}td,th{padding:3px 6px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}\
td.t{white-space:nowrap;font-variant-numeric:tabular-nums}td.k{font-family:monospace}\
tr.history{color:#777}.ok{color:#1e8449}.fail{color:#c0392b}ul.verdicts{list-style:none;padding:0}\
ul.verdicts li{margin:4px 0}pre{margin:2px 0 0 22px;font-size:12px;white-space:pre-wrap}";

/// The whole page.
pub fn render(sc: &Scenario, out: &RunOutput, verdicts: &[Verdict]) -> String {
    let tz = sc.tz;
    let failed = verdicts.iter().filter(|v| !v.holds).count() + out.action_failures.len();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        esc(&sc.name)
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&sc.name));
    if !sc.description.is_empty() {
        let _ = writeln!(h, "<p class=\"description\">{}</p>", esc(&sc.description));
    }
    let _ = writeln!(
        h,
        "<p>Scenario <code>{}</code>, zone {}, from {}. <strong id=\"result\" class=\"{}\">{}</strong></p>",
        esc(&sc.path.display().to_string()),
        esc(tz.name()),
        sc.start.in_tz(tz).format("%a %Y-%m-%d %H:%M"),
        if failed == 0 { "ok" } else { "fail" },
        if failed == 0 {
            format!("All {} expectations hold.", verdicts.len())
        } else {
            format!("{failed} of {} checks failed.", verdicts.len() + out.action_failures.len())
        }
    );
    h.push_str("<h2>Map</h2>\n");
    h.push_str(&map::svg(sc, out, "map", None));
    if let Some(focus) = map::detail_focus(sc, out) {
        h.push_str("<h2>Map: where the offers happened</h2>\n");
        h.push_str(&map::svg(sc, out, "map-detail", Some(&focus)));
    }
    h.push_str("<h2>Expectations</h2>\n<ul id=\"verdicts\" class=\"verdicts\">\n");
    for v in verdicts {
        let (class, mark) = if v.holds { ("ok", "✓") } else { ("fail", "✗") };
        let _ = write!(h, "<li class=\"verdict {class}\">{mark} {}", esc(&v.what));
        if !v.detail.is_empty() {
            let _ = write!(h, "<pre>{}</pre>", esc(&v.detail.join("\n")));
        }
        h.push_str("</li>\n");
    }
    for f in &out.action_failures {
        let _ = writeln!(h, "<li class=\"verdict fail\">✗ {}</li>", esc(f));
    }
    h.push_str("</ul>\n<h2>Steps</h2>\n");
    h.push_str(&steps_chart::svg(out, sc.config.step_goal, tz));
    h.push_str("<h2>Visits</h2>\n<table id=\"visits\"><tr><th>place</th><th>arrived</th><th>departed</th></tr>\n");
    for v in &out.visits {
        let kind = out.places.iter().find(|p| p.id == v.place_id).map(|p| p.kind);
        let _ = writeln!(
            h,
            "<tr><td>place {} {}</td><td>{}</td><td>{}</td></tr>",
            v.place_id,
            kind.map(|k| format!(
                "[{}]",
                serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
            ))
            .unwrap_or_default(),
            v.arrived_at.in_tz(tz).format("%H:%M:%S"),
            v.departed_at.map_or("(under way)".into(), |d| d.in_tz(tz).format("%H:%M:%S").to_string())
        );
    }
    h.push_str("</table>\n<h2>Timeline</h2>\n<table id=\"timeline\"><tr><th>time</th><th>kind</th><th>what happened</th></tr>\n");
    for l in &out.lines {
        let _ = writeln!(
            h,
            "<tr class=\"{}\"><td class=\"t\">{}</td><td class=\"k\">{}</td><td>{}</td></tr>",
            if l.history { "history" } else { "day" },
            l.at.in_tz(tz).format("%a %m-%d %H:%M:%S"),
            esc(&l.kind),
            esc(&l.words(tz))
        );
    }
    h.push_str("</table>\n</body></html>\n");
    h
}
