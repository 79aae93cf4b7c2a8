//! `POST /v1/deletion-requests`.

mod common;

use axum::http::Method;
use common::{assert_error, backends, canonical_batch, start, steps_batch, Api};
use kairos_backend::summaries::Purpose;
use serde_json::json;

#[tokio::test]
async fn deletes_one_purpose_then_everything_and_records_counts_only() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        assert_eq!(api.upload("k1", &canonical_batch()).await.status, 200);
        assert_eq!(api.upload("k2", &steps_batch("2026-11-25", 8000)).await.status, 200);

        let reply = api.delete(&json!({"purpose": "visits"})).await;
        assert_eq!(reply.status, 200, "{}", b.name);
        assert_eq!(
            reply.json(),
            json!({"purpose": "visits", "deleted": {"activity": 0, "visits": 1, "offers": 0, "social": {"links": 0, "invites": 0}}})
        );
        let held = b.storage.held_by(api.install_id.clone()).await.unwrap();
        assert_eq!((held.activity.len(), held.visits.len(), held.offers.len()), (2, 0, 1));

        // Deleting again is harmless, and counted as zero.
        let again = api.delete(&json!({"purpose": "visits"})).await.json();
        assert_eq!(
            again["deleted"],
            json!({"activity": 0, "visits": 0, "offers": 0, "social": {"links": 0, "invites": 0}})
        );

        let held = b.storage.held_by(api.install_id.clone()).await.unwrap();
        let records: Vec<_> = held.deletion_requests.iter().map(|r| (r.purpose, r.rows_deleted)).collect();
        assert_eq!(records, vec![(Some(Purpose::Visits), 1), (Some(Purpose::Visits), 0)], "{}", b.name);
        assert!(held.registered, "a purpose's deletion keeps the install registered");

        let all = api.delete(&json!({})).await;
        assert_eq!(
            all.json(),
            json!({"purpose": null, "deleted": {"activity": 2, "visits": 0, "offers": 1, "social": {"links": 0, "invites": 0}}})
        );
        let held = b.storage.held_by(api.install_id.clone()).await.unwrap();
        assert_eq!((held.rows(), held.idempotency_keys), (0, 0));
        assert!(!held.registered, "{}: a full deletion forgets the install", b.name);
        assert!(held.deletion_requests.is_empty(), "{}: its records are kept, without its id", b.name);
        // Its token is gone with it: the device registers a new install id.
        assert_error(&api.upload("k3", &steps_batch("2026-11-26", 100)).await, 401, "invalid_token");
        assert_error(&api.delete(&json!({})).await, 401, "invalid_token");
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn a_replayed_upload_after_deletion_does_not_bring_data_back() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        assert_eq!(api.upload("night-1", &canonical_batch()).await.status, 200);
        for purpose in ["activity", "visits", "offers"] {
            assert_eq!(api.delete(&json!({ "purpose": purpose })).await.status, 200);
        }
        // A late retry of the deleted batch (same key) is answered as a
        // duplicate and stores nothing.
        let replay = api.upload("night-1", &canonical_batch()).await;
        assert_eq!(replay.json(), json!({"stored": 3, "duplicate": true}), "{}", b.name);
        // Even with another body: the fingerprint was forgotten with the data.
        let other = api.upload("night-1", &steps_batch("2026-11-30", 100)).await;
        assert_eq!(other.json()["duplicate"], true, "{}", b.name);
        assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().rows(), 0);
        // New batches under new keys are stored.
        assert_eq!(api.upload("night-2", &steps_batch("2026-11-30", 100)).await.json()["stored"], 1);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn refuses_bad_requests() {
    let b = common::sqlite();
    let server = start(&b.storage, None).await;
    let api = Api::register(server.addr()).await;
    assert_eq!(api.upload("k", &canonical_batch()).await.status, 200);
    for (body, code) in [
        (json!({"purpose": "location"}), "invalid_purpose"),
        (json!({"purpose": null}), "invalid_purpose"),
        (json!({"purpose": 1}), "invalid_purpose"),
        (json!({"purpose": "visits", "day": "2026-11-24"}), "unknown_field"),
        (json!([]), "invalid_json"),
    ] {
        assert_error(&api.delete(&body).await, 400, code);
    }
    let reply =
        api.send(Method::POST, "/v1/deletion-requests", &[("content-type", "application/json")], Vec::new()).await;
    assert_error(&reply, 400, "invalid_json");
    let reply = api.send(Method::POST, "/v1/deletion-requests", &[], b"{}".to_vec()).await;
    assert_error(&reply, 415, "unsupported_media_type");
    let reply = api
        .send(
            Method::POST,
            "/v1/deletion-requests",
            &[("content-type", "application/json"), ("content-encoding", "gzip")],
            kairos_backend::load::gzip(b"{}"),
        )
        .await;
    assert_error(&reply, 415, "unsupported_encoding");
    assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().rows(), 3, "nothing was deleted");
    assert!(b.storage.held_by(api.install_id.clone()).await.unwrap().deletion_requests.is_empty());
    server.shutdown().await.unwrap();
}
