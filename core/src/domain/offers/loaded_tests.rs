//! Building a [`LoadedCatalog`]: what it keeps of the document, and how
//! fences find their places and offers.

use super::loaded::LoadedCatalog;
use crate::domain::catalog::{parse_document, Trigger};
use crate::domain::time::Timestamp;
use serde_json::json;

fn place(id: &str, lat: f64, hours: serde_json::Value) -> serde_json::Value {
    json!({"id": id, "fence": {"type": "circle", "lat": lat, "lon": -118.25, "radius_m": 100},
           "opening_hours": hours})
}

fn catalog() -> crate::domain::catalog::Catalog {
    let nine_to_five = json!([{"days": ["mon", "tue"], "open": "09:00", "close": "17:00"}]);
    // A chain of 20 places (more than the linear-scan threshold), whose
    // offers name some places, and a shop whose offers apply everywhere.
    let chain_places: Vec<_> = (0..20).map(|i| place(&format!("c{i}"), 34.0 + i as f64 * 0.01, json!([]))).collect();
    let doc = json!({
        "version": 3, "issued_at": "2026-11-20T00:00:00Z", "expires_at": "2027-11-20T00:00:00Z",
        "merchants": [
            {"id": "chain", "name": "Chain", "category": "retail", "time_zone": "America/Los_Angeles",
             "attributes": {"tier": "gold"}, "places": chain_places, "offers": [
                {"id": "every", "title": "10% off", "trigger": {"type": "enter"}, "claim_window_minutes": 60},
                {"id": "two", "title": "10% off", "body": "Two shops only", "trigger": {"type": "dwell", "minutes": 5},
                 "claim_window_minutes": 60, "places": ["c19", "c3"], "priority": 2},
                {"id": "near", "title": "Nearby", "trigger": {"type": "nearby", "radius_m": 250},
                 "claim_window_minutes": 30, "places": ["c3"], "schedule": {"valid_until": "2027-01-01T00:00:00Z"}}
            ]},
            {"id": "shop", "name": "Shop", "category": "food", "time_zone": "Europe/Paris",
             "places": [place("s0", 35.0, nine_to_five.clone()), place("s1", 35.01, nine_to_five)],
             "offers": [
                {"id": "s-a", "title": "A", "trigger": {"type": "exit"}, "claim_window_minutes": 10,
                 "attributes": {"new": true}},
                {"id": "s-b", "title": "B", "trigger": {"type": "enter"}, "claim_window_minutes": 10}
            ]}
        ]
    });
    parse_document(&serde_json::to_vec(&doc).unwrap()).unwrap()
}

fn ids_at(cat: &LoadedCatalog, fence: u32) -> Vec<&str> {
    cat.offers_at(fence).map(|(_, _, o)| o.id()).collect()
}

#[test]
fn fences_find_their_place_merchant_and_offers_in_order() {
    let ids: Vec<u32> = (100..122).collect();
    let cat = LoadedCatalog::build(&catalog(), &ids).unwrap();
    assert_eq!((cat.version, cat.merchant_count(), cat.offer_count(), cat.index.len()), (3, 2, 5, 22));
    assert_eq!(ids_at(&cat, 100), ["every"]);
    assert_eq!(ids_at(&cat, 103), ["every", "two", "near"]);
    assert_eq!(ids_at(&cat, 119), ["every", "two"]);
    assert_eq!(ids_at(&cat, 120), ["s-a", "s-b"]);
    assert_eq!(ids_at(&cat, 121), ["s-a", "s-b"]);
    assert!(cat.place(99).is_none() && cat.place(122).is_none());

    let p = cat.place(103).unwrap();
    assert_eq!((p.id(), p.fence(), p.dwell_ms(), p.nearby_m()), ("c3", 103, Some(300_000), Some(250.0)));
    assert_eq!((cat.dwell_ms(100), cat.nearby_m(100), cat.max_nearby_m), (None, None, 250.0));
    assert_eq!(p.region(), (34.03, -118.25, 100.0));
    let m = p.merchant();
    assert_eq!((m.id(), m.name(), m.category()), ("chain", "Chain", "retail"));
    assert_eq!(m.attributes().len(), 1);

    let (_, _, two) = cat.offers_at(103).nth(1).unwrap();
    assert_eq!((two.title(), two.body(), two.priority()), ("10% off", "Two shops only", 2));
    assert_eq!(*two.trigger(), Trigger::Dwell { minutes: 5 });
    let (_, _, near) = cat.offers_at(103).nth(2).unwrap();
    let until = Timestamp::parse_rfc3339("2027-01-01T00:00:00Z").unwrap();
    assert_eq!(near.schedule().valid_until, Some(until));
    let near_place = cat.place(103).unwrap();
    assert_eq!(near.claim_deadline(until.plus_millis(-60_000), near_place), until);

    let shop = cat.place(121).unwrap();
    assert_eq!(shop.merchant().time_zone(), chrono_tz::Europe::Paris);
    assert_eq!(shop.opening_hours().len(), 1);
    let (_, _, a) = cat.offers_at(121).next().unwrap();
    assert_eq!((a.attributes().len(), a.subject().merchant_id), (1, "shop"));
    // Open Monday 09:00-17:00 in Paris.
    let monday_noon = Timestamp::parse_rfc3339("2026-11-23T12:00:00+01:00").unwrap();
    assert!(a.is_scheduled(monday_noon, shop));
    assert!(!a.is_scheduled(monday_noon.plus_millis(6 * 3_600_000), shop));
}

#[test]
fn sparse_fence_ids_are_found_too() {
    let ids: Vec<u32> = (0..22).map(|i| 1 + i * 1_000_000).collect();
    let cat = LoadedCatalog::build(&catalog(), &ids).unwrap();
    assert_eq!(ids_at(&cat, 3_000_001), ["every", "two", "near"]);
    assert_eq!(cat.place(21_000_001).unwrap().id(), "s1");
    assert!(cat.place(2).is_none() && cat.place(0).is_none());
}

#[test]
fn shares_defaults_and_repeated_hours() {
    let ids: Vec<u32> = (1..=22).collect();
    let cat = LoadedCatalog::build(&catalog(), &ids).unwrap();
    // One non-default schedule, one pair of attribute maps, one run of
    // opening hours for the two shop places.
    assert_eq!((cat.schedules.len(), cat.rules.len(), cat.attributes.len()), (2, 1, 3));
    assert_eq!(cat.opening_hours.len(), 1);
    assert!(cat.heap_bytes() > cat.index.heap_bytes());
}
