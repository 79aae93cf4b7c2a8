//! Every limit on a place's fence has one answer. A catalog that validates
//! (`parse_document`, which the signing tool, the publisher and
//! `kairos-sim validate` all run) is one the engine loads and indexes; one
//! that does not is refused by the engine too, naming the place by its id
//! and its path in the document.

mod offer_common;

use kairos_core::catalog::{parse_document, CatalogError};
use kairos_core::fences::{FenceIndex, FenceShape};
use kairos_core::geo::LocalFrame;
use kairos_core::policy::*;
use offer_common::*;
use serde_json::{json, Value};
use std::path::PathBuf;

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(repo_file(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Where the city-wide place sits in [`doc_with`]'s document.
const PLACE_PATH: &str = "merchants[1].places[1]";

/// Centre of the city-wide fences.
const CITY: (f64, f64) = (34.05, -118.25);

/// A catalog with a café, and a merchant with a shop and a place
/// `city-wide` whose fence is `fence`.
fn doc_with(fence: &FenceShape) -> Value {
    let city = json!({
        "id": "city", "name": "City", "category": "fashion", "time_zone": TZ,
        "places": [shop_place("city-shop", 500.0), {"id": "city-wide", "fence": fence}],
        "offers": [offer("promo", json!({}))]
    });
    catalog(3, vec![merchant("cafe", 0.0, vec![offer("o1", json!({}))]), city])
}

fn circle(radius_m: f64) -> FenceShape {
    FenceShape::Circle { lat: CITY.0, lon: CITY.1, radius_m }
}

/// A ring of `n` vertices `r` metres around `(lat, lon)`.
fn ring(lat: f64, lon: f64, r: f64, n: usize) -> Vec<[f64; 2]> {
    let frame = LocalFrame::new(lat, lon);
    (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            let (lat, lon) = frame.to_lat_lon(r * a.sin(), r * a.cos());
            [lat, lon]
        })
        .collect()
}

fn polygon(exterior: Vec<[f64; 2]>, holes: Vec<Vec<[f64; 2]>>) -> FenceShape {
    FenceShape::Polygon { exterior, holes }
}

/// The document error `parse_document` gives, as `(path, reason)`.
fn refusal(doc: &Value) -> (String, String) {
    match parse_document(&serde_json::to_vec(doc).unwrap()) {
        Err(CatalogError::InvalidDocument { path, reason }) => (path, reason),
        other => panic!("expected an invalid document, got {other:?}"),
    }
}

#[test]
fn a_city_wide_30_km_circle_validates_and_loads_on_the_engine() {
    let doc = doc_with(&circle(30_000.0));
    let parsed = parse_document(&serde_json::to_vec(&doc).unwrap());
    assert!(parsed.is_ok(), "{parsed:?}");

    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let engine = engine_with(dir.path(), &key);
    let info = engine.load_catalog(&signed(&doc, &key), t("2026-11-24T10:00:00-08:00"));
    assert!(info.is_ok(), "{info:?}");
    assert_eq!(info.unwrap().fences, 3);
    // The fence is indexed whole: 29 km north of the centre is inside it.
    let index = FenceIndex::build([(1, circle(30_000.0))]).unwrap();
    let (lat, lon) = LocalFrame::new(CITY.0, CITY.1).to_lat_lon(0.0, 29_000.0);
    assert!(index.hit(1, lat, lon).unwrap().distance_m < -900.0);
}

#[test]
fn a_circle_over_the_limit_is_refused_by_validation_and_the_engine_naming_the_place() {
    let doc = doc_with(&circle(30_001.0));
    let (path, reason) = refusal(&doc);
    assert_eq!(path, format!("{PLACE_PATH}.fence.radius_m"));
    assert!(reason.contains("place \"city-wide\""), "{reason}");
    assert!(reason.contains("30001"), "{reason}");

    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let engine = engine_with(dir.path(), &key);
    let e = engine.load_catalog(&signed(&doc, &key), t("2026-11-24T10:00:00-08:00")).unwrap_err().to_string();
    assert!(e.contains(PLACE_PATH) && e.contains("city-wide"), "{e}");
    assert!(engine.catalog_info().is_none());
}

#[test]
fn a_polygon_beyond_the_latitude_band_is_refused_naming_the_place_and_the_vertex() {
    let mut exterior = ring(79.99, 20.0, 300.0, 8);
    exterior[5][0] = 80.01;
    let (path, reason) = refusal(&doc_with(&polygon(exterior, vec![])));
    assert_eq!(path, format!("{PLACE_PATH}.fence.exterior[5]"));
    assert!(reason.contains("place \"city-wide\"") && reason.contains("latitude 80.01"), "{reason}");
}

/// For shapes on either side of each limit, validation accepts exactly
/// what the fence index accepts.
#[test]
fn validation_and_the_fence_index_give_the_same_answer_for_every_shape() {
    let (lat, lon) = CITY;
    let small = |n| ring(lat, lon, 200.0, n);
    // Holes of about 5 m inside a ring of 200 m.
    let holes = |n: usize| -> Vec<Vec<[f64; 2]>> {
        (0..n).map(|k| ring(lat + (k / 8) as f64 * 2e-4 - 6e-4, lon + (k % 8) as f64 * 2e-4 - 7e-4, 5.0, 4)).collect()
    };
    let cases: Vec<(&str, FenceShape, bool)> = vec![
        ("1 m circle", circle(1.0), true),
        ("0.5 m circle", circle(0.5), false),
        ("20 km circle", circle(20_000.0), true),
        ("30 km circle", circle(30_000.0), true),
        ("30 km + 1 m circle", circle(30_001.0), false),
        ("the limit", circle(FENCE_MAX_CIRCLE_RADIUS_M), true),
        ("45 km circle", circle(45_000.0), false),
        ("polygon near 80°", polygon(ring(79.9, lon, 300.0, 8), vec![]), true),
        ("polygon beyond 80°", polygon(ring(80.05, lon, 300.0, 8), vec![]), false),
        ("polygon beyond -80°", polygon(ring(-80.05, lon, 300.0, 8), vec![]), false),
        ("1000 vertices", polygon(small(1_000), vec![]), true),
        ("1001 vertices", polygon(small(1_001), vec![]), false),
        ("32 holes", polygon(small(64), holes(32)), true),
        ("33 holes", polygon(small(64), holes(33)), false),
        ("18 km polygon", polygon(ring(lat, lon, 18_000.0, 64), vec![]), true),
        ("25 km polygon", polygon(ring(lat, lon, 25_000.0, 64), vec![]), false),
        ("collinear polygon", polygon(vec![[lat, lon], [lat + 1e-3, lon], [lat + 2e-3, lon]], vec![]), false),
    ];
    for (name, shape, valid) in cases {
        let validated = parse_document(&serde_json::to_vec(&doc_with(&shape)).unwrap());
        let indexed = FenceIndex::build([(7, shape)]);
        assert_eq!(validated.is_ok(), valid, "{name}: validation gives {validated:?}");
        assert_eq!(indexed.is_ok(), valid, "{name}: the index gives {indexed:?}");
        if let Err(CatalogError::InvalidDocument { path, reason }) = validated {
            assert!(path.starts_with(PLACE_PATH) && reason.contains("city-wide"), "{name}: {path}: {reason}");
        }
    }
}

/// The checked-in fixture `tests/catalogs/city-wide.json` (the same file the
/// signing tool's and `kairos-sim validate`'s tests use) loads on the
/// engine; one metre more is refused with the place's id and path.
#[test]
fn the_city_wide_fixture_loads_and_one_metre_more_is_refused_everywhere() {
    let mut doc: Value = serde_json::from_slice(&read("tests/catalogs/city-wide.json")).unwrap();
    assert_eq!(doc["merchants"][0]["places"][1]["fence"]["radius_m"], json!(30_000));
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let engine = engine_with(dir.path(), &key);
    let now = t("2026-11-24T10:00:00-08:00");
    assert_eq!(engine.load_catalog(&signed(&doc, &key), now).unwrap().fences, 2);

    doc["merchants"][0]["places"][1]["fence"]["radius_m"] = json!(30_001);
    let (path, reason) = refusal(&doc);
    assert_eq!(path, "merchants[0].places[1].fence.radius_m");
    assert_eq!(reason, "place \"valley-outfitters-city-wide\": circle radius 30001 m is outside 1..=30000 m");
    let e = engine.load_catalog(&signed(&doc, &key), now).unwrap_err().to_string();
    assert!(e.contains(&format!("{path}: {reason}")), "{e}");
    // The catalog in force stays.
    assert_eq!(engine.catalog_info().unwrap().fences, 2);
}

/// Every number the JSON Schema states is the policy constant the engine
/// checks.
#[test]
fn the_schema_states_the_policy_limits() {
    let schema: Value = serde_json::from_slice(&read("docs/catalog.schema.json")).unwrap();
    let at = |pointer: &str| -> f64 {
        schema.pointer(pointer).and_then(Value::as_f64).unwrap_or_else(|| panic!("{pointer} is not in the schema"))
    };
    let limits: &[(&str, f64)] = &[
        ("/properties/merchants/maxItems", MAX_CATALOG_MERCHANTS as f64),
        ("/$defs/id/maxLength", MAX_CATALOG_ID_BYTES as f64),
        ("/$defs/short_text/maxLength", MAX_CATALOG_SHORT_TEXT_BYTES as f64),
        ("/$defs/attribute_value/maxLength", MAX_CATALOG_SHORT_TEXT_BYTES as f64),
        ("/$defs/attributes/maxProperties", MAX_ATTRIBUTES as f64),
        ("/$defs/merchant/properties/places/maxItems", MAX_PLACES_PER_MERCHANT as f64),
        ("/$defs/merchant/properties/offers/maxItems", MAX_OFFERS_PER_MERCHANT as f64),
        ("/$defs/place/properties/opening_hours/maxItems", MAX_OPENING_HOURS_RULES as f64),
        ("/$defs/fence/oneOf/0/properties/radius_m/minimum", FENCE_MIN_RADIUS_M),
        ("/$defs/fence/oneOf/0/properties/radius_m/maximum", FENCE_MAX_CIRCLE_RADIUS_M),
        ("/$defs/fence/oneOf/1/properties/holes/maxItems", FENCE_MAX_POLYGON_HOLES as f64),
        ("/$defs/ring/maxItems", FENCE_MAX_RING_VERTICES as f64),
        ("/$defs/polygon_latitude/minimum", -FENCE_POLYGON_MAX_ABS_LAT),
        ("/$defs/polygon_latitude/maximum", FENCE_POLYGON_MAX_ABS_LAT),
        ("/$defs/offer/properties/body/maxLength", MAX_OFFER_BODY_BYTES as f64),
        ("/$defs/offer/properties/claim_window_minutes/maximum", MAX_CLAIM_WINDOW_MINUTES as f64),
        ("/$defs/trigger/oneOf/2/properties/minutes/maximum", MAX_DWELL_MINUTES as f64),
        ("/$defs/trigger/oneOf/3/properties/radius_m/maximum", MAX_NEARBY_RADIUS_M),
        ("/$defs/schedule/properties/hours/maxItems", MAX_SCHEDULE_WINDOWS as f64),
        ("/$defs/rule/properties/visits/properties/within_days/maximum", MAX_RULE_WITHIN_DAYS as f64),
    ];
    for &(pointer, limit) in limits {
        assert_eq!(at(pointer), limit, "{pointer}");
    }
    // The schema refuses what validation refuses, at the circle's limit.
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    assert!(validator.is_valid(&doc_with(&circle(FENCE_MAX_CIRCLE_RADIUS_M))));
    assert!(!validator.is_valid(&doc_with(&circle(FENCE_MAX_CIRCLE_RADIUS_M + 1.0))));
    let polar = polygon(ring(80.05, 0.0, 300.0, 8), vec![]);
    assert!(!validator.is_valid(&doc_with(&polar)));
    let mut control = doc_with(&circle(100.0));
    control["merchants"][0]["id"] = json!("caf\u{7}e");
    assert!(!validator.is_valid(&control));
}

/// The limits table of `docs/catalog.md` quotes the policy constants.
#[test]
fn the_catalog_doc_quotes_the_policy_limits() {
    let doc = String::from_utf8(read("docs/catalog.md")).unwrap();
    let n = |v: usize| {
        let s = v.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(' ');
            }
            out.push(c);
        }
        out
    };
    let rows = [
        format!("| document | {} MiB |", MAX_CATALOG_DOCUMENT_BYTES / (1024 * 1024)),
        format!("| merchants | {} |", n(MAX_CATALOG_MERCHANTS)),
        format!("| places | {} in all, {} per merchant |", n(MAX_CATALOG_PLACES), n(MAX_PLACES_PER_MERCHANT)),
        format!("| offers | {} in all, {} per merchant |", n(MAX_CATALOG_OFFERS), n(MAX_OFFERS_PER_MERCHANT)),
        format!(
            "| polygon | {} vertices per ring, {} holes, latitudes within ±{}°, within {} m of its centre |",
            n(FENCE_MAX_RING_VERTICES),
            FENCE_MAX_POLYGON_HOLES,
            FENCE_POLYGON_MAX_ABS_LAT,
            n(FENCE_MAX_POLYGON_RADIUS_M as usize)
        ),
        format!("| circle radius | {} to {} m |", FENCE_MIN_RADIUS_M, n(FENCE_MAX_CIRCLE_RADIUS_M as usize)),
        format!("| nearby radius | 1 to {} m |", n(MAX_NEARBY_RADIUS_M as usize)),
        format!("| id / attribute name | {} bytes, no control character |", MAX_CATALOG_ID_BYTES),
        format!("| body | {} bytes |", n(MAX_OFFER_BODY_BYTES)),
    ];
    for row in rows {
        assert!(doc.contains(&row), "docs/catalog.md lacks the row {row:?}");
    }
}
