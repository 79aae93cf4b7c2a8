//! Invalid documents, each refused with the path of the offending value.

use super::test_fixtures::*;
use super::*;
use serde_json::{json, Value};

#[test]
fn duplicate_ids() {
    let e = document_error(&edit(|d| d["merchants"][1]["id"] = json!("boutique")));
    assert_eq!(e, "merchants[1].id: duplicate merchant id \"boutique\"");
    let e = document_error(&edit(|d| d["merchants"][1]["places"][0]["id"] = json!("boutique-mall")));
    assert_eq!(e, "merchants[1].places[0].id: duplicate place id \"boutique-mall\"");
    let e = document_error(&edit(|d| {
        let offer = d["merchants"][0]["offers"][0].clone();
        d["merchants"][1]["offers"] = json!([offer]);
    }));
    assert_eq!(e, "merchants[1].offers[0].id: duplicate offer id \"o1\"");
}

#[test]
fn bad_polygon() {
    let e = document_error(&edit(|d| {
        d["merchants"][0]["places"][0]["fence"]["exterior"] = json!([[37.0, -122.0], [37.0, -121.9], [37.0, -122.0]]);
    }));
    assert_eq!(
        e,
        "merchants[0].places[0].fence.exterior: place \"boutique-mall\": 2 distinct vertices, at least 3 are needed"
    );
    let e = document_error(&edit(|d| d["merchants"][0]["places"][0]["fence"]["exterior"][2] = json!([95.0, 0.0])));
    assert_eq!(
        e,
        "merchants[0].places[0].fence.exterior[2]: place \"boutique-mall\": coordinate (95, 0) is not a latitude in \
         -90..=90 and a longitude in -180..=180"
    );
    let e = document_error(&edit(|d| d["merchants"][1]["places"][0]["fence"]["radius_m"] = json!(60_000)));
    assert_eq!(
        e,
        "merchants[1].places[0].fence.radius_m: place \"grocer-1\": circle radius 60000 m is outside 1..=30000 m"
    );
    let e = document_error(&edit(|d| d["merchants"][1]["places"][0]["fence"]["type"] = json!("square")));
    assert!(e.starts_with("merchants[1].places[0].fence.type: unknown variant `square`"), "{e}");
}

#[test]
fn bad_time_zone() {
    let e = document_error(&edit(|d| d["merchants"][1]["time_zone"] = json!("Mars/Olympus_Mons")));
    assert!(e.starts_with("merchants[1].time_zone: \"Mars/Olympus_Mons\" is not an IANA time zone"), "{e}");
}

#[test]
fn bad_time() {
    let e = document_error(&edit(|d| d["merchants"][0]["offers"][0]["schedule"]["hours"][1]["end"] = json!("25:00")));
    assert!(
        e.starts_with("merchants[0].offers[0].schedule.hours[1].end: \"25:00\" is not a time (expected HH:MM"),
        "{e}"
    );
    let e = document_error(&edit(|d| d["merchants"][0]["places"][0]["opening_hours"][0]["open"] = json!("24:00")));
    assert_eq!(
        e,
        "merchants[0].places[0].opening_hours[0]: place \"boutique-mall\": open 24:00 is only allowed as close"
    );
    let e = document_error(&edit(|d| d["issued_at"] = json!("2026-11-20 00:00")));
    assert!(e.starts_with("issued_at: \"2026-11-20 00:00\" is not an RFC 3339 date-time"), "{e}");
}

#[test]
fn other_document_rules() {
    let offer = |f: &dyn Fn(&mut Value)| document_error(&edit(|d| f(&mut d["merchants"][0]["offers"][0])));
    let e = offer(&|o| o["places"] = json!(["grocer-1"]));
    assert_eq!(e, "merchants[0].offers[0].places[0]: \"grocer-1\" is not a place of merchant \"boutique\"");
    let e = offer(&|o| o["trigger"] = json!({"type": "dwell", "minutes": 0}));
    assert_eq!(e, "merchants[0].offers[0].trigger.minutes: dwell of 0 minutes is outside 1..=1440");
    let e = offer(&|o| o["claim_window_minutes"] = json!(0));
    assert_eq!(e, "merchants[0].offers[0].claim_window_minutes: 0 is outside 1..=43200");
    let e = offer(&|o| o["holdout_percent"] = json!(100.5));
    assert_eq!(e, "merchants[0].offers[0].holdout_percent: 100.5 is outside 0..=100");
    let e = offer(&|o| o["targeting"] = json!({"all": [{"visits": {"merchant": "nobody", "within_days": 3}}]}));
    assert_eq!(
        e,
        "merchants[0].offers[0].targeting.all[0].visits.merchant: \"nobody\" is not a merchant of this catalog"
    );
    let e = offer(&|o| o["targeting"] = json!({"not": {"steps_today": {"min": 9, "max": 3}}}));
    assert_eq!(e, "merchants[0].offers[0].targeting.not.steps_today: min 9 is greater than max 3");
    let e = offer(&|o| o["targeting"] = json!({"weather": "sunny"}));
    assert!(e.starts_with("merchants[0].offers[0].targeting: unknown variant `weather`"), "{e}");
    let e = offer(&|o| o["schedule"]["days"] = json!([]));
    assert_eq!(e, "merchants[0].offers[0].schedule.days: an empty list of days never matches");
    let e = document_error(&edit(|d| d["expires_at"] = json!("2026-11-19T00:00:00Z")));
    assert_eq!(e, "expires_at: 2026-11-19T00:00:00Z is not after issued_at 2026-11-20T00:00:00Z");
    let e = document_error(&edit(|d| d["merchants"][1]["id"] = json!("self")));
    assert!(e.starts_with("merchants[1].id: \"self\" is reserved"), "{e}");
    let e = document_error(&json!("a catalog"));
    assert!(e.starts_with("(document): invalid type: string \"a catalog\""), "{e}");
}

#[test]
fn unknown_fields_are_ignored() {
    let s = signer();
    let doc = edit(|d| {
        d["future_field"] = json!({"anything": [1, 2]});
        d["merchants"][0]["logo_url"] = json!("https://example.com/logo.png");
        d["merchants"][0]["offers"][0]["trigger"]["debounce_s"] = json!(5);
        d["merchants"][0]["places"][0]["fence"]["label"] = json!("main entrance");
    });
    let with_extras = s.verify(&s.envelope(&doc)).unwrap();
    assert_eq!(with_extras, s.verify(&s.envelope(&base_document())).unwrap());
}

#[test]
fn size_and_nesting_limits() {
    let big = vec![b' '; crate::policy::MAX_CATALOG_DOCUMENT_BYTES + 1];
    assert!(matches!(parse_document(&big), Err(CatalogError::TooLarge { what: "document", .. })));
    let mut deep = json!({"steps_today": {"min": 1}});
    for _ in 0..crate::policy::MAX_RULE_DEPTH {
        deep = json!({ "not": deep });
    }
    let e = document_error(&edit(|d| d["merchants"][0]["offers"][0]["targeting"] = deep.clone()));
    let expected = format!(
        "merchants[0].offers[0].targeting{}: rules nest deeper than 16 levels",
        ".not".repeat(crate::policy::MAX_RULE_DEPTH)
    );
    assert_eq!(e, expected);
    // One level less is fine.
    let ok = deep["not"].clone();
    let s = signer();
    assert!(s.verify(&s.envelope(&edit(|d| d["merchants"][0]["offers"][0]["targeting"] = ok))).is_ok());
    let wide = json!({"any": (0..=crate::policy::MAX_RULE_NODES).map(|_| json!({"days_of_week": ["mon"]})).collect::<Vec<_>>()});
    let e = document_error(&edit(|d| d["merchants"][0]["offers"][0]["targeting"] = wide));
    assert!(e.ends_with(&format!("the rule has more than {} parts", crate::policy::MAX_RULE_NODES)), "{e}");
}

#[test]
fn places_named_by_offers_of_small_and_large_merchants() {
    // Up to 16 places a merchant's places are scanned, beyond that mapped;
    // an offer naming more than 16 places marks them by position.
    for n in [3, 40] {
        let places: Vec<Value> = (0..n)
            .map(|i| json!({"id": format!("g{i}"), "fence": {"type": "circle", "lat": 37.0, "lon": -122.0, "radius_m": 50}}))
            .collect();
        let many: Vec<String> = (0..n).map(|i| format!("g{i}")).collect();
        let grocer = |offer: Value| {
            edit(|d| {
                d["merchants"][1]["places"] = json!(places);
                d["merchants"][1]["offers"] = json!([offer]);
            })
        };
        let offer = |names: Value| json!({"id": "g-o", "title": "t", "trigger": {"type": "enter"}, "claim_window_minutes": 5, "places": names});
        let s = signer();
        assert!(s.verify(&s.envelope(&grocer(offer(json!(many))))).is_ok(), "{n} places");
        let mut twice = many.clone();
        twice.push("g1".into());
        let e = document_error(&grocer(offer(json!(twice))));
        assert_eq!(e, format!("merchants[1].offers[0].places[{n}]: place \"g1\" is listed twice"));
        let e = document_error(&grocer(offer(json!(["g0", "boutique-mall"]))));
        assert_eq!(e, "merchants[1].offers[0].places[1]: \"boutique-mall\" is not a place of merchant \"grocer\"");
    }
}

#[test]
fn ids_the_backend_would_refuse_in_summaries_are_refused() {
    let e = document_error(&edit(|d| d["merchants"][0]["offers"][0]["id"] = json!("o\u{7}1")));
    assert_eq!(e, "merchants[0].offers[0].id: control character '\\u{7}' in an id");
    let e = document_error(&edit(|d| d["merchants"][1]["id"] = json!("grocer\n")));
    assert_eq!(e, "merchants[1].id: control character '\\n' in an id");
    let long = "é".repeat(crate::policy::MAX_CATALOG_ID_BYTES / 2 + 1);
    let e = document_error(&edit(|d| d["merchants"][1]["places"][0]["id"] = json!(long)));
    assert_eq!(e, "merchants[1].places[0].id: 130 bytes, more than the limit of 128");
    let s = signer();
    let fine = "é".repeat(crate::policy::MAX_CATALOG_ID_BYTES / 2);
    assert!(s.verify(&s.envelope(&edit(|d| d["merchants"][1]["places"][0]["id"] = json!(fine)))).is_ok());
}
