//! `POST /v1/installs` and bearer authentication of every other `/v1`
//! endpoint.

mod common;

use axum::http::Method;
use common::{assert_error, backends, canonical_batch, new_install_id, register_raw, start, Api};
use kairos_backend::client::send_once;
use serde_json::json;

#[tokio::test]
async fn registration_issues_a_token_and_re_registration_rotates_it() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let id = new_install_id();
        let first = register_raw(server.addr(), &json!({ "install_id": id }).to_string()).await;
        assert_eq!(first.status, 200, "{}", b.name);
        let body = first.json();
        assert_eq!(body["install_id"], id.as_str());
        let token = body["token"].as_str().unwrap().to_owned();
        assert!(token.len() == 64 && token.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(body.as_object().unwrap().len(), 2);
        let api = Api { addr: server.addr(), install_id: id.clone(), token: token.clone() };
        assert_eq!(api.upload("k", &canonical_batch()).await.status, 200);

        // Knowing the id is not enough: without its token, or with another, 409.
        let body = json!({ "install_id": id }).to_string();
        assert_error(&register_raw(server.addr(), &body).await, 409, "install_id_taken");
        let other = Api::register(server.addr()).await;
        let addr = server.addr();
        let with = |token: &str| {
            let auth = format!("Bearer {token}");
            let body = body.clone();
            async move {
                let headers = [("content-type", "application/json"), ("authorization", auth.as_str())];
                send_once(addr, Method::POST, "/v1/installs", &headers, body).await.unwrap()
            }
        };
        assert_error(&with(&other.token).await, 409, "install_id_taken");
        assert_error(&with("not-a-token").await, 409, "install_id_taken");
        assert_eq!(api.upload("k", &canonical_batch()).await.json()["duplicate"], true, "the token still works");

        // With its current token, it rotates.
        let second = with(&token).await;
        assert_eq!(second.status, 200, "{}: {second:?}", b.name);
        let new_token = second.json()["token"].as_str().unwrap().to_owned();
        assert_ne!(new_token, token, "{}: re-registration issues a new token", b.name);
        assert_error(&api.upload("k2", &canonical_batch()).await, 401, "invalid_token");
        let rotated = Api { token: new_token, ..api };
        // The install is the same: its data and keys are still there.
        assert_eq!(rotated.upload("k", &canonical_batch()).await.json()["duplicate"], true);
        assert!(b.storage.held_by(id).await.unwrap().registered);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn registration_refuses_bad_bodies() {
    let b = common::sqlite();
    let server = start(&b.storage, None).await;
    let addr = server.addr();
    for (body, code) in [
        (json!({"install_id": "0123456789abcdef0123456789ABCDEF"}).to_string(), "invalid_install_id"),
        (json!({"install_id": "0123456789abcdef0123456789abcde"}).to_string(), "invalid_install_id"),
        (json!({"install_id": "0123456789abcdef0123456789abcdefa"}).to_string(), "invalid_install_id"),
        (json!({"install_id": "g123456789abcdef0123456789abcdef"}).to_string(), "invalid_install_id"),
        (json!({"install_id": 7}).to_string(), "invalid_install_id"),
        (json!({}).to_string(), "invalid_install_id"),
        (json!(["x"]).to_string(), "invalid_install_id"),
        (json!({"install_id": new_install_id(), "device": "Pixel"}).to_string(), "unknown_field"),
        ("{".to_owned(), "invalid_json"),
    ] {
        assert_error(&register_raw(addr, &body).await, 400, code);
    }
    let body = json!({ "install_id": new_install_id() }).to_string();
    let reply = send_once(addr, Method::POST, "/v1/installs", &[("content-type", "text/plain")], body.clone()).await;
    assert_error(&reply.unwrap(), 415, "unsupported_media_type");
    let reply = send_once(addr, Method::POST, "/v1/installs", &[], body).await;
    assert_error(&reply.unwrap(), 415, "unsupported_media_type");
    let padded = format!("{{\"install_id\": \"{}\"{}}}", new_install_id(), " ".repeat(2000));
    assert_error(&register_raw(addr, &padded).await, 413, "body_too_large");
    server.shutdown().await.unwrap();
}

/// A method, a path, its other headers and a body.
type Endpoint = (Method, &'static str, &'static [(&'static str, &'static str)], String);

#[tokio::test]
async fn every_v1_endpoint_needs_a_valid_bearer_token() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let addr = server.addr();
        let api = Api::register(addr).await;
        let endpoints: [Endpoint; 3] = [
            (
                Method::POST,
                "/v1/summaries",
                &[("content-type", "application/json"), ("idempotency-key", "k")],
                canonical_batch().to_string(),
            ),
            (Method::GET, "/v1/catalog", &[], String::new()),
            (
                Method::POST,
                "/v1/deletion-requests",
                &[("content-type", "application/json")],
                "{\"purpose\": \"visits\"}".into(),
            ),
        ];
        let unknown = format!("Bearer {}", "0".repeat(64));
        let upper = format!("Bearer {}", api.token.to_ascii_uppercase());
        let basic = format!("Basic {}", api.token);
        for (method, path, headers, body) in &endpoints {
            let with = |auth: Option<&str>| {
                let mut all: Vec<(String, String)> =
                    headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
                if let Some(auth) = auth {
                    all.push(("authorization".into(), auth.to_owned()));
                }
                let (method, path, body) = (method.clone(), *path, body.clone());
                async move {
                    let all: Vec<(&str, &str)> = all.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                    send_once(addr, method, path, &all, body).await.unwrap()
                }
            };
            let reply = with(None).await;
            assert_error(&reply, 401, "missing_token");
            assert_eq!(reply.header("www-authenticate"), Some("Bearer"), "{path}");
            assert_error(&with(Some(&basic)).await, 401, "missing_token");
            assert_error(&with(Some("Bearer")).await, 401, "missing_token");
            for bad in [unknown.as_str(), upper.as_str(), "Bearer short"] {
                let reply = with(Some(bad)).await;
                assert_error(&reply, 401, "invalid_token");
                assert_eq!(reply.header("www-authenticate"), Some("Bearer error=\"invalid_token\""), "{path}");
            }
            // The scheme is case-insensitive.
            let lower = format!("bearer {}", api.token);
            assert_ne!(with(Some(&lower)).await.status, 401, "{path}");
        }
        // Only the authenticated requests did anything: one upload, one deletion.
        let held = b.storage.held_by(api.install_id.clone()).await.unwrap();
        assert_eq!((held.idempotency_keys, held.deletion_requests.len()), (1, 1), "{}", b.name);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn an_install_acts_only_on_itself() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let (alice, bob) = (Api::register(server.addr()).await, Api::register(server.addr()).await);
        assert_eq!(alice.upload("k", &canonical_batch()).await.status, 200);
        assert_eq!(bob.upload("k", &canonical_batch()).await.status, 200);
        let deleted = bob.delete(&json!({})).await.json();
        assert_eq!(
            deleted["deleted"],
            json!({"activity": 1, "visits": 1, "offers": 1, "social": {"links": 0, "invites": 0}}),
            "{}",
            b.name
        );
        assert_eq!(b.storage.held_by(alice.install_id.clone()).await.unwrap().rows(), 3);
        assert_eq!(b.storage.held_by(bob.install_id.clone()).await.unwrap().rows(), 0);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn with_an_attestation_verifier_registration_needs_evidence_bound_to_the_install() {
    use kairos_backend::attestation::{SharedSecretVerifier, ATTESTATION_HEADER};
    let b = common::sqlite();
    let verifier = SharedSecretVerifier::new("play-integrity-double");
    let server = kairos_backend::server::ServerBuilder::new(b.storage.clone())
        .attestation(std::sync::Arc::new(verifier.clone()))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let id = new_install_id();
    let body = json!({ "install_id": id }).to_string();
    let register = |evidence: Option<String>| {
        let body = body.clone();
        let addr = server.addr();
        async move {
            let mut headers = vec![("content-type", "application/json".to_owned())];
            if let Some(evidence) = evidence {
                headers.push((ATTESTATION_HEADER, evidence));
            }
            let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            send_once(addr, Method::POST, "/v1/installs", &headers, body).await.unwrap()
        }
    };
    assert_error(&register(None).await, 403, "attestation_failed");
    assert_error(&register(Some("forged".into())).await, 403, "attestation_failed");
    // Evidence for another install does not do either.
    assert_error(&register(Some(verifier.evidence_for(&new_install_id()))).await, 403, "attestation_failed");
    assert!(!b.storage.held_by(id.clone()).await.unwrap().registered);
    assert_eq!(register(Some(verifier.evidence_for(&id))).await.status, 200);
    assert!(b.storage.held_by(id).await.unwrap().registered);
    // Off by default: the same request without evidence registers elsewhere.
    let plain = start(&b.storage, None).await;
    assert_eq!(register_raw(plain.addr(), &json!({ "install_id": new_install_id() }).to_string()).await.status, 200);
    plain.shutdown().await.unwrap();
    server.shutdown().await.unwrap();
}
