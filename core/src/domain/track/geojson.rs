//! GeoJSON tracks (RFC 7946): what map tools and `togeojson` export.
//!
//! The document is a `FeatureCollection`, a single `Feature`, or a bare
//! geometry. Positions are `[lon, lat]` or `[lon, lat, elevation]`, as the
//! RFC says. Two shapes carry times:
//!
//! * A `LineString` (or `MultiLineString`) feature whose properties hold one
//!   time per position in `times` or `coordTimes` (for a
//!   `MultiLineString`, one array per line, as `togeojson` writes).
//! * `Point` features with a `time` or `timestamp` property; each may also
//!   have `accuracy` (metres) and `speed` (m/s).
//!
//! A time is an RFC 3339 string or an integer number of epoch milliseconds.
//! A line's optional `accuracy` property applies to all its positions;
//! otherwise accuracy is [`super::csv::DEFAULT_ACCURACY_M`]. Features of
//! other geometry types (a `Polygon` drawn for context) are skipped; a
//! document with no timed position at all is an error.
//!
//! Syntax errors name the line; every other error names the element
//! (`features[2].properties.times[5]`). [`read_geojson`] gives each fix
//! the element of its time as its origin, in document order.

use super::csv::DEFAULT_ACCURACY_M;
use super::error::TrackError;
use super::{Origin, Track, TrackFix};
use crate::domain::location::LocationFix;
use crate::domain::time::Timestamp;
use serde_json::{Map, Value};

/// Reads a GeoJSON document (see the module docs): its fixes in time
/// order.
pub fn parse_geojson(text: &str) -> Result<Vec<LocationFix>, TrackError> {
    read_geojson(text).map(|t| t.time_ordered())
}

/// Reads a GeoJSON document (see the module docs): its fixes in document
/// order, each with the element of its time.
pub fn read_geojson(text: &str) -> Result<Track, TrackError> {
    let doc: Value = serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text)).map_err(|e| {
        TrackError::at_line(e.line().max(1), format!("not valid JSON: {e}", e = strip_position(&e.to_string())))
    })?;
    let mut fixes = Vec::new();
    match kind(&doc, "$")? {
        "FeatureCollection" => {
            let Some(features) = doc.get("features").and_then(Value::as_array) else {
                return Err(TrackError::in_element("$", "a FeatureCollection needs a \"features\" array"));
            };
            for (i, f) in features.iter().enumerate() {
                feature(f, &format!("features[{i}]"), &mut fixes)?;
            }
        }
        "Feature" => feature(&doc, "$", &mut fixes)?,
        _ => geometry(&doc, &Map::new(), "$", "$", &mut fixes)?,
    }
    if fixes.is_empty() {
        return Err(TrackError::whole("no timed position: expected a LineString with times or Points with a time"));
    }
    if fixes.len() > super::MAX_TRACK_POINTS {
        return Err(TrackError::whole(format!("more than {} fixes: split the file", super::MAX_TRACK_POINTS)));
    }
    Ok(Track { fixes, ..Track::default() })
}

/// serde_json appends " at line L column C"; the line is reported apart.
fn strip_position(msg: &str) -> &str {
    msg.rfind(" at line ").map_or(msg, |i| &msg[..i])
}

fn kind<'v>(v: &'v Value, path: &str) -> Result<&'v str, TrackError> {
    v.get("type").and_then(Value::as_str).ok_or_else(|| TrackError::in_element(path, "has no \"type\" string"))
}

fn feature(f: &Value, path: &str, out: &mut Vec<TrackFix>) -> Result<(), TrackError> {
    if kind(f, path)? != "Feature" {
        return Err(TrackError::in_element(path, "is not a Feature"));
    }
    let empty = Map::new();
    let props = match f.get("properties") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(TrackError::in_element(format!("{path}.properties"), "is not an object")),
    };
    match f.get("geometry") {
        None | Some(Value::Null) => Ok(()),
        Some(g) => geometry(g, props, &format!("{path}.geometry"), &format!("{path}.properties"), out),
    }
}

fn geometry(
    g: &Value,
    props: &Map<String, Value>,
    path: &str,
    props_path: &str,
    out: &mut Vec<TrackFix>,
) -> Result<(), TrackError> {
    let coords = || g.get("coordinates").ok_or_else(|| TrackError::in_element(path, "has no \"coordinates\""));
    let accuracy = optional_number(props, "accuracy", props_path)?.unwrap_or(DEFAULT_ACCURACY_M);
    match kind(g, path)? {
        "Point" => {
            let (name, t) = time_property(props, props_path)?;
            let (lat, lon) = position(coords()?, &format!("{path}.coordinates"))?;
            let element = format!("{props_path}.{name}");
            let mut fix = LocationFix::new(time(t, &element)?, lat, lon, accuracy);
            fix.speed_mps = optional_number(props, "speed", props_path)?;
            out.push(TrackFix { fix, origin: Origin { line: None, element: Some(element) } });
        }
        "LineString" => {
            let (name, times) = times_property(props, props_path)?;
            line(coords()?, times, &format!("{path}.coordinates"), &format!("{props_path}.{name}"), accuracy, out)?;
        }
        "MultiLineString" => {
            let (name, times) = times_property(props, props_path)?;
            let lines = array(coords()?, &format!("{path}.coordinates"))?;
            let times = array(times, &format!("{props_path}.{name}"))?;
            if lines.len() != times.len() {
                return Err(TrackError::in_element(
                    format!("{props_path}.{name}"),
                    format!("has {} time arrays for {} lines", times.len(), lines.len()),
                ));
            }
            for (i, (l, t)) in lines.iter().zip(times).enumerate() {
                let lpath = format!("{path}.coordinates[{i}]");
                line(l, t, &lpath, &format!("{props_path}.{name}[{i}]"), accuracy, out)?;
            }
        }
        "GeometryCollection" | "Polygon" | "MultiPolygon" | "MultiPoint" => {}
        other => return Err(TrackError::in_element(path, format!("unknown geometry type {other:?}"))),
    }
    Ok(())
}

fn line(
    coords: &Value,
    times: &Value,
    path: &str,
    times_path: &str,
    accuracy: f64,
    out: &mut Vec<TrackFix>,
) -> Result<(), TrackError> {
    let coords = array(coords, path)?;
    let times = array(times, times_path)?;
    if coords.len() != times.len() {
        return Err(TrackError::in_element(
            times_path,
            format!("has {} times for {} positions", times.len(), coords.len()),
        ));
    }
    for (i, (c, t)) in coords.iter().zip(times).enumerate() {
        let (lat, lon) = position(c, &format!("{path}[{i}]"))?;
        let element = format!("{times_path}[{i}]");
        let fix = LocationFix::new(time(t, &element)?, lat, lon, accuracy);
        out.push(TrackFix { fix, origin: Origin { line: None, element: Some(element) } });
    }
    Ok(())
}

fn array<'v>(v: &'v Value, path: &str) -> Result<&'v Vec<Value>, TrackError> {
    v.as_array().ok_or_else(|| TrackError::in_element(path, "is not an array"))
}

fn time_property<'p>(props: &'p Map<String, Value>, path: &str) -> Result<(&'static str, &'p Value), TrackError> {
    ["time", "timestamp"]
        .into_iter()
        .find_map(|k| props.get(k).map(|v| (k, v)))
        .ok_or_else(|| TrackError::in_element(path, "a Point needs a \"time\" (or \"timestamp\") property"))
}

fn times_property<'p>(props: &'p Map<String, Value>, path: &str) -> Result<(&'static str, &'p Value), TrackError> {
    ["times", "coordTimes"]
        .into_iter()
        .find_map(|k| props.get(k).map(|v| (k, v)))
        .ok_or_else(|| TrackError::in_element(path, "a line needs a \"times\" (or \"coordTimes\") property"))
}

fn position(v: &Value, path: &str) -> Result<(f64, f64), TrackError> {
    let bad = || TrackError::in_element(path, "expected a position [lon, lat] of finite numbers");
    let a = v.as_array().ok_or_else(bad)?;
    if !(2..=3).contains(&a.len()) {
        return Err(bad());
    }
    let lon = a[0].as_f64().filter(|x| x.is_finite()).ok_or_else(bad)?;
    let lat = a[1].as_f64().filter(|x| x.is_finite()).ok_or_else(bad)?;
    Ok((lat, lon))
}

fn time(v: &Value, path: &str) -> Result<Timestamp, TrackError> {
    match v {
        Value::String(s) => Timestamp::parse_rfc3339(s)
            .ok_or_else(|| TrackError::in_element(path, format!("{s:?} is not an RFC 3339 time"))),
        Value::Number(n) => n
            .as_i64()
            .map(Timestamp)
            .ok_or_else(|| TrackError::in_element(path, format!("{n} is not a whole number of epoch milliseconds"))),
        _ => Err(TrackError::in_element(path, "expected an RFC 3339 string or epoch milliseconds")),
    }
}

fn optional_number(props: &Map<String, Value>, key: &str, path: &str) -> Result<Option<f64>, TrackError> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| TrackError::in_element(format!("{path}.{key}"), "is not a finite number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn err(text: &str) -> TrackError {
        parse_geojson(text).expect_err("input should be refused")
    }

    #[test]
    fn reads_a_line_with_times() {
        let text = r#"{"type": "Feature", "properties": {"times": ["2026-11-24T18:30:00Z", 1795545010000], "accuracy": 6},
            "geometry": {"type": "LineString", "coordinates": [[-121.9, 37.3], [-121.8, 37.4, 12.0]]}}"#;
        let fixes = parse_geojson(text).unwrap();
        assert_eq!(fixes.len(), 2);
        assert_eq!(
            (fixes[0].at, fixes[0].lat, fixes[0].lon, fixes[0].accuracy_m),
            (t("2026-11-24T18:30:00Z"), 37.3, -121.9, 6.0)
        );
        assert_eq!(fixes[1].at, t("2026-11-24T18:30:10Z"));
    }

    #[test]
    fn reads_togeojson_multilines_and_timed_points() {
        let text = r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"coordTimes": [["2026-11-24T18:30:00Z"], ["2026-11-24T18:31:00Z"]]},
             "geometry": {"type": "MultiLineString", "coordinates": [[[1, 2]], [[1.1, 2.1]]]}},
            {"type": "Feature", "properties": {"time": "2026-11-24T18:29:00Z", "speed": 1.2, "accuracy": 30},
             "geometry": {"type": "Point", "coordinates": [1.2, 2.2]}},
            {"type": "Feature", "properties": null, "geometry": {"type": "Polygon", "coordinates": []}}
        ]}"#;
        let fixes = parse_geojson(text).unwrap();
        assert_eq!(fixes.len(), 3);
        assert_eq!((fixes[0].lat, fixes[0].speed_mps, fixes[0].accuracy_m), (2.2, Some(1.2), 30.0));
        assert_eq!(fixes[2].at, t("2026-11-24T18:31:00Z"));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = err("{\"type\": \"Feature\",\n\"geometry\": [1, 2,,]}");
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.starts_with("not valid JSON"), "{e}");
    }

    #[test]
    fn errors_name_the_element() {
        let line = |props: &str, coords: &str| {
            format!(
                r#"{{"type": "FeatureCollection", "features": [{{"type": "Feature", "properties": {props},
                "geometry": {{"type": "LineString", "coordinates": {coords}}}}}]}}"#
            )
        };
        let e = err(&line("{}", "[[1, 2]]"));
        assert_eq!(e.to_string(), "features[0].properties: a line needs a \"times\" (or \"coordTimes\") property");
        let e = err(&line(r#"{"times": ["2026-11-24T18:30:00Z"]}"#, "[[1, 2], [3, 4]]"));
        assert_eq!(e.to_string(), "features[0].properties.times: has 1 times for 2 positions");
        let e = err(&line(r#"{"times": ["noon", "2026-11-24T18:30:00Z"]}"#, "[[1, 2], [3, 4]]"));
        assert_eq!(e.to_string(), "features[0].properties.times[0]: \"noon\" is not an RFC 3339 time");
        let e = err(&line(r#"{"times": [1, 2]}"#, "[[1, 2], [3]]"));
        assert_eq!(e.element.as_deref(), Some("features[0].geometry.coordinates[1]"));
        let e = err(r#"{"type": "Point", "coordinates": [1, 2]}"#);
        assert!(e.message.contains("needs a \"time\""), "{e}");
        assert!(err(r#"{"type": "FeatureCollection", "features": []}"#).message.starts_with("no timed position"));
        assert!(err(r#"{"type": "Circle"}"#).message.contains("unknown geometry type"));
    }
}
