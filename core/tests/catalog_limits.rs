//! Every limit on a place's fence has one answer. A catalog that validates
//! (`parse_document`, which the signing tool, the publisher and
//! `kairos-sim validate` all run) is one the engine loads and indexes; one
//! that does not is refused by the engine too, naming the place by its id
//! and its path in the document.

mod offer_common;

use kairos_core::catalog::{parse_document, CatalogError};
use kairos_core::fences::{FenceIndex, FenceShape};
use kairos_core::geo::LocalFrame;
use offer_common::*;
use serde_json::{json, Value};

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
