//! GPX tracks: the files Xcode and the Android emulator replay.
//!
//! Read with the `gpx` crate. Every point with a position becomes a fix:
//! waypoints (`<wpt>`, Xcode's form), route points (`<rte>/<rtept>`) and
//! track points (`<trk>/<trkseg>/<trkpt>`, the usual recorded form). Each
//! point must have a `<time>`; a point without one is an error naming it,
//! since a replay without times means nothing.
//!
//! * Accuracy: GPX has no accuracy field. A point with `<hdop>` gets
//!   `hdop` × [`HDOP_METRES`] metres; one without gets
//!   [`super::csv::DEFAULT_ACCURACY_M`]. [`write_gpx`] writes accuracy as
//!   `hdop` the same way, so a generated track reads back as written.
//! * Speed: GPX 1.0's `<speed>` (m/s) is read; GPX 1.1 has none, and the
//!   engine then derives speed from consecutive fixes.
//! * Times without an offset are UTC, as the GPX schema says.
//!
//! Errors name the line when the XML itself is broken, and otherwise the
//! element (`trk[1]/trkseg[1]/trkpt[5]`, counting from 1) with its line.

use super::csv::DEFAULT_ACCURACY_M;
use super::error::TrackError;
use crate::domain::location::LocationFix;
use crate::domain::time::Timestamp;
use std::fmt::Write as _;

/// Metres of accuracy per unit of horizontal dilution of precision (a
/// typical user-equivalent range error).
pub const HDOP_METRES: f64 = 5.0;

/// How [`write_gpx`] lays out the points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpxLayout {
    /// One `<trk>` with one `<trkseg>` of `<trkpt>`: the recorded-track form
    /// the Android emulator replays.
    Track,
    /// A list of `<wpt>` with times: the form Xcode's location simulation
    /// replays.
    Waypoints,
}

/// Which kind of point, for error messages and line finding.
#[derive(Clone, Copy)]
enum PointKind {
    Waypoint,
    RoutePoint,
    TrackPoint,
}

impl PointKind {
    fn tag(self) -> &'static str {
        match self {
            PointKind::Waypoint => "wpt",
            PointKind::RoutePoint => "rtept",
            PointKind::TrackPoint => "trkpt",
        }
    }
}

/// Reads a GPX document (see the module docs).
pub fn parse_gpx(text: &str) -> Result<Vec<LocationFix>, TrackError> {
    let doc = gpx::read(text.as_bytes()).map_err(|e| gpx_error(text, &e))?;
    let mut fixes = Vec::new();
    for (i, w) in doc.waypoints.iter().enumerate() {
        fixes.push(to_fix(text, w, PointKind::Waypoint, i, || format!("wpt[{}]", i + 1))?);
    }
    let mut ordinal = 0;
    for (r, route) in doc.routes.iter().enumerate() {
        for (i, w) in route.points.iter().enumerate() {
            fixes.push(to_fix(text, w, PointKind::RoutePoint, ordinal, || format!("rte[{}]/rtept[{}]", r + 1, i + 1))?);
            ordinal += 1;
        }
    }
    let mut ordinal = 0;
    for (t, track) in doc.tracks.iter().enumerate() {
        for (s, seg) in track.segments.iter().enumerate() {
            for (i, w) in seg.points.iter().enumerate() {
                let name = || format!("trk[{}]/trkseg[{}]/trkpt[{}]", t + 1, s + 1, i + 1);
                fixes.push(to_fix(text, w, PointKind::TrackPoint, ordinal, name)?);
                ordinal += 1;
            }
        }
    }
    if fixes.is_empty() {
        return Err(TrackError::whole("the GPX file has no waypoint, route point or track point"));
    }
    fixes.sort_by_key(|f| f.at);
    Ok(fixes)
}

fn to_fix(
    text: &str,
    w: &gpx::Waypoint,
    kind: PointKind,
    ordinal: usize,
    name: impl Fn() -> String,
) -> Result<LocationFix, TrackError> {
    let fail = |message: &str| TrackError::in_element(name(), message).on_line(nth_tag_line(text, kind.tag(), ordinal));
    let Some(time) = w.time else { return Err(fail("has no <time>: every point of a replayed track needs one")) };
    let at = time::OffsetDateTime::from(time).unix_timestamp_nanos() / 1_000_000;
    let at = i64::try_from(at).map_err(|_| fail("its <time> is out of range"))?;
    let p = w.point();
    let accuracy_m = match w.hdop {
        Some(h) if h.is_finite() && h > 0.0 => h * HDOP_METRES,
        Some(h) => return Err(fail(&format!("<hdop> {h} is not a positive number"))),
        None => DEFAULT_ACCURACY_M,
    };
    let speed_mps = match w.speed {
        Some(s) if s.is_finite() && s >= 0.0 => Some(s),
        Some(s) => return Err(fail(&format!("<speed> {s} is not a non-negative number"))),
        None => None,
    };
    Ok(LocationFix { at: Timestamp(at), lat: p.y(), lon: p.x(), accuracy_m, speed_mps })
}

/// The line (1-based) of the `n`-th (0-based) `<tag` in document order.
fn nth_tag_line(text: &str, tag: &str, n: usize) -> Option<usize> {
    let needle = format!("<{tag}");
    let pos = text
        .match_indices(&needle)
        .filter(|(i, _)| {
            let next = text[i + needle.len()..].chars().next();
            next.is_some_and(|c| c.is_whitespace() || c == '>' || c == '/')
        })
        .nth(n)?
        .0;
    Some(line_of(text, pos))
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte].matches('\n').count() + 1
}

/// Turns a `gpx` crate error into one with a line: the XML parser's own
/// position when it has one, otherwise the first place in the text that
/// shows the problem.
fn gpx_error(text: &str, e: &gpx::errors::GpxError) -> TrackError {
    use gpx::errors::GpxError as G;
    if let Some(broken) = xml_error(text) {
        return broken;
    }
    match e {
        G::XmlParseError(x) => {
            // xml-rs prints "row:col message" with 1-based numbers.
            let shown = x.to_string();
            let (pos, msg) = shown.split_once(' ').unwrap_or(("", &shown));
            let line = pos.split(':').next().and_then(|r| r.parse().ok());
            TrackError::whole(format!("not well-formed XML: {msg}")).on_line(line)
        }
        G::Iso8601Error(_) => {
            let bad = element_texts(text, "time")
                .into_iter()
                .find(|(_, v)| Timestamp::parse_rfc3339(v).is_none() && !naive(v));
            match bad {
                Some((line, v)) => TrackError::at_line(line, format!("<time> {v:?} is not an ISO 8601 date-time")),
                None => TrackError::whole("a <time> is not an ISO 8601 date-time"),
            }
        }
        G::LonLatOutOfBoundsError(which, range, value) => {
            let attr = if which.starts_with("lat") { "lat" } else { "lon" };
            let line = attribute_line(text, attr, |v| v.parse::<f64>().is_ok_and(|x| x == *value));
            TrackError::whole(format!("{attr}=\"{value}\" is outside {range}")).on_line(line)
        }
        G::ParseFloatError(_) => {
            let bad = ["lat", "lon"]
                .into_iter()
                .find_map(|a| attribute_line(text, a, |v| v.trim().parse::<f64>().is_err()).map(|l| (l, a)));
            let bad = bad.map(|(l, a)| (l, format!("{a} is not a number"))).or_else(|| {
                ["ele", "speed", "hdop", "vdop", "pdop", "course", "geoidheight"].into_iter().find_map(|tag| {
                    element_texts(text, tag)
                        .into_iter()
                        .find(|(_, v)| v.trim().parse::<f64>().is_err())
                        .map(|(l, v)| (l, format!("<{tag}> {v:?} is not a number")))
                })
            });
            match bad {
                Some((line, msg)) => TrackError::at_line(line, msg),
                None => TrackError::whole(format!("a number could not be read: {e}")),
            }
        }
        G::InvalidChildElement(child, parent) => {
            let line = nth_tag_line(text, child, 0);
            TrackError::whole(format!("<{child}> is not allowed inside <{parent}>")).on_line(line)
        }
        G::InvalidElementLacksAttribute(attr, element) => {
            let line = nth_tag_line(text, element, 0);
            TrackError::in_element(*element, format!("lacks the required attribute {attr}")).on_line(line)
        }
        other => TrackError::whole(format!("not a GPX document: {other}")),
    }
}

/// The first well-formedness error of the XML, with its line, if any (the
/// `gpx` crate does not always say where).
fn xml_error(text: &str) -> Option<TrackError> {
    use xml::common::Position as _;
    let mut reader = xml::EventReader::new(text.as_bytes());
    loop {
        match reader.next() {
            Ok(xml::reader::XmlEvent::EndDocument) => return None,
            Ok(_) => {}
            Err(e) => {
                let line = e.position().row as usize + 1;
                return Some(TrackError::at_line(line, format!("not well-formed XML: {}", e.msg())));
            }
        }
    }
}

/// Whether `v` is an ISO 8601 date-time without an offset (read as UTC).
fn naive(v: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

/// `(line, text)` of every `<tag>text</tag>` in the document.
fn element_texts<'t>(text: &'t str, tag: &str) -> Vec<(usize, &'t str)> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    text.match_indices(&open)
        .filter_map(|(i, _)| {
            let start = i + open.len();
            let end = start + text[start..].find(&close)?;
            Some((line_of(text, i), &text[start..end]))
        })
        .collect()
}

/// The line of the first `attr="value"` whose value satisfies `bad`.
fn attribute_line(text: &str, attr: &str, bad: impl Fn(&str) -> bool) -> Option<usize> {
    for quote in ['"', '\''] {
        let needle = format!(" {attr}={quote}");
        for (i, _) in text.match_indices(&needle) {
            let start = i + needle.len();
            let Some(len) = text[start..].find(quote) else { continue };
            if bad(&text[start..start + len]) {
                return Some(line_of(text, i));
            }
        }
    }
    None
}

/// Writes fixes as a GPX 1.1 document in the given layout, with times to
/// the millisecond (UTC) and accuracy as `<hdop>` (see [`HDOP_METRES`]).
/// Speed is not written: GPX 1.1 has no field for it.
pub fn write_gpx(fixes: &[LocationFix], layout: GpxLayout) -> String {
    let mut out = String::with_capacity(120 * (fixes.len() + 4));
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<gpx version=\"1.1\" creator=\"kairos-sim\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n");
    let (tag, indent) = match layout {
        GpxLayout::Track => {
            out.push_str("  <trk>\n    <name>kairos-sim synthetic track</name>\n    <trkseg>\n");
            ("trkpt", "      ")
        }
        GpxLayout::Waypoints => ("wpt", "  "),
    };
    for f in fixes {
        let _ = writeln!(
            out,
            "{indent}<{tag} lat=\"{}\" lon=\"{}\"><time>{}</time><hdop>{}</hdop></{tag}>",
            f.lat,
            f.lon,
            f.at.to_rfc3339(),
            f.accuracy_m / HDOP_METRES
        );
    }
    if layout == GpxLayout::Track {
        out.push_str("    </trkseg>\n  </trk>\n");
    }
    out.push_str("</gpx>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" creator=\"test\">\n";

    fn doc(body: &str) -> String {
        format!("{HEAD}{body}</gpx>\n")
    }

    fn err(text: &str) -> TrackError {
        parse_gpx(text).expect_err("input should be refused")
    }

    #[test]
    fn reads_tracks_routes_and_waypoints_in_time_order() {
        let text = doc(concat!(
            "<wpt lat=\"37.1\" lon=\"-121.9\"><time>2026-11-24T18:30:20Z</time></wpt>\n",
            "<rte><rtept lat=\"37.2\" lon=\"-121.8\"><time>2026-11-24T10:30:10-08:00</time></rtept></rte>\n",
            "<trk><trkseg>\n",
            "<trkpt lat=\"37.3\" lon=\"-121.7\"><time>2026-11-24T18:30:00Z</time><hdop>2</hdop></trkpt>\n",
            "</trkseg></trk>\n"
        ));
        let fixes = parse_gpx(&text).unwrap();
        let t0 = Timestamp::parse_rfc3339("2026-11-24T18:30:00Z").unwrap();
        assert_eq!(
            fixes.iter().map(|f| f.at).collect::<Vec<_>>(),
            [t0, t0.plus_millis(10_000), t0.plus_millis(20_000)]
        );
        assert_eq!((fixes[0].lat, fixes[0].lon, fixes[0].accuracy_m), (37.3, -121.7, 10.0));
        assert_eq!((fixes[1].lat, fixes[1].accuracy_m), (37.2, DEFAULT_ACCURACY_M));
        assert_eq!(fixes[2].lon, -121.9);
    }

    #[test]
    fn reads_gpx_1_0_speed_and_naive_times_as_utc() {
        let text = "<?xml version=\"1.0\"?>\n<gpx version=\"1.0\" creator=\"t\"><trk><trkseg>\
            <trkpt lat=\"1\" lon=\"2\"><time>2026-11-24T18:30:00</time><speed>1.5</speed></trkpt>\
            </trkseg></trk></gpx>";
        let f = parse_gpx(text).unwrap()[0];
        assert_eq!(f.at, Timestamp::parse_rfc3339("2026-11-24T18:30:00Z").unwrap());
        assert_eq!(f.speed_mps, Some(1.5));
    }

    #[test]
    fn both_layouts_read_back_as_written() {
        let mut a = LocationFix::new(Timestamp(1_795_545_000_123), 37.325_67, -121.945_8, 8.0);
        a.speed_mps = Some(1.3);
        let b = LocationFix::new(Timestamp(1_795_545_010_000), 37.325_7, -121.945_7, 100.0);
        for layout in [GpxLayout::Track, GpxLayout::Waypoints] {
            let back = parse_gpx(&write_gpx(&[a, b], layout)).unwrap();
            assert_eq!(back.len(), 2);
            for (x, y) in back.iter().zip([a, b]) {
                assert_eq!((x.at, x.lat, x.lon, x.speed_mps), (y.at, y.lat, y.lon, None));
                assert!((x.accuracy_m - y.accuracy_m).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn a_point_without_time_is_named_with_its_line() {
        let text = doc(concat!(
            "<trk><trkseg>\n",
            "<trkpt lat=\"37.3\" lon=\"-121.7\"><time>2026-11-24T18:30:00Z</time></trkpt>\n",
            "</trkseg><trkseg>\n",
            "<trkpt lat=\"37.3\" lon=\"-121.7\"><time>2026-11-24T18:30:05Z</time></trkpt>\n",
            "<trkpt lat=\"37.3\" lon=\"-121.7\"></trkpt>\n",
            "</trkseg></trk>\n"
        ));
        let e = err(&text);
        assert_eq!(e.element.as_deref(), Some("trk[1]/trkseg[2]/trkpt[2]"));
        assert_eq!(e.line, Some(7));
        assert!(e.to_string().starts_with("line 7: trk[1]/trkseg[2]/trkpt[2]: has no <time>"), "{e}");
    }

    #[test]
    fn broken_xml_names_its_line() {
        let e = err(&format!("{HEAD}<trk><trkseg>\n<trkpt lat=\"1\" lon=\"2\">\n</trk></gpx>"));
        assert_eq!(e.line, Some(5), "{e}");
        assert!(e.message.starts_with("not well-formed XML"), "{e}");
    }

    #[test]
    fn bad_values_name_their_line() {
        let e = err(&doc("<wpt lat=\"1\" lon=\"2\">\n<time>yesterday</time></wpt>\n"));
        assert_eq!((e.line, e.message.as_str()), (Some(4), "<time> \"yesterday\" is not an ISO 8601 date-time"));
        let e = err(&doc(
            "<wpt lat=\"1\" lon=\"2\"><time>2026-11-24T18:30:00Z</time></wpt>\n<wpt lat=\"north\" lon=\"2\"/>\n",
        ));
        assert_eq!((e.line, e.message.as_str()), (Some(4), "lat is not a number"));
        let e = err(&doc("\n<wpt lat=\"95\" lon=\"2\"><time>2026-11-24T18:30:00Z</time></wpt>\n"));
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.starts_with("lat=\"95\" is outside"), "{e}");
        let e = err(&doc("<wpt lat=\"1\"><time>2026-11-24T18:30:00Z</time></wpt>\n"));
        assert!(e.to_string().contains("lacks the required attribute lon"), "{e}");
    }

    #[test]
    fn an_empty_or_foreign_document_is_refused() {
        assert!(err(&doc("")).message.contains("no waypoint"));
        assert_eq!(err("<kml></kml>").to_string(), "line 1: <kml> is not allowed inside <gpx>");
        assert!(err("").message.contains("XML"), "{}", err(""));
    }
}
