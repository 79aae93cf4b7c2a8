//! Every kind of bad catalog, each refused with its own error.

use super::*;
use crate::time::{Timestamp, DAY_MS, HOUR_MS};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-24T10:32:00-08:00").unwrap()
}

fn base_document() -> Value {
    json!({
        "version": 7,
        "issued_at": "2026-11-20T00:00:00Z",
        "expires_at": "2026-12-20T00:00:00Z",
        "merchants": [{
            "id": "boutique", "name": "Boutique", "category": "fashion",
            "time_zone": "America/Los_Angeles",
            "places": [{
                "id": "boutique-mall",
                "fence": {"type": "polygon", "exterior": [[37.0, -122.0], [37.0, -121.999], [37.001, -121.999]]},
                "opening_hours": [{"days": ["mon", "tue"], "open": "10:00", "close": "21:00"}]
            }],
            "offers": [{
                "id": "o1", "title": "20% off", "trigger": {"type": "enter"}, "claim_window_minutes": 180,
                "schedule": {"hours": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "18:00"}]}
            }]
        }, {
            "id": "grocer", "name": "Grocer", "category": "grocery", "time_zone": "America/Los_Angeles",
            "places": [{"id": "grocer-1", "fence": {"type": "circle", "lat": 37.01, "lon": -122.01, "radius_m": 120}}],
            "offers": []
        }]
    })
}

struct Signer {
    keys: CatalogKeys,
    pair: Ed25519KeyPair,
}

fn signer() -> Signer {
    let (pkcs8, public) = generate_keypair().unwrap();
    let mut keys = CatalogKeys::new();
    keys.insert("k1", &public).unwrap();
    Signer {
        keys,
        pair: keypair_from_pkcs8(&pkcs8).unwrap(),
    }
}

impl Signer {
    fn envelope(&self, doc: &Value) -> Vec<u8> {
        sign(&serde_json::to_vec(doc).unwrap(), "k1", &self.pair)
    }

    fn verify(&self, envelope: &[u8]) -> Result<Catalog, CatalogError> {
        verify_and_parse(envelope, &self.keys, now())
    }
}

/// The document error for `doc`, as `path: reason`.
fn document_error(doc: &Value) -> String {
    let s = signer();
    match s.verify(&s.envelope(doc)) {
        Err(CatalogError::InvalidDocument { path, reason }) => format!("{path}: {reason}"),
        other => panic!("expected an invalid document, got {other:?}"),
    }
}

fn edit(f: impl FnOnce(&mut Value)) -> Value {
    let mut doc = base_document();
    f(&mut doc);
    doc
}

#[test]
fn a_good_envelope_verifies() {
    let s = signer();
    let catalog = s.verify(&s.envelope(&base_document())).unwrap();
    assert_eq!(catalog.version, 7);
    assert_eq!(catalog.merchants[0].offers[0].claim_window_minutes, 180);
    assert_eq!(
        catalog.merchants[0].time_zone,
        chrono_tz::America::Los_Angeles
    );
}

#[test]
fn malformed_json_is_not_json() {
    let s = signer();
    assert!(matches!(
        s.verify(b"{\"key_id\": \"k1\", "),
        Err(CatalogError::NotJson { .. })
    ));
    assert!(matches!(
        s.verify(b"not json"),
        Err(CatalogError::NotJson { .. })
    ));
}

#[test]
fn json_that_is_no_envelope_is_malformed() {
    let s = signer();
    let e = s
        .verify(br#"{"key_id": "k1", "algorithm": "ed25519", "payload": "e30="}"#)
        .unwrap_err();
    assert!(
        matches!(&e, CatalogError::MalformedEnvelope { reason } if reason.contains("signature")),
        "{e}"
    );
    let mut env: Value = serde_json::from_slice(&s.envelope(&base_document())).unwrap();
    env["payload"] = json!("***not base64***");
    let e = s.verify(&serde_json::to_vec(&env).unwrap()).unwrap_err();
    assert!(
        matches!(&e, CatalogError::MalformedEnvelope { reason } if reason.starts_with("payload")),
        "{e}"
    );
}

#[test]
fn unsupported_algorithm() {
    let s = signer();
    let mut env: Value = serde_json::from_slice(&s.envelope(&base_document())).unwrap();
    env["algorithm"] = json!("rsa-pss");
    let e = s.verify(&serde_json::to_vec(&env).unwrap()).unwrap_err();
    assert_eq!(
        e,
        CatalogError::UnsupportedAlgorithm {
            algorithm: "rsa-pss".into()
        }
    );
}

#[test]
fn unknown_key() {
    let s = signer();
    let env = sign(
        &serde_json::to_vec(&base_document()).unwrap(),
        "k2",
        &s.pair,
    );
    assert_eq!(
        s.verify(&env).unwrap_err(),
        CatalogError::UnknownKey {
            key_id: "k2".into()
        }
    );
}

#[test]
fn wrong_signature() {
    // Signed by another key under the id the engine knows.
    let s = signer();
    let other = signer();
    let env = other.envelope(&base_document());
    assert_eq!(
        s.verify(&env).unwrap_err(),
        CatalogError::BadSignature {
            key_id: "k1".into()
        }
    );
    // After rotation, the old key no longer verifies what the new one signed.
    let mut keys = CatalogKeys::new();
    keys.insert_base64("k1", &public_key_base64(&s.pair))
        .unwrap();
    keys.insert_base64("k2", &public_key_base64(&other.pair))
        .unwrap();
    let rotated = sign(
        &serde_json::to_vec(&base_document()).unwrap(),
        "k2",
        &other.pair,
    );
    assert!(verify_and_parse(&rotated, &keys, now()).is_ok());
    assert!(keys.remove("k2"));
    assert!(matches!(
        verify_and_parse(&rotated, &keys, now()),
        Err(CatalogError::UnknownKey { .. })
    ));
}

#[test]
fn tampered_payload() {
    let s = signer();
    let mut env: Value = serde_json::from_slice(&s.envelope(&base_document())).unwrap();
    let mut doc = base_document();
    doc["merchants"][0]["offers"][0]["claim_window_minutes"] = json!(100_000);
    env["payload"] = json!(BASE64.encode(serde_json::to_vec(&doc).unwrap()));
    let e = s.verify(&serde_json::to_vec(&env).unwrap()).unwrap_err();
    assert_eq!(
        e,
        CatalogError::BadSignature {
            key_id: "k1".into()
        }
    );
    // A flipped signature bit too.
    let mut env: Value = serde_json::from_slice(&s.envelope(&base_document())).unwrap();
    let mut sig = BASE64.decode(env["signature"].as_str().unwrap()).unwrap();
    sig[0] ^= 1;
    env["signature"] = json!(BASE64.encode(sig));
    let e = s.verify(&serde_json::to_vec(&env).unwrap()).unwrap_err();
    assert_eq!(
        e,
        CatalogError::BadSignature {
            key_id: "k1".into()
        }
    );
}

#[test]
fn expired_and_not_yet_valid() {
    let s = signer();
    let env = s.envelope(&base_document());
    let expires = Timestamp::parse_rfc3339("2026-12-20T00:00:00Z").unwrap();
    assert!(verify_and_parse(&env, &s.keys, expires.plus_millis(-1)).is_ok());
    assert_eq!(
        verify_and_parse(&env, &s.keys, expires).unwrap_err(),
        CatalogError::Expired {
            expires_at: expires,
            now: expires
        }
    );
    let issued = Timestamp::parse_rfc3339("2026-11-20T00:00:00Z").unwrap();
    // Up to a day early is clock skew; more is refused.
    assert!(verify_and_parse(&env, &s.keys, issued.plus_millis(-DAY_MS)).is_ok());
    let early = issued.plus_millis(-DAY_MS - HOUR_MS);
    assert_eq!(
        verify_and_parse(&env, &s.keys, early).unwrap_err(),
        CatalogError::NotYetValid {
            issued_at: issued,
            now: early
        }
    );
}

#[test]
fn rollback_is_refused() {
    let s = signer();
    let current = s.verify(&s.envelope(&base_document())).unwrap();
    let older = s
        .verify(&s.envelope(&edit(|d| d["version"] = json!(6))))
        .unwrap();
    let newer = s
        .verify(&s.envelope(&edit(|d| d["version"] = json!(8))))
        .unwrap();
    assert!(older.is_older_than(&current));
    assert!(!newer.is_older_than(&current));
    assert_eq!(
        older.check_may_replace(Some(&current)).unwrap_err(),
        CatalogError::Rollback {
            offered: 6,
            current: 7
        }
    );
    assert!(newer.check_may_replace(Some(&current)).is_ok());
    assert!(current.check_may_replace(Some(&current)).is_ok());
    assert!(older.check_may_replace(None).is_ok());
}

#[test]
fn duplicate_ids() {
    let e = document_error(&edit(|d| d["merchants"][1]["id"] = json!("boutique")));
    assert_eq!(e, "merchants[1].id: duplicate merchant id \"boutique\"");
    let e = document_error(&edit(|d| {
        d["merchants"][1]["places"][0]["id"] = json!("boutique-mall")
    }));
    assert_eq!(
        e,
        "merchants[1].places[0].id: duplicate place id \"boutique-mall\""
    );
    let e = document_error(&edit(|d| {
        let offer = d["merchants"][0]["offers"][0].clone();
        d["merchants"][1]["offers"] = json!([offer]);
    }));
    assert_eq!(e, "merchants[1].offers[0].id: duplicate offer id \"o1\"");
}

#[test]
fn bad_polygon() {
    let e = document_error(&edit(|d| {
        d["merchants"][0]["places"][0]["fence"]["exterior"] =
            json!([[37.0, -122.0], [37.0, -121.9], [37.0, -122.0]]);
    }));
    assert_eq!(e, "merchants[0].places[0].fence.exterior: a ring needs at least 3 distinct points, this one has 2");
    let e = document_error(&edit(|d| {
        d["merchants"][0]["places"][0]["fence"]["exterior"][2] = json!([95.0, 0.0])
    }));
    assert_eq!(
        e,
        "merchants[0].places[0].fence.exterior[2]: latitude 95 is outside -90..=90"
    );
    let e = document_error(&edit(|d| {
        d["merchants"][1]["places"][0]["fence"]["radius_m"] = json!(60_000)
    }));
    assert_eq!(
        e,
        "merchants[1].places[0].fence: radius_m 60000 is outside 1..=50000 m"
    );
    let e = document_error(&edit(|d| {
        d["merchants"][1]["places"][0]["fence"]["type"] = json!("square")
    }));
    assert!(
        e.starts_with("merchants[1].places[0].fence.type: unknown variant `square`"),
        "{e}"
    );
}

#[test]
fn bad_time_zone() {
    let e = document_error(&edit(|d| {
        d["merchants"][1]["time_zone"] = json!("Mars/Olympus_Mons")
    }));
    assert!(
        e.starts_with("merchants[1].time_zone: \"Mars/Olympus_Mons\" is not an IANA time zone"),
        "{e}"
    );
}

#[test]
fn bad_time() {
    let e = document_error(&edit(|d| {
        d["merchants"][0]["offers"][0]["schedule"]["hours"][1]["end"] = json!("25:00")
    }));
    assert!(
        e.starts_with(
            "merchants[0].offers[0].schedule.hours[1].end: \"25:00\" is not a time (expected HH:MM"
        ),
        "{e}"
    );
    let e = document_error(&edit(|d| {
        d["merchants"][0]["places"][0]["opening_hours"][0]["open"] = json!("24:00")
    }));
    assert_eq!(
        e,
        "merchants[0].places[0].opening_hours[0]: open 24:00 is only allowed as close"
    );
    let e = document_error(&edit(|d| d["issued_at"] = json!("2026-11-20 00:00")));
    assert!(
        e.starts_with("issued_at: \"2026-11-20 00:00\" is not an RFC 3339 date-time"),
        "{e}"
    );
}

#[test]
fn other_document_rules() {
    let offer =
        |f: &dyn Fn(&mut Value)| document_error(&edit(|d| f(&mut d["merchants"][0]["offers"][0])));
    let e = offer(&|o| o["places"] = json!(["grocer-1"]));
    assert_eq!(
        e,
        "merchants[0].offers[0].places[0]: \"grocer-1\" is not a place of merchant \"boutique\""
    );
    let e = offer(&|o| o["trigger"] = json!({"type": "dwell", "minutes": 0}));
    assert_eq!(
        e,
        "merchants[0].offers[0].trigger.minutes: dwell of 0 minutes is outside 1..=1440"
    );
    let e = offer(&|o| o["claim_window_minutes"] = json!(0));
    assert_eq!(
        e,
        "merchants[0].offers[0].claim_window_minutes: 0 is outside 1..=43200"
    );
    let e = offer(&|o| o["holdout_percent"] = json!(100.5));
    assert_eq!(
        e,
        "merchants[0].offers[0].holdout_percent: 100.5 is outside 0..=100"
    );
    let e = offer(&|o| {
        o["targeting"] = json!({"all": [{"visits": {"merchant": "nobody", "within_days": 3}}]})
    });
    assert_eq!(e, "merchants[0].offers[0].targeting.all[0].visits.merchant: \"nobody\" is not a merchant of this catalog");
    let e = offer(&|o| o["targeting"] = json!({"not": {"steps_today": {"min": 9, "max": 3}}}));
    assert_eq!(
        e,
        "merchants[0].offers[0].targeting.not.steps_today: min 9 is greater than max 3"
    );
    let e = offer(&|o| o["targeting"] = json!({"weather": "sunny"}));
    assert!(
        e.starts_with("merchants[0].offers[0].targeting: unknown variant `weather`"),
        "{e}"
    );
    let e = offer(&|o| o["schedule"]["days"] = json!([]));
    assert_eq!(
        e,
        "merchants[0].offers[0].schedule.days: an empty list of days never matches"
    );
    let e = document_error(&edit(|d| d["expires_at"] = json!("2026-11-19T00:00:00Z")));
    assert_eq!(
        e,
        "expires_at: 2026-11-19T00:00:00Z is not after issued_at 2026-11-20T00:00:00Z"
    );
    let e = document_error(&edit(|d| d["merchants"][1]["id"] = json!("self")));
    assert!(
        e.starts_with("merchants[1].id: \"self\" is reserved"),
        "{e}"
    );
    let e = document_error(&json!("a catalog"));
    assert!(
        e.starts_with("(document): invalid type: string \"a catalog\""),
        "{e}"
    );
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
    assert_eq!(
        with_extras,
        s.verify(&s.envelope(&base_document())).unwrap()
    );
}

#[test]
fn oversized_envelope_is_refused_before_parsing() {
    let s = signer();
    let big = vec![b' '; crate::policy::MAX_CATALOG_ENVELOPE_BYTES + 1];
    assert!(matches!(
        s.verify(&big),
        Err(CatalogError::TooLarge {
            what: "envelope",
            ..
        })
    ));
}

#[test]
fn keys_must_be_ed25519_public_keys() {
    let mut keys = CatalogKeys::new();
    assert!(matches!(
        keys.insert("k1", &[0u8; 31]),
        Err(CatalogError::InvalidKey { .. })
    ));
    assert!(matches!(
        keys.insert_base64("k1", "not base64!"),
        Err(CatalogError::InvalidKey { .. })
    ));
    assert!(matches!(
        keys.insert("", &[0u8; 32]),
        Err(CatalogError::InvalidKey { .. })
    ));
    assert!(keys.is_empty());
    assert!(matches!(
        keypair_from_pkcs8(b"garbage"),
        Err(CatalogError::InvalidKey { .. })
    ));
}

#[test]
fn engine_errors_carry_catalog_errors_as_invalid_catalog() {
    let refused = CatalogError::UnknownKey {
        key_id: "k9".into(),
    };
    let public = crate::KairosError::from(crate::error::Error::from(refused));
    assert_eq!(
        public,
        crate::KairosError::InvalidCatalog {
            reason: "catalog signed with unknown key \"k9\"".into()
        }
    );
}
