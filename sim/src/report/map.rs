//! The SVG map: the day's track projected on a local flat frame, the
//! catalog's fences (circles and polygons, holes cut out), the visits and
//! the offer lines, labelled.

use super::esc;
use crate::scenario::run::RunOutput;
use crate::scenario::Scenario;
use crate::timeline::Line;
use kairos_core::fences::FenceShape;
use kairos_core::geo::LocalFrame;
use kairos_core::LocationFix;
use std::fmt::Write as _;

const W: f64 = 960.0;
const H: f64 = 600.0;
const MARGIN: f64 = 40.0;

/// Projects lat/lon into the picture.
struct View {
    frame: LocalFrame,
    min: (f64, f64),
    scale: f64,
    offset: (f64, f64),
}

impl View {
    fn fit(points: &[(f64, f64)]) -> View {
        let (lat0, lon0) = points.first().copied().unwrap_or((0.0, 0.0));
        let frame = LocalFrame::new(lat0, lon0);
        let xy: Vec<(f64, f64)> = points.iter().map(|&(a, b)| frame.to_xy(a, b)).collect();
        let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
        for &(x, y) in &xy {
            lo = (lo.0.min(x), lo.1.min(y));
            hi = (hi.0.max(x), hi.1.max(y));
        }
        if xy.is_empty() {
            lo = (-100.0, -100.0);
            hi = (100.0, 100.0);
        }
        let span = ((hi.0 - lo.0).max(50.0), (hi.1 - lo.1).max(50.0));
        let scale = ((W - 2.0 * MARGIN) / span.0).min((H - 2.0 * MARGIN) / span.1);
        let offset = ((W - span.0 * scale) / 2.0, (H - span.1 * scale) / 2.0);
        View { frame, min: lo, scale, offset }
    }

    fn px(&self, lat: f64, lon: f64) -> (f64, f64) {
        let (x, y) = self.frame.to_xy(lat, lon);
        (self.offset.0 + (x - self.min.0) * self.scale, H - (self.offset.1 + (y - self.min.1) * self.scale))
    }
}

fn ring_path(v: &View, ring: &[[f64; 2]]) -> String {
    let mut d = String::new();
    for (i, p) in ring.iter().enumerate() {
        let (x, y) = v.px(p[0], p[1]);
        let _ = write!(d, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
    }
    d.push('Z');
    d
}

/// The fix nearest in time to `line`.
fn fix_at<'f>(fixes: &'f [LocationFix], line: &Line) -> Option<&'f LocationFix> {
    fixes.iter().min_by_key(|f| f.at.since(line.at).abs())
}

/// The points a detail map should frame: the fences the day entered, when they lie far smaller than the whole run.
pub fn detail_focus(sc: &Scenario, out: &RunOutput) -> Option<Vec<(f64, f64)>> {
    let catalog = &sc.catalog.as_ref()?.catalog;
    let mentioned: Vec<&str> = out
        .lines
        .iter()
        .filter(|l| !l.history && (l.kind == "fence_entered" || l.kind == "offer_triggered"))
        .filter_map(|l| l.field("place_id").and_then(|p| p.as_str()))
        .collect();
    let mut pts = Vec::new();
    for p in catalog.merchants.iter().flat_map(|m| m.places.iter()).filter(|p| mentioned.contains(&p.id.as_str())) {
        match &p.fence {
            FenceShape::Circle { lat, lon, radius_m } => {
                let frame = LocalFrame::new(*lat, *lon);
                pts.push(frame.to_lat_lon(-radius_m - 60.0, -radius_m - 60.0));
                pts.push(frame.to_lat_lon(radius_m + 60.0, radius_m + 60.0));
            }
            FenceShape::Polygon { exterior, .. } => {
                for q in exterior {
                    let frame = LocalFrame::new(q[0], q[1]);
                    pts.push(frame.to_lat_lon(-60.0, -60.0));
                    pts.push(frame.to_lat_lon(60.0, 60.0));
                }
            }
        }
    }
    let span = |pts: &[(f64, f64)]| {
        let f = LocalFrame::new(pts[0].0, pts[0].1);
        let xy: Vec<(f64, f64)> = pts.iter().map(|p| f.to_xy(p.0, p.1)).collect();
        let w = xy.iter().map(|p| p.0).fold(f64::MIN, f64::max) - xy.iter().map(|p| p.0).fold(f64::MAX, f64::min);
        let h = xy.iter().map(|p| p.1).fold(f64::MIN, f64::max) - xy.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        w.max(h)
    };
    let all: Vec<(f64, f64)> = sc.fixes.iter().map(|f| (f.lat, f.lon)).collect();
    (!pts.is_empty() && !all.is_empty() && span(&pts) * 3.0 < span(&all)).then_some(pts)
}

/// Draws the map as `<svg id="{id}">`, framing `focus` (or the whole run).
pub fn svg(sc: &Scenario, out: &RunOutput, id: &str, focus: Option<&[(f64, f64)]>) -> String {
    let mut fixes = sc.fixes.clone();
    fixes.sort_by_key(|f| f.at);
    let mut points: Vec<(f64, f64)> = fixes.iter().map(|f| (f.lat, f.lon)).collect();
    let fences: Vec<(String, String, FenceShape)> = sc
        .catalog
        .iter()
        .flat_map(|c| c.catalog.merchants.iter())
        .flat_map(|m| m.places.iter().map(move |p| (p.id.clone(), m.name.clone(), p.fence.clone())))
        .collect();
    let near = |lat: f64, lon: f64| {
        points.is_empty() || points.iter().any(|p| kairos_core::geo::distance_m(p.0, p.1, lat, lon) < 5_000.0)
    };
    let fences: Vec<_> = fences
        .into_iter()
        .filter(|(_, _, f)| match f {
            FenceShape::Circle { lat, lon, .. } => near(*lat, *lon),
            FenceShape::Polygon { exterior, .. } => exterior.first().is_some_and(|p| near(p[0], p[1])),
        })
        .collect();
    for (_, _, f) in &fences {
        match f {
            FenceShape::Circle { lat, lon, radius_m } => {
                let frame = LocalFrame::new(*lat, *lon);
                points.push(frame.to_lat_lon(-radius_m, -radius_m));
                points.push(frame.to_lat_lon(*radius_m, *radius_m));
            }
            FenceShape::Polygon { exterior, .. } => points.extend(exterior.iter().map(|p| (p[0], p[1]))),
        }
    }
    points.extend(sc.places.values().copied());
    let v = View::fit(focus.unwrap_or(&points));
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg id="{id}" class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="map of the run">"#
    );
    s.push_str("<rect width=\"100%\" height=\"100%\" fill=\"#f7f7f2\"/>\n<g class=\"fences\">\n");
    for (id, name, f) in &fences {
        let (lx, ly) = match f {
            FenceShape::Circle { lat, lon, radius_m } => {
                let (x, y) = v.px(*lat, *lon);
                let r = (radius_m * v.scale).max(2.0);
                let _ = writeln!(
                    s,
                    r##"<circle class="fence circle" data-place="{}" cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="#7fb3d5" fill-opacity="0.35" stroke="#2e86c1"/>"##,
                    esc(id)
                );
                (x, y - r - 4.0)
            }
            FenceShape::Polygon { exterior, holes } => {
                let mut d = ring_path(&v, exterior);
                for h in holes {
                    d.push(' ');
                    d.push_str(&ring_path(&v, h));
                }
                let _ = writeln!(
                    s,
                    r##"<path class="fence polygon" data-place="{}" d="{d}" fill="#7fb3d5" fill-opacity="0.35" fill-rule="evenodd" stroke="#2e86c1"/>"##,
                    esc(id)
                );
                let top =
                    exterior
                        .iter()
                        .map(|p| v.px(p[0], p[1]))
                        .fold((0.0, f64::MAX), |a, b| if b.1 < a.1 { b } else { a });
                (top.0, top.1 - 4.0)
            }
        };
        let _ = writeln!(
            s,
            r##"<text class="fence-label" x="{lx:.1}" y="{ly:.1}" font-size="11" fill="#1b4f72" text-anchor="middle">{}</text>"##,
            esc(name)
        );
    }
    s.push_str("</g>\n<g class=\"places\">\n");
    for (name, &(lat, lon)) in &sc.places {
        let (x, y) = v.px(lat, lon);
        let _ = writeln!(
            s,
            r##"<rect class="named-place" x="{:.1}" y="{:.1}" width="6" height="6" fill="#666"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#444">{}</text>"##,
            x - 3.0,
            y - 3.0,
            x + 6.0,
            y + 12.0,
            esc(name)
        );
    }
    s.push_str("</g>\n");
    let pts: Vec<String> = fixes.iter().map(|f| v.px(f.lat, f.lon)).map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ = writeln!(
        s,
        r##"<polyline class="track" points="{}" fill="none" stroke="#c0392b" stroke-width="1.5" stroke-opacity="0.8"/>"##,
        pts.join(" ")
    );
    s.push_str("<g class=\"visits\">\n");
    let tz = sc.tz;
    for (k, visit) in out.visits.iter().enumerate() {
        let (x, y) = v.px(visit.lat, visit.lon);
        let y = y + 13.0 * out.visits[..k].iter().filter(|o| o.place_id == visit.place_id).count() as f64;
        let end = visit.departed_at.map_or("…".to_string(), |d| d.in_tz(tz).format("%H:%M").to_string());
        let label = format!("visit {} – {}", visit.arrived_at.in_tz(tz).format("%H:%M"), end);
        let _ = writeln!(
            s,
            r##"<circle class="visit" cx="{x:.1}" cy="{y:.1}" r="7" fill="#27ae60" fill-opacity="0.7" stroke="#145a32"/><text class="visit-label" x="{:.1}" y="{:.1}" font-size="11" fill="#145a32">{}</text>"##,
            x + 9.0,
            y + 4.0,
            esc(&label)
        );
    }
    s.push_str("</g>\n<g class=\"triggers\">\n");
    for (k, l) in
        out.lines.iter().filter(|l| !l.history && l.kind.starts_with("offer_") && l.kind != "offer_expired").enumerate()
    {
        let Some(f) = fix_at(&fixes, l) else { continue };
        let (x, y) = v.px(f.lat, f.lon);
        let fired = l.kind == "offer_triggered";
        let colour = if fired { "#e67e22" } else { "#7f8c8d" };
        let offer = l.field("offer_id").and_then(|o| o.as_str()).unwrap_or("");
        let what = if fired { "triggered" } else { "suppressed" };
        let label = format!("{} {} {offer} {what}", l.at.in_tz(tz).format("%H:%M"), if fired { "★" } else { "✕" });
        let dy = -10.0 - 13.0 * (k % 3) as f64;
        let _ = writeln!(
            s,
            r##"<g class="trigger {what}"><path d="M{x:.1},{:.1} l5,9 h-10 z" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="11" fill="{colour}">{}</text></g>"##,
            y - 5.0,
            x + 8.0,
            y + dy,
            esc(&label)
        );
    }
    s.push_str("</g>\n");
    // A 100 m scale bar.
    let bar = 100.0 * v.scale;
    let _ = writeln!(
        s,
        r##"<g class="scale"><line x1="20" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#333" stroke-width="2"/><text x="20" y="{:.1}" font-size="10">100 m</text></g>"##,
        20.0 + bar,
        H - 21.0,
        y = H - 15.0
    );
    s.push_str("</svg>\n");
    s
}
