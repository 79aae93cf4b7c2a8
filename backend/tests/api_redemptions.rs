//! Redemption tokens at the till (`POST /v1/redemptions/verify`) against a
//! hostile presenter: a token verifies once; a replay, a forged signature,
//! an altered field, another merchant's key, an expired token, a key no
//! install registered and malformed text are each refused with their code,
//! and refusals record nothing. The answer never names the install. Also
//! the key's registration, and its addition by an install registered
//! before (`POST /v1/installs/redemption-key`).

mod common;

use axum::http::Method;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use common::{assert_error, backends, new_install_id, register_raw, Api};
use kairos_backend::api::redemptions::issue_merchant_key;
use kairos_backend::client::{send_once, Reply};
use kairos_backend::clock::Clock;
use kairos_backend::server::{RunningServer, ServerBuilder};
use kairos_backend::storage::Storage;
use kairos_core::offers::redemption_token::{issue, key_id, RedemptionClaims};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

/// 2026-11-28 11:05 in San Jose, the canonical day's redemption.
const NOW: i64 = 1_795_892_700_000;
const HOUR: i64 = 3_600_000;

fn key_pair() -> Ed25519KeyPair {
    Ed25519KeyPair::from_pkcs8(Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap().as_ref()).unwrap()
}

fn claims(pair: &Ed25519KeyPair, instance: i64, merchant: &str) -> RedemptionClaims {
    RedemptionClaims {
        kid: key_id(pair.public_key().as_ref()),
        offer: "maison-lumiere-20-off".into(),
        instance,
        merchant: merchant.into(),
        iat: NOW,
        exp: NOW + 2 * HOUR,
    }
}

async fn server(storage: &Arc<dyn Storage>, clock: &Clock) -> RunningServer {
    ServerBuilder::new(storage.clone()).clock(clock.clone()).bind("127.0.0.1:0").await.unwrap()
}

/// Registers a new install with `pair` as its redemption key.
async fn register_with_key(addr: SocketAddr, pair: &Ed25519KeyPair) -> Reply {
    let body = json!({"install_id": new_install_id(), "redemption_key": B64URL.encode(pair.public_key().as_ref())});
    register_raw(addr, &body.to_string()).await
}

async fn verify(addr: SocketAddr, merchant_key: &str, token: &str) -> Reply {
    let auth = format!("Bearer {merchant_key}");
    let headers = [("content-type", "application/json"), ("authorization", auth.as_str())];
    send_once(addr, Method::POST, "/v1/redemptions/verify", &headers, json!({ "token": token }).to_string())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_token_verifies_once_and_every_hostile_presentation_is_refused_with_its_reason() {
    for b in backends().await {
        let clock = Clock::manual(NOW + 60_000);
        let server = server(&b.storage, &clock).await;
        let addr = server.addr();
        let pair = key_pair();
        let registered = register_with_key(addr, &pair).await;
        assert_eq!(registered.status, 200, "{registered:?}");
        let install_id = registered.json()["install_id"].as_str().unwrap().to_owned();
        let till = issue_merchant_key(b.storage.as_ref(), "maison-lumiere").await.unwrap();
        let other_till = issue_merchant_key(b.storage.as_ref(), "valley-food-court").await.unwrap();
        let token = issue(&claims(&pair, 7, "maison-lumiere"), &pair).unwrap();

        // Another merchant's till: refused, and the token stays unused.
        assert_error(&verify(addr, &other_till, &token.compact).await, 403, "wrong_merchant");
        // A field altered after signing (the instance, to redeem twice).
        let (head, signature) = token.compact.rsplit_once('.').unwrap();
        let claims_b64 = head.strip_prefix("KR1.").unwrap();
        let mut altered: serde_json::Value = serde_json::from_slice(&B64URL.decode(claims_b64).unwrap()).unwrap();
        altered["instance"] = json!(8);
        let altered = format!("KR1.{}.{signature}", B64URL.encode(altered.to_string()));
        assert_error(&verify(addr, &till, &altered).await, 422, "forged_token");
        // A signature from another key under this install's key id.
        let forger = key_pair();
        let signed = format!("KR1.{}", B64URL.encode(serde_json::to_vec(&claims(&pair, 9, "maison-lumiere")).unwrap()));
        let forged = format!("{signed}.{}", B64URL.encode(forger.sign(signed.as_bytes()).as_ref()));
        assert_error(&verify(addr, &till, &forged).await, 422, "forged_token");
        // A key no install registered.
        let stranger = key_pair();
        let unknown = issue(&claims(&stranger, 7, "maison-lumiere"), &stranger).unwrap();
        assert_error(&verify(addr, &till, &unknown.compact).await, 422, "unknown_key");
        // Malformed text.
        for bad in ["", "hello", "KR1.", "KR1.e30.", "KR1.!!!.!!!", &"KR1.".repeat(200)] {
            assert_error(&verify(addr, &till, bad).await, 400, "malformed_token");
        }
        // A wrong or missing merchant key, or an install's token, is 401.
        assert_error(&verify(addr, "kmk_0000", &token.compact).await, 401, "invalid_merchant_key");
        let install_token = registered.json()["token"].as_str().unwrap().to_owned();
        assert_error(&verify(addr, &install_token, &token.compact).await, 401, "invalid_merchant_key");

        // The right till: valid, once; the answer names no install.
        let ok = verify(addr, &till, &token.qr_payload).await;
        assert_eq!(ok.status, 200, "{}: {ok:?}", b.name);
        let body = ok.json();
        assert_eq!(
            body,
            json!({"status": "valid", "offer_id": "maison-lumiere-20-off", "instance": 7,
                   "merchant_id": "maison-lumiere", "issued_at": "2026-11-28T19:05:00Z",
                   "expires_at": "2026-11-28T21:05:00Z"})
        );
        assert!(!String::from_utf8_lossy(&ok.body).contains(&install_id));
        // Replayed: by the same till, in either presentation.
        assert_error(&verify(addr, &till, &token.compact).await, 409, "already_redeemed");
        assert_error(&verify(addr, &till, &token.qr_payload).await, 409, "already_redeemed");

        // Expired: one millisecond after its claim window.
        let late = issue(&claims(&pair, 11, "maison-lumiere"), &pair).unwrap();
        clock.set(NOW + 2 * HOUR + 1);
        assert_error(&verify(addr, &till, &late.compact).await, 422, "expired_token");
        // Still valid at exactly its end, and the expired refusal used nothing up.
        clock.set(NOW + 2 * HOUR);
        assert_eq!(verify(addr, &till, &late.compact).await.status, 200, "{}", b.name);

        // A full deletion forgets the key: its tokens no longer verify.
        let api = Api { addr, install_id, token: install_token };
        assert_eq!(api.delete(&json!({})).await.status, 200);
        let after = issue(&claims(&pair, 12, "maison-lumiere"), &pair).unwrap();
        assert_error(&verify(addr, &till, &after.compact).await, 422, "unknown_key");
    }
}

#[tokio::test]
async fn an_install_registered_before_adds_its_key_and_a_key_cannot_be_taken_over() {
    for b in backends().await {
        let clock = Clock::manual(NOW);
        let server = server(&b.storage, &clock).await;
        let addr = server.addr();
        let api = Api::register(addr).await;
        let pair = key_pair();
        let till = issue_merchant_key(b.storage.as_ref(), "maison-lumiere").await.unwrap();
        let token = issue(&claims(&pair, 1, "maison-lumiere"), &pair).unwrap();
        assert_error(&verify(addr, &till, &token.compact).await, 422, "unknown_key");
        let body = json!({"redemption_key": B64URL.encode(pair.public_key().as_ref())}).to_string();
        let headers = [("content-type", "application/json")];
        let added = api.send(Method::POST, "/v1/installs/redemption-key", &headers, body.clone().into_bytes()).await;
        assert_eq!(added.status, 200, "{}: {added:?}", b.name);
        assert_eq!(added.json()["kid"], key_id(pair.public_key().as_ref()).as_str());
        assert_eq!(verify(addr, &till, &token.compact).await.status, 200);
        // Without a token: 401. Another install presenting the same key: 409.
        let anonymous =
            send_once(addr, Method::POST, "/v1/installs/redemption-key", &headers, body.clone()).await.unwrap();
        assert_error(&anonymous, 401, "missing_token");
        let other = Api::register(addr).await;
        let taken = other.send(Method::POST, "/v1/installs/redemption-key", &headers, body.into_bytes()).await;
        assert_error(&taken, 409, "redemption_key_taken");
        assert_error(&register_with_key(addr, &pair).await, 409, "redemption_key_taken");
        // Not a 32-byte key.
        let short = json!({"install_id": new_install_id(), "redemption_key": "AAAA"}).to_string();
        assert_error(&register_raw(addr, &short).await, 400, "invalid_redemption_key");
    }
}
