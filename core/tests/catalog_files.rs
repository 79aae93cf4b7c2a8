//! The checked-in catalog files: the example document, its signed envelope
//! and test key, and the JSON Schema, against the parser and each other.

use chrono_tz::Tz;
use kairos_core::catalog::{
    keypair_from_pkcs8, parse_document, public_key_base64, verify_and_parse, with_friends_visited, Catalog,
    CatalogError, CatalogKeys, Scope, SignedEnvelope, TargetingContext, Trigger,
};
use kairos_core::time::Timestamp;
use serde_json::{json, Value};
use std::path::PathBuf;

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(repo_file(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn example() -> Catalog {
    parse_document(&read("tests/catalogs/example.json")).unwrap_or_else(|e| panic!("example.json: {e}"))
}

/// The shopper of the canonical day at 10:32: never been to the boutique.
struct CanonicalShopper;

impl TargetingContext for CanonicalShopper {
    fn now(&self) -> Timestamp {
        at("2026-11-24T10:32:00-08:00")
    }
    fn device_tz(&self) -> Tz {
        chrono_tz::America::Los_Angeles
    }
    fn visits(&self, _: &Scope, _: u32) -> u32 {
        0
    }
    fn routine_overdue_days(&self, scope: &Scope) -> Option<f64> {
        (scope == &Scope::Category("grocery".into())).then_some(2.0)
    }
    fn steps_today(&self) -> u64 {
        1_430
    }
    fn speed_mps(&self) -> Option<f64> {
        Some(1.3)
    }
}

#[test]
fn example_parses_validates_and_fits_the_canonical_day() {
    let catalog = example();
    assert_eq!(catalog.merchants.len(), 3);
    let boutique = catalog.merchant("maison-lumiere").unwrap();
    let offer = &boutique.offers[0];
    let place = &boutique.places[0];
    assert_eq!(offer.trigger, Trigger::Enter);
    assert_eq!(offer.claim_window_minutes, 180);
    assert!(offer.schedule.during_opening_hours);
    // At 10:32 the boutique is open, the offer is scheduled and targets the
    // shopper; it is claimable for the next 3 hours.
    let now = CanonicalShopper.now();
    assert!(offer.is_scheduled(now, boutique.time_zone, place));
    assert!(offer.targeting.eval(&CanonicalShopper, boutique, offer));
    assert_eq!(offer.claim_deadline(now), at("2026-11-24T13:32:00-08:00"));
    // Not before the store opens.
    assert!(!offer.is_scheduled(at("2026-11-24T09:45:00-08:00"), boutique.time_zone, place));

    let food = catalog.merchant("valley-food-court").unwrap();
    let lunch = &food.offers[0];
    assert!(lunch.is_scheduled(now.plus_millis(60_000), food.time_zone, &food.places[0]));
    assert!(lunch.targeting.eval(&CanonicalShopper, food, lunch));

    let grocer = catalog.merchant("fresh-market").unwrap();
    assert_eq!(grocer.offers[0].trigger, Trigger::Dwell { minutes: 5 });
    assert!(grocer.offers[0].targeting.eval(&CanonicalShopper, grocer, &grocer.offers[0]));
}

/// The boutique's social proof comes from the shopper's own friends (the
/// `{friends_visited}` placeholder, with its fallback), never from a catalog
/// constant the same for every shopper (issue 16).
#[test]
fn example_takes_friends_from_the_placeholder_with_a_fallback_never_a_constant() {
    let document: Value = serde_json::from_slice(&read("tests/catalogs/example.json")).unwrap();
    let text = document.to_string();
    assert!(!text.contains("\"friends_visited\":"), "no merchant or offer attribute friends_visited left");
    assert!(!text.contains("Three of your friends"), "no constant count in a text");
    let catalog = example();
    let offer = &catalog.merchant("maison-lumiere").unwrap().offers[0];
    let fallback = offer.fallback_text.as_ref().and_then(|f| f.body.as_deref());
    assert_eq!(
        with_friends_visited(&offer.body, fallback, Some(3)),
        "Show this offer at the till for 20% off any full-price item. 3 of your friends shopped here recently."
    );
    assert_eq!(
        with_friends_visited(&offer.body, fallback, None),
        "Show this offer at the till for 20% off any full-price item.",
        "without a friends count: the fallback"
    );
    assert!(offer.targeting.eval(&CanonicalShopper, catalog.merchant("maison-lumiere").unwrap(), offer));
}

#[test]
fn signed_example_verifies_with_the_test_key_and_matches_example_json() {
    let pair = keypair_from_pkcs8(&read("tests/catalogs/test-key.pk8")).unwrap();
    let public = String::from_utf8(read("tests/catalogs/test-key.pub")).unwrap();
    assert_eq!(public.trim(), public_key_base64(&pair), "test-key.pub is not the public half of test-key.pk8");
    let mut keys = CatalogKeys::new();
    keys.insert_base64("test-key", &public).unwrap();

    let envelope_bytes = read("tests/catalogs/example.signed.json");
    let catalog = verify_and_parse(&envelope_bytes, &keys, at("2026-11-24T10:32:00-08:00")).unwrap();
    assert_eq!(catalog, example());
    // The envelope carries example.json byte for byte: re-sign after editing
    // it (see docs/catalog.md, "Test key").
    let envelope: SignedEnvelope = serde_json::from_slice(&envelope_bytes).unwrap();
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::STANDARD.decode(envelope.payload).unwrap();
    assert!(payload == read("tests/catalogs/example.json"), "example.signed.json is stale; re-sign example.json");
    // And it is refused once expired.
    assert!(matches!(
        verify_and_parse(&envelope_bytes, &keys, at("2027-02-20T08:00:00Z")),
        Err(CatalogError::Expired { .. })
    ));
}

fn schema() -> Value {
    serde_json::from_slice(&read("docs/catalog.schema.json")).expect("the schema is JSON")
}

fn schema_validator() -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema())
        .expect("the schema is a valid draft 2020-12 schema")
}

#[test]
fn schema_lists_every_top_level_field() {
    let schema = schema();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let example_json: Value = serde_json::from_slice(&read("tests/catalogs/example.json")).unwrap();
    let mut document_fields: Vec<_> =
        serde_json::to_value(example()).unwrap().as_object().unwrap().keys().cloned().collect();
    let mut schema_fields: Vec<_> = schema["properties"].as_object().unwrap().keys().cloned().collect();
    document_fields.sort();
    schema_fields.sort();
    assert_eq!(schema_fields, document_fields);
    assert_eq!(schema["required"], json!(["version", "issued_at", "expires_at", "merchants"]));
    assert!(example_json.as_object().unwrap().keys().all(|k| schema_fields.contains(k)));
}

#[test]
fn example_validates_against_the_schema() {
    let validator = schema_validator();
    let example: Value = serde_json::from_slice(&read("tests/catalogs/example.json")).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(&example).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// A change made to a copy of the example document.
type Edit = Box<dyn Fn(&mut Value)>;

/// Edits of the example that both the schema and the parser must refuse.
#[test]
fn schema_and_parser_refuse_the_same_bad_documents() {
    let validator = schema_validator();
    let base: Value = serde_json::from_slice(&read("tests/catalogs/example.json")).unwrap();
    let cases: Vec<(&str, Edit)> = vec![
        ("missing version", Box::new(|d| drop(d.as_object_mut().unwrap().remove("version")))),
        ("bad time", Box::new(|d| d["merchants"][0]["places"][0]["opening_hours"][0]["close"] = json!("25:00"))),
        ("24:00 open", Box::new(|d| d["merchants"][0]["places"][0]["opening_hours"][0]["open"] = json!("24:00"))),
        ("bad day", Box::new(|d| d["merchants"][1]["offers"][0]["schedule"]["days"] = json!(["monday"]))),
        ("no days", Box::new(|d| d["merchants"][1]["offers"][0]["schedule"]["days"] = json!([]))),
        ("unknown trigger", Box::new(|d| d["merchants"][0]["offers"][0]["trigger"] = json!({"type": "wave"}))),
        ("dwell 0", Box::new(|d| d["merchants"][2]["offers"][0]["trigger"]["minutes"] = json!(0))),
        ("claim 0", Box::new(|d| d["merchants"][0]["offers"][0]["claim_window_minutes"] = json!(0))),
        ("holdout 101", Box::new(|d| d["merchants"][0]["offers"][0]["holdout_percent"] = json!(101))),
        ("radius 0", Box::new(|d| d["merchants"][2]["places"][0]["fence"]["radius_m"] = json!(0))),
        ("two-point ring", Box::new(|d| d["merchants"][0]["places"][0]["fence"]["exterior"] = json!([[1, 1], [2, 2]]))),
        ("latitude 91", Box::new(|d| d["merchants"][2]["places"][0]["fence"]["lat"] = json!(91))),
        ("self id", Box::new(|d| d["merchants"][2]["id"] = json!("self"))),
        (
            "two-key rule",
            Box::new(|d| {
                d["merchants"][0]["offers"][0]["targeting"] =
                    json!({"steps_today": {"min": 1}, "speed": {"max_mps": 1}})
            }),
        ),
        (
            "two scopes",
            Box::new(|d| {
                d["merchants"][0]["offers"][0]["targeting"] =
                    json!({"visits": {"merchant": "self", "category": "food", "within_days": 3, "max": 0}})
            }),
        ),
        (
            "unbounded visits",
            Box::new(|d| {
                d["merchants"][0]["offers"][0]["targeting"] = json!({"visits": {"merchant": "self", "within_days": 3}})
            }),
        ),
        (
            "ordered boolean",
            Box::new(|d| {
                d["merchants"][0]["offers"][0]["targeting"] =
                    json!({"attribute": {"name": "loyalty_program", "op": ">", "value": true}})
            }),
        ),
        ("empty any", Box::new(|d| d["merchants"][0]["offers"][0]["targeting"] = json!({"any": []}))),
        ("bad date", Box::new(|d| d["expires_at"] = json!("next year"))),
    ];
    for (name, edit) in &cases {
        let mut doc = base.clone();
        edit(&mut doc);
        assert!(!validator.is_valid(&doc), "{name}: the schema accepts it");
        let parsed = parse_document(&serde_json::to_vec(&doc).unwrap());
        assert!(matches!(parsed, Err(CatalogError::InvalidDocument { .. })), "{name}: the parser gives {parsed:?}");
    }
    // And edits both accept: unknown fields, omitted optional fields.
    let mut doc = base.clone();
    doc["generator"] = json!("catalog-builder 3.1");
    doc["merchants"][0]["offers"][0]["ab_bucket"] = json!("b");
    for field in ["body", "schedule", "targeting", "caps", "priority", "holdout_percent", "places", "attributes"] {
        doc["merchants"][0]["offers"][0].as_object_mut().unwrap().remove(field);
    }
    assert!(validator.is_valid(&doc));
    assert!(parse_document(&serde_json::to_vec(&doc).unwrap()).is_ok());
}
