//! `--report FILE.html`: one self-contained HTML page (no network, no
//! script): the map of the run, the verdicts, the step curve against the
//! goal, and the timeline table.
//!
//! | file | draws |
//! | --- | --- |
//! | `map.rs` | the SVG map: track, fences, visits, triggers |
//! | `steps_chart.rs` | the SVG step curve against the goal |
//! | `page.rs` | the page around them: header, verdicts, timeline table |

mod map;
mod page;
mod steps_chart;

pub use page::render;

/// Escapes text for HTML and SVG.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
