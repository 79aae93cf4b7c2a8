//! `POST /v1/summaries` over HTTP on loopback, on SQLite and (when
//! configured) PostgreSQL: storing, idempotency, gzip, and every rejection.

mod common;

use axum::http::Method;
use chrono::NaiveDate;
use common::{assert_error, backends, canonical_batch, start, steps_batch, Api, Backend};
use kairos_backend::limits::{MAX_BATCH_ITEMS, MAX_BODY_BYTES, MAX_DECOMPRESSED_BYTES};
use kairos_backend::load::gzip;
use kairos_backend::summaries::{ActivitySummary, MerchantVisits, Noise, OfferOutcome};
use serde_json::{json, Value};

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn the_canonical_day_is_stored() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        let reply = api.upload("night-2026-11-25", &canonical_batch()).await;
        assert_eq!(reply.status, 200, "{}: {reply:?}", b.name);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(reply.json(), json!({"stored": 3, "duplicate": false}));
        let held = b.storage.held_by(api.install_id.clone()).await.unwrap();
        let d = day("2026-11-24");
        assert_eq!(held.activity, vec![(d, ActivitySummary { steps: 1400, goal_met: false }, None)]);
        assert_eq!(
            held.visits,
            vec![(d, MerchantVisits { merchant_id: "maison-lumiere".into(), visits: 1, minutes: 30 }, None)]
        );
        assert_eq!(
            held.offers,
            vec![(
                d,
                OfferOutcome {
                    offer_id: "o1".into(),
                    triggered: 1,
                    presented: 1,
                    redeemed: 1,
                    dismissed: 0,
                    held_out: 0
                },
                None
            )]
        );
        assert_eq!(held.idempotency_keys, 1);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn the_same_key_stores_once_and_answers_the_same() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        let first = api.upload("k-1", &canonical_batch()).await;
        assert_eq!(first.json(), json!({"stored": 3, "duplicate": false}), "{}", b.name);
        // The retry, plain or gzipped: same body once decompressed.
        for replay in [api.upload("k-1", &canonical_batch()).await, api.upload_gzip("k-1", &canonical_batch()).await] {
            assert_eq!(replay.status, 200);
            assert_eq!(replay.json(), json!({"stored": 3, "duplicate": true}), "{}", b.name);
        }
        let held = b.storage.held_by(api.install_id.clone()).await.unwrap();
        assert_eq!((held.rows(), held.idempotency_keys), (3, 1));

        // Another body under the same key is refused, and stores nothing.
        let reused = api.upload("k-1", &steps_batch("2026-11-25", 9000)).await;
        assert_error(&reused, 422, "idempotency_key_reused");
        assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().activity.len(), 1);

        // Keys belong to an install: another install may use the same one.
        let other = Api::register(server.addr()).await;
        assert_eq!(other.upload("k-1", &canonical_batch()).await.json()["duplicate"], false);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_retries_of_one_key_store_once() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let api = api.clone();
                tokio::spawn(async move { api.upload("same-key", &canonical_batch()).await })
            })
            .collect();
        let mut fresh = 0;
        for task in tasks {
            let reply = task.await.unwrap();
            assert_eq!(reply.status, 200, "{}: {reply:?}", b.name);
            assert_eq!(reply.json()["stored"], 3);
            fresh += usize::from(reply.json()["duplicate"] == false);
        }
        assert_eq!(fresh, 1, "{}: exactly one request stores", b.name);
        assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().idempotency_keys, 1);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn a_noised_day_is_stored_with_its_epsilon_and_bad_noise_is_refused() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        let mut batch = canonical_batch();
        for (i, epsilon) in [0.5, 1.0, 2.5].into_iter().enumerate() {
            batch["batch"][i]["data"]["noise"] = json!({"mechanism": "geometric", "epsilon": epsilon});
        }
        let reply = api.upload("noised", &batch).await;
        assert_eq!(reply.json(), json!({"stored": 3, "duplicate": false}), "{}: {reply:?}", b.name);
        let held = b.storage.held_by(api.install_id.clone()).await.unwrap();
        let epsilons = (held.activity[0].2, held.visits[0].2, held.offers[0].2);
        let noise = |epsilon| Some(Noise { epsilon });
        assert_eq!(epsilons, (noise(0.5), noise(1.0), noise(2.5)), "{}", b.name);
        for (i, (noise, code)) in [
            (json!({"mechanism": "laplace", "epsilon": 1.0}), "invalid_value"),
            (json!({"mechanism": "geometric", "epsilon": 0}), "invalid_value"),
            (json!({"mechanism": "geometric", "epsilon": 10.5}), "invalid_value"),
            (json!({"mechanism": "geometric", "epsilon": "1"}), "invalid_value"),
            (json!({"mechanism": "geometric", "epsilon": 1.0, "delta": 0}), "unknown_field"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut bad = steps_batch("2026-11-25", 1000);
            bad["batch"][0]["data"]["noise"] = noise;
            let reply = api.upload(&format!("bad-{i}"), &bad).await;
            assert_error(&reply, 400, code);
        }
        assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().activity.len(), 1, "nothing more");
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn a_new_batch_for_the_same_day_replaces_its_rows() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        assert_eq!(api.upload("a", &canonical_batch()).await.status, 200);
        let mut corrected = canonical_batch();
        corrected["batch"][0]["data"] = json!({"steps": 7600, "goal_met": true});
        corrected["batch"][1]["data"]["merchants"] = json!([
            {"merchant_id": "maison-lumiere", "visits": 2, "minutes": 45},
            {"merchant_id": "valley-food-court", "visits": 1, "minutes": 15}]);
        assert_eq!(api.upload("b", &corrected).await.json(), json!({"stored": 3, "duplicate": false}));
        let held = b.storage.held_by(api.install_id.clone()).await.unwrap();
        assert_eq!(held.activity, vec![(day("2026-11-24"), ActivitySummary { steps: 7600, goal_met: true }, None)]);
        let visits: Vec<_> =
            held.visits.iter().map(|(_, v, _)| (v.merchant_id.as_str(), v.visits, v.minutes)).collect();
        assert_eq!(visits, vec![("maison-lumiere", 2, 45), ("valley-food-court", 1, 15)], "{}", b.name);
        assert_eq!(held.offers.len(), 1);
        server.shutdown().await.unwrap();
    }
}

async fn post_raw(api: &Api, headers: &[(&str, &str)], body: Vec<u8>) -> kairos_backend::client::Reply {
    api.send(Method::POST, "/v1/summaries", headers, body).await
}

const JSON: (&str, &str) = ("content-type", "application/json");
const KEY: (&str, &str) = ("idempotency-key", "key-1");
const GZIP: (&str, &str) = ("content-encoding", "gzip");

#[tokio::test]
async fn gzip_bodies_are_inflated_within_limits() {
    let b = common::sqlite();
    let server = start(&b.storage, None).await;
    let api = Api::register(server.addr()).await;
    assert_eq!(api.upload_gzip("g1", &canonical_batch()).await.json(), json!({"stored": 3, "duplicate": false}));

    let plain = canonical_batch().to_string().into_bytes();
    assert_error(&post_raw(&api, &[JSON, ("idempotency-key", "g2"), GZIP], plain.clone()).await, 400, "invalid_gzip");
    let zipped = gzip(&plain);
    let truncated = zipped[..zipped.len() - 10].to_vec();
    assert_error(&post_raw(&api, &[JSON, ("idempotency-key", "g3"), GZIP], truncated).await, 400, "invalid_gzip");

    // A bomb: small on the wire, more than 1 MiB inflated.
    let mut padded = canonical_batch().to_string();
    padded.push_str(&" ".repeat(MAX_DECOMPRESSED_BYTES));
    let bomb = gzip(padded.as_bytes());
    assert!(bomb.len() < MAX_BODY_BYTES);
    assert_error(&post_raw(&api, &[JSON, ("idempotency-key", "g4"), GZIP], bomb).await, 413, "decompressed_too_large");

    // Under 1 MiB inflated is fine (whitespace is valid JSON padding).
    let mut padded = canonical_batch().to_string();
    padded.push_str(&" ".repeat(MAX_DECOMPRESSED_BYTES - padded.len()));
    let reply = post_raw(&api, &[JSON, ("idempotency-key", "g5"), GZIP], gzip(padded.as_bytes())).await;
    assert_eq!(reply.status, 200, "{reply:?}");

    // Other codings are refused.
    for coding in ["br", "deflate", "gzip, identity"] {
        let reply = post_raw(&api, &[JSON, KEY, ("content-encoding", coding)], plain.clone()).await;
        assert_error(&reply, 415, "unsupported_encoding");
    }
    let reply = post_raw(&api, &[JSON, ("idempotency-key", "g6"), ("content-encoding", "identity")], plain).await;
    assert_eq!(reply.status, 200);
    assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().idempotency_keys, 3);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn every_rejection_has_its_status_and_code_and_stores_nothing() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        let body = canonical_batch().to_string().into_bytes();

        assert_error(&post_raw(&api, &[KEY], body.clone()).await, 415, "unsupported_media_type");
        assert_error(
            &post_raw(&api, &[("content-type", "text/plain"), KEY], body.clone()).await,
            415,
            "unsupported_media_type",
        );
        assert_error(&post_raw(&api, &[JSON], body.clone()).await, 400, "missing_idempotency_key");
        for bad in ["", "has space", "semi;colon", &"k".repeat(129)] {
            let reply = post_raw(&api, &[JSON, ("idempotency-key", bad)], body.clone()).await;
            assert_error(&reply, 400, "invalid_idempotency_key");
        }
        let reply = post_raw(&api, &[JSON, ("idempotency-key", &"k".repeat(128))], body.clone()).await;
        assert_eq!(reply.status, 200, "a 128-character key is accepted");

        let mut cases: Vec<(Value, u16, &str)> = vec![
            (json!([]), 400, "invalid_batch"),
            (json!({"batch": []}), 400, "invalid_batch"),
            (json!({"batch": [{"purpose": "location", "day": "2026-11-24", "data": {}}]}), 400, "invalid_purpose"),
            (
                json!({"batch": [{"purpose": "activity", "day": "2026-11-24T10:32:00Z",
                               "data": {"steps": 100, "goal_met": false}}]}),
                400,
                "invalid_day",
            ),
            (steps_batch("2026-11-24", 1430), 400, "invalid_value"),
            (
                json!({"batch": [{"purpose": "visits", "day": "2026-11-24", "data": {"merchants": [
                {"merchant_id": "m", "visits": 1, "minutes": 20}]}}]}),
                400,
                "invalid_value",
            ),
            (
                json!({"batch": [{"purpose": "offers", "day": "2026-11-24", "data": {"offers": [
                {"offer_id": "o", "triggered": -1, "presented": 0, "redeemed": 0, "dismissed": 0, "held_out": 0}]}}]}),
                400,
                "invalid_value",
            ),
            (
                json!({"batch": [{"purpose": "visits", "day": "2026-11-24", "data": {"merchants": [
                {"merchant_id": "m", "visits": 1, "minutes": 15, "lat": 34.05, "lon": -118.25}]}}]}),
                400,
                "forbidden_field",
            ),
            (
                json!({"batch": [{"purpose": "activity", "day": "2026-11-24", "timestamp": 1764000000,
                               "data": {"steps": 100, "goal_met": false}}]}),
                400,
                "forbidden_field",
            ),
            (
                json!({"batch": [{"purpose": "activity", "day": "2026-11-24",
                               "data": {"steps": 100, "goal_met": false, "floors": 3}}]}),
                400,
                "unknown_field",
            ),
            (
                json!({"batch": [steps_batch("2026-11-24", 100)["batch"][0], steps_batch("2026-11-24", 200)["batch"][0]]}),
                400,
                "duplicate_entry",
            ),
        ];
        let entry = steps_batch("2026-11-24", 100)["batch"][0].clone();
        cases.push((json!({ "batch": vec![entry; MAX_BATCH_ITEMS + 1] }), 413, "too_many_items"));
        for (i, (batch, status, code)) in cases.iter().enumerate() {
            let reply = api.upload(&format!("bad-{i}"), batch).await;
            assert_error(&reply, *status, code);
        }
        assert_error(&post_raw(&api, &[JSON, KEY], b"{\"batch\": [".to_vec()).await, 400, "invalid_json");
        assert_error(
            &post_raw(&api, &[JSON, KEY], br#"{"batch": [], "batch": []}"#.to_vec()).await,
            400,
            "invalid_json",
        );

        // More than 64 KiB on the wire: by Content-Length, before reading.
        let mut big = canonical_batch().to_string();
        big.push_str(&" ".repeat(MAX_BODY_BYTES));
        assert_error(&post_raw(&api, &[JSON, KEY], big.into_bytes()).await, 413, "body_too_large");

        let held = b.storage.held_by(api.install_id.clone()).await.unwrap();
        assert_eq!((held.rows(), held.idempotency_keys), (3, 1), "{}: only the 128-character key stored", b.name);
        // A refused request does not burn its key.
        assert_eq!(api.upload("bad-4", &steps_batch("2026-11-24", 1400)).await.status, 200);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json_errors() {
    let Backend { storage, .. } = common::sqlite();
    let server = start(&storage, None).await;
    let api = Api::register(server.addr()).await;
    assert_error(&api.send(Method::GET, "/v1/nothing", &[], Vec::new()).await, 404, "not_found");
    assert_error(&api.send(Method::GET, "/", &[], Vec::new()).await, 404, "not_found");
    let reply = api.send(Method::GET, "/v1/summaries", &[], Vec::new()).await;
    assert_error(&reply, 405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("POST"));
    let reply = api.send(Method::DELETE, "/v1/catalog", &[], Vec::new()).await;
    assert_error(&reply, 405, "method_not_allowed");
    assert_eq!(reply.header("allow"), Some("GET,HEAD"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_cut_off_while_reading() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let b = common::sqlite();
    let server = start(&b.storage, None).await;
    let api = Api::register(server.addr()).await;
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let head = format!(
        "POST /v1/summaries HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\n\
         idempotency-key: chunked\r\ntransfer-encoding: chunked\r\n\r\n",
        api.token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("2000\r\n{}\r\n", " ".repeat(0x2000));
    // Nine chunks of 8 KiB: over the limit without any Content-Length. The
    // server may answer and close before all are written.
    for _ in 0..9 {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"code\":\"body_too_large\""), "{answer}");
    assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().idempotency_keys, 0);
    server.shutdown().await.unwrap();
}
