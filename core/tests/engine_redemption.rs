//! Redeeming with a signed token: `Engine::redeem` returns a token the
//! install's sealed key signs, refused with its reason outside the claim
//! window or opening hours; the key survives a restart, goes with an erase,
//! and registration gives the backend its public half.

mod offer_common;

use kairos_core::offers::redemption_token::{key_id, parse, QR_PREFIX};
use kairos_core::sync::{HttpRequest, HttpResponse, HttpTransport, SyncOptions, TransportFuture};
use kairos_core::{Engine, KairosError, Timestamp};
use offer_common::*;
use serde_json::{json, Value};
use std::sync::Mutex;

/// The boutique's offer, triggered at 10:30 on a walk through the shop.
fn triggered(dir: &std::path::Path, k: &Key) -> (Engine, i64) {
    let e = engine_with(dir, k);
    let doc = catalog(1, vec![merchant("boutique", 0.0, vec![offer("o20", json!({}))])]);
    e.load_catalog(&signed(&doc, k), t("2026-11-24T09:00:00-08:00")).unwrap();
    let events = e.record_locations(&walk(t("2026-11-24T10:30:00-08:00"), -300.0, 300.0, 1.3)).unwrap().events;
    let id = triggered_id(&events);
    (e, id)
}

#[test]
fn redeem_returns_a_token_signed_by_the_install_key_naming_the_offer_and_its_window() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let (e, id) = triggered(dir.path(), &k);
    let now = t("2026-11-24T11:05:00-08:00");
    let r = e.redeem(id, now).unwrap();
    assert_eq!(r.instance.state, kairos_core::offers::OfferState::Redeemed);
    assert_eq!(r.token.qr_payload, format!("{QR_PREFIX}{}", r.token.compact));
    let public = e.redemption_public_key().unwrap();
    let parsed = parse(&r.token.qr_payload).unwrap();
    let claims = parsed.verify(&public, now).unwrap();
    assert_eq!(claims, &r.claims);
    assert_eq!(
        (claims.offer.as_str(), claims.instance, claims.merchant.as_str(), claims.iat, claims.exp),
        ("o20", id, "boutique", now.0, r.instance.expires_at.0)
    );
    assert_eq!(claims.kid, key_id(&public));
    // Once redeemed it cannot be redeemed (or re-signed) again.
    let again = e.redeem(id, now).unwrap_err();
    assert!(again.to_string().contains("already redeemed"), "{again}");
}

#[test]
fn redeem_outside_the_claim_window_or_opening_hours_is_refused_and_changes_nothing() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let (e, id) = triggered(dir.path(), &k);
    let expires = e.offers(t("2026-11-24T10:40:00-08:00")).unwrap()[0].expires_at;
    assert!(matches!(e.redeem(id, expires), Err(KairosError::InvalidOfferTransition { .. })));
    let doc = catalog(
        1,
        vec![merchant(
            "boutique",
            0.0,
            vec![offer("late", json!({"claim_window_minutes": 900, "claims_after_closing": true}))],
        )],
    );
    let (dir2, k2) = (tempfile::tempdir().unwrap(), key());
    let e2 = engine_with(dir2.path(), &k2);
    e2.load_catalog(&signed(&doc, &k2), t("2026-11-24T09:00:00-08:00")).unwrap();
    let ev = e2.record_locations(&walk(t("2026-11-24T20:40:00-08:00"), -300.0, 0.0, 1.3)).unwrap().events;
    let late = triggered_id(&ev);
    match e2.redeem(late, t("2026-11-24T22:00:00-08:00")) {
        Err(KairosError::StoreClosed { instance_id, .. }) => assert_eq!(instance_id, late),
        other => panic!("expected StoreClosed, got {other:?}"),
    }
    assert_eq!(e2.offers(t("2026-11-24T22:00:00-08:00")).unwrap().len(), 1, "still claimable");
}

#[test]
fn the_key_survives_a_restart_and_an_erase_makes_a_new_one() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let first = {
        let (e, _) = triggered(dir.path(), &k);
        e.redemption_public_key().unwrap()
    };
    let e = engine_with(dir.path(), &k);
    assert_eq!(e.redemption_public_key().unwrap(), first, "sealed in the profile, kept across a restart");
    e.erase_all(t("2026-11-25T09:00:00-08:00")).unwrap();
    assert_ne!(e.redemption_public_key().unwrap(), first, "erase forgets the key with the pseudonym");
}

/// Answers registrations with a token and key uploads with 200; keeps
/// every request.
#[derive(Default)]
struct Recorder(Mutex<Vec<HttpRequest>>);

impl HttpTransport for Recorder {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        self.0.lock().unwrap().push(request);
        Box::pin(async {
            Ok(HttpResponse { status: 200, headers: vec![], body: br#"{"install_id":"x","token":"t1"}"#.to_vec() })
        })
    }
}

fn body(r: &HttpRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

#[tokio::test]
async fn registration_sends_the_public_key_once_and_the_new_pseudonym_sends_a_new_one() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with(dir.path(), &k);
    let opts = SyncOptions { allow_insecure_loopback: true, ..SyncOptions::new("http://127.0.0.1:9") };
    let transport = Recorder::default();
    let report = e.register_with(&opts, &transport).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let public = e.redemption_public_key().unwrap();
    {
        let sent = transport.0.lock().unwrap();
        assert_eq!(sent.len(), 1);
        assert!(sent[0].url.ends_with("/v1/installs"));
        let b64 = base64_url(&public);
        assert_eq!(body(&sent[0])["redemption_key"], b64.as_str());
    }
    // Registered with its key: nothing more to send.
    e.register_with(&opts, &transport).await.unwrap();
    assert_eq!(transport.0.lock().unwrap().len(), 1);
    // An erase makes a new key: the registration of the new pseudonym
    // carries it.
    e.erase_all(Timestamp(1_800_000_000_000)).unwrap();
    let fresh = e.redemption_public_key().unwrap();
    e.register_with(&opts, &transport).await.unwrap();
    let sent = transport.0.lock().unwrap();
    let last = sent.last().unwrap();
    assert!(last.url.ends_with("/v1/installs"), "{}", last.url);
    assert_eq!(body(last)["redemption_key"], base64_url(&fresh).as_str());
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn an_install_registered_before_it_had_a_key_sends_it_under_its_token() {
    let (dir, k) = (tempfile::tempdir().unwrap(), key());
    let e = engine_with(dir.path(), &k);
    let opts = SyncOptions { allow_insecure_loopback: true, ..SyncOptions::new("http://127.0.0.1:9") };
    let transport = Recorder::default();
    e.register_with(&opts, &transport).await.unwrap();
    // A profile of an engine older than redemption tokens: a token, no key.
    let db = rusqlite::Connection::open(dir.path().join(kairos_core::DB_FILE)).unwrap();
    assert_eq!(db.execute("DELETE FROM sealed_meta WHERE key = 'redemption_key'", []).unwrap(), 1);
    let report = e.register_with(&opts, &transport).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let sent = transport.0.lock().unwrap();
    assert_eq!(sent.len(), 2, "no second registration, one key upload");
    let upload = &sent[1];
    assert!(upload.url.ends_with("/v1/installs/redemption-key"), "{}", upload.url);
    assert!(upload.headers.iter().any(|(n, v)| n == "authorization" && v == "Bearer t1"), "{:?}", upload.headers);
    assert_eq!(body(upload)["redemption_key"], base64_url(&e.redemption_public_key().unwrap()).as_str());
}
