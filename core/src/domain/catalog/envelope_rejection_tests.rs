//! Bad envelopes and catalogs refused by date or version, each with its
//! own error.

use super::test_fixtures::*;
use super::*;
use crate::domain::time::{Timestamp, DAY_MS, HOUR_MS};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};

#[test]
fn a_good_envelope_verifies() {
    let s = signer();
    let catalog = s.verify(&s.envelope(&base_document())).unwrap();
    assert_eq!(catalog.version, 7);
    assert_eq!(catalog.merchants[0].offers[0].claim_window_minutes, 180);
    assert_eq!(catalog.merchants[0].time_zone, chrono_tz::America::Los_Angeles);
}

#[test]
fn escaped_characters_in_the_envelope_are_read() {
    // Strings with escapes cannot be borrowed from the envelope's bytes;
    // some JSON writers escape '/' (frequent in base64) as "\/".
    let s = signer();
    let env = String::from_utf8(s.envelope(&base_document())).unwrap();
    let fields: Value = serde_json::from_str(&env).unwrap();
    let payload = fields["payload"].as_str().unwrap();
    let escaped_payload = format!("\\u{:04x}{}", payload.as_bytes()[0], &payload[1..]);
    let escaped = env.replace(payload, &escaped_payload).replace('/', "\\/").replace("\"k1\"", "\"k\\u0031\"");
    assert_ne!(escaped, env);
    assert_eq!(s.verify(escaped.as_bytes()).unwrap(), s.verify(env.as_bytes()).unwrap());
}

#[test]
fn malformed_json_is_not_json() {
    let s = signer();
    assert!(matches!(s.verify(b"{\"key_id\": \"k1\", "), Err(CatalogError::NotJson { .. })));
    assert!(matches!(s.verify(b"not json"), Err(CatalogError::NotJson { .. })));
}

#[test]
fn json_that_is_no_envelope_is_malformed() {
    let s = signer();
    for not_an_envelope in [&b"42"[..], b"[\"k1\"]", b"{\"key_id\": 1}"] {
        let e = s.verify(not_an_envelope).unwrap_err();
        assert!(matches!(e, CatalogError::MalformedEnvelope { .. }), "{e}");
    }
    let e = s.verify(br#"{"key_id": "k1", "algorithm": "ed25519", "payload": "e30="}"#).unwrap_err();
    assert!(matches!(&e, CatalogError::MalformedEnvelope { reason } if reason.contains("signature")), "{e}");
    let mut env: Value = serde_json::from_slice(&s.envelope(&base_document())).unwrap();
    env["payload"] = json!("***not base64***");
    let e = s.verify(&serde_json::to_vec(&env).unwrap()).unwrap_err();
    assert!(matches!(&e, CatalogError::MalformedEnvelope { reason } if reason.starts_with("payload")), "{e}");
}

#[test]
fn unsupported_algorithm() {
    let s = signer();
    let mut env: Value = serde_json::from_slice(&s.envelope(&base_document())).unwrap();
    env["algorithm"] = json!("rsa-pss");
    let e = s.verify(&serde_json::to_vec(&env).unwrap()).unwrap_err();
    assert_eq!(e, CatalogError::UnsupportedAlgorithm { algorithm: "rsa-pss".into() });
}

#[test]
fn unknown_key() {
    let s = signer();
    let env = sign(&serde_json::to_vec(&base_document()).unwrap(), "k2", &s.pair);
    assert_eq!(s.verify(&env).unwrap_err(), CatalogError::UnknownKey { key_id: "k2".into() });
}

#[test]
fn wrong_signature() {
    // Signed by another key under the id the engine knows.
    let s = signer();
    let other = signer();
    let env = other.envelope(&base_document());
    assert_eq!(s.verify(&env).unwrap_err(), CatalogError::BadSignature { key_id: "k1".into() });
    // After rotation, the old key no longer verifies what the new one signed.
    let mut keys = CatalogKeys::new();
    keys.insert_base64("k1", &public_key_base64(&s.pair)).unwrap();
    keys.insert_base64("k2", &public_key_base64(&other.pair)).unwrap();
    let rotated = sign(&serde_json::to_vec(&base_document()).unwrap(), "k2", &other.pair);
    assert!(verify_and_parse(&rotated, &keys, now()).is_ok());
    assert!(keys.remove("k2"));
    assert!(matches!(verify_and_parse(&rotated, &keys, now()), Err(CatalogError::UnknownKey { .. })));
}

#[test]
fn tampered_payload() {
    let s = signer();
    let mut env: Value = serde_json::from_slice(&s.envelope(&base_document())).unwrap();
    let mut doc = base_document();
    doc["merchants"][0]["offers"][0]["claim_window_minutes"] = json!(100_000);
    env["payload"] = json!(BASE64.encode(serde_json::to_vec(&doc).unwrap()));
    let e = s.verify(&serde_json::to_vec(&env).unwrap()).unwrap_err();
    assert_eq!(e, CatalogError::BadSignature { key_id: "k1".into() });
    // A flipped signature bit too.
    let mut env: Value = serde_json::from_slice(&s.envelope(&base_document())).unwrap();
    let mut sig = BASE64.decode(env["signature"].as_str().unwrap()).unwrap();
    sig[0] ^= 1;
    env["signature"] = json!(BASE64.encode(sig));
    let e = s.verify(&serde_json::to_vec(&env).unwrap()).unwrap_err();
    assert_eq!(e, CatalogError::BadSignature { key_id: "k1".into() });
}

#[test]
fn expired_and_not_yet_valid() {
    let s = signer();
    let env = s.envelope(&base_document());
    let expires = Timestamp::parse_rfc3339("2026-12-20T00:00:00Z").unwrap();
    assert!(verify_and_parse(&env, &s.keys, expires.plus_millis(-1)).is_ok());
    assert_eq!(
        verify_and_parse(&env, &s.keys, expires).unwrap_err(),
        CatalogError::Expired { expires_at: expires, now: expires }
    );
    let issued = Timestamp::parse_rfc3339("2026-11-20T00:00:00Z").unwrap();
    // Up to a day early is clock skew; more is refused.
    assert!(verify_and_parse(&env, &s.keys, issued.plus_millis(-DAY_MS)).is_ok());
    let early = issued.plus_millis(-DAY_MS - HOUR_MS);
    assert_eq!(
        verify_and_parse(&env, &s.keys, early).unwrap_err(),
        CatalogError::NotYetValid { issued_at: issued, now: early }
    );
}

#[test]
fn rollback_is_refused() {
    let s = signer();
    let current = s.verify(&s.envelope(&base_document())).unwrap();
    let older = s.verify(&s.envelope(&edit(|d| d["version"] = json!(6)))).unwrap();
    let newer = s.verify(&s.envelope(&edit(|d| d["version"] = json!(8)))).unwrap();
    assert!(older.is_older_than(&current));
    assert!(!newer.is_older_than(&current));
    assert_eq!(older.check_may_replace(Some(&current)).unwrap_err(), CatalogError::Rollback { offered: 6, current: 7 });
    assert!(newer.check_may_replace(Some(&current)).is_ok());
    assert!(current.check_may_replace(Some(&current)).is_ok());
    assert!(older.check_may_replace(None).is_ok());
}

#[test]
fn oversized_envelope_is_refused_before_parsing() {
    let s = signer();
    let big = vec![b' '; crate::policy::MAX_CATALOG_ENVELOPE_BYTES + 1];
    assert!(matches!(s.verify(&big), Err(CatalogError::TooLarge { what: "envelope", .. })));
}

#[test]
fn keys_must_be_ed25519_public_keys() {
    let mut keys = CatalogKeys::new();
    assert!(matches!(keys.insert("k1", &[0u8; 31]), Err(CatalogError::InvalidKey { .. })));
    assert!(matches!(keys.insert_base64("k1", "not base64!"), Err(CatalogError::InvalidKey { .. })));
    assert!(matches!(keys.insert("", &[0u8; 32]), Err(CatalogError::InvalidKey { .. })));
    assert!(keys.is_empty());
    assert!(matches!(keypair_from_pkcs8(b"garbage"), Err(CatalogError::InvalidKey { .. })));
}

#[test]
fn engine_errors_carry_catalog_errors_as_invalid_catalog() {
    let refused = CatalogError::UnknownKey { key_id: "k9".into() };
    let public = crate::KairosError::from(crate::error::Error::from(refused));
    assert_eq!(public, crate::KairosError::InvalidCatalog { reason: "catalog signed with unknown key \"k9\"".into() });
}
