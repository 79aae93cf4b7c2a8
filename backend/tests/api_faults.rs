//! Fault injection: each kind does what it says, faults are seeded and
//! bounded, and a client that retries with the same idempotency key gets
//! every batch stored exactly once through them.

mod common;

use axum::http::Method;
use common::{assert_error, backends, canonical_batch, steps_batch, Api};
use kairos_backend::client::{send_once, ClientError, Reply};
use kairos_backend::faults::{FaultConfig, FaultKind, FaultStats};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server on loopback with `faults` and no abuse limits: these tests
/// count faults and retries, and a retry storm of 100-odd requests would
/// otherwise meet the per-install rate limit (`abuse.rs` tests that one).
async fn start(
    storage: &std::sync::Arc<dyn kairos_backend::storage::Storage>,
    faults: Option<FaultConfig>,
) -> kairos_backend::server::RunningServer {
    let mut builder = kairos_backend::server::ServerBuilder::new(storage.clone())
        .limits(kairos_backend::limits::ServerLimits::unmetered());
    if let Some(config) = faults {
        builder = builder.faults(config);
    }
    builder.bind("127.0.0.1:0").await.unwrap()
}

/// Every request gets `kind`, once; later requests are served normally.
fn once(kind: FaultKind) -> FaultConfig {
    FaultConfig::only(kind, 7).rate(1.0).max_faults(1).slow_ms(300, 300)
}

/// Registers on a server without faults over the same storage (a faulty
/// server could fault the registration itself).
async fn register(storage: &std::sync::Arc<dyn kairos_backend::storage::Storage>, addr: std::net::SocketAddr) -> Api {
    let plain = start(storage, None).await;
    let api = Api { addr, ..Api::register(plain.addr()).await };
    plain.shutdown().await.unwrap();
    api
}

#[tokio::test]
async fn error_before_is_a_500_that_stored_nothing() {
    let b = common::sqlite();
    let server = start(&b.storage, Some(once(FaultKind::ErrorBefore))).await;
    let api = register(&b.storage, server.addr()).await;
    assert_error(&api.upload("k", &canonical_batch()).await, 500, "injected_fault");
    assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().rows(), 0);
    assert_eq!(api.upload("k", &canonical_batch()).await.json(), json!({"stored": 3, "duplicate": false}));
    assert_eq!(server.fault_stats().unwrap().of(FaultKind::ErrorBefore), 1);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn error_after_is_a_500_that_stored_and_the_retry_is_a_duplicate() {
    let b = common::sqlite();
    let server = start(&b.storage, Some(once(FaultKind::ErrorAfter))).await;
    let api = register(&b.storage, server.addr()).await;
    assert_error(&api.upload("k", &canonical_batch()).await, 500, "injected_fault");
    assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().rows(), 3);
    assert_eq!(api.upload("k", &canonical_batch()).await.json(), json!({"stored": 3, "duplicate": true}));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn throttle_is_a_429_with_retry_after_that_stored_nothing() {
    let b = common::sqlite();
    let server = start(&b.storage, Some(once(FaultKind::Throttle).retry_after_secs(3))).await;
    let api = register(&b.storage, server.addr()).await;
    let reply = api.upload("k", &canonical_batch()).await;
    assert_error(&reply, 429, "rate_limited");
    assert_eq!(reply.header("retry-after"), Some("3"));
    assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().rows(), 0);
    assert_eq!(api.upload("k", &canonical_batch()).await.json()["duplicate"], false);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn slow_answers_late_but_whole_and_a_client_that_gave_up_retries_into_a_duplicate() {
    let b = common::sqlite();
    let server = start(&b.storage, Some(once(FaultKind::Slow).max_faults(2))).await;
    let api = register(&b.storage, server.addr()).await;
    let started = Instant::now();
    let reply = api.upload("k1", &canonical_batch()).await;
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    assert_eq!(reply.json(), json!({"stored": 3, "duplicate": false}));

    let batch = steps_batch("2026-11-25", 100);
    let gave_up = tokio::time::timeout(Duration::from_millis(100), api.upload("k2", &batch)).await;
    assert!(gave_up.is_err(), "the client should have timed out");
    assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().activity.len(), 2, "stored all the same");
    let retry = api.upload("k2", &batch).await;
    assert_eq!(retry.json(), json!({"stored": 1, "duplicate": true}));
    assert_eq!(server.fault_stats().unwrap().of(FaultKind::Slow), 2);
    server.shutdown().await.unwrap();
}

/// Sends a raw HTTP/1.1 request and reads until the server closes.
async fn raw_exchange(addr: std::net::SocketAddr, request: String) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received)).await.unwrap();
    received
}

#[tokio::test]
async fn drop_sends_the_head_and_half_the_body_then_closes() {
    let b = common::sqlite();
    let server = start(&b.storage, Some(once(FaultKind::Drop))).await;
    let api = register(&b.storage, server.addr()).await;
    let body = canonical_batch().to_string();
    let request = format!(
        "POST /v1/summaries HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\n\
         idempotency-key: k\r\ncontent-length: {}\r\n\r\n{body}",
        api.token,
        body.len()
    );
    let received = String::from_utf8(raw_exchange(server.addr(), request).await).unwrap();
    let (head, partial) = received.split_once("\r\n\r\n").expect("the head was sent");
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    let announced: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap()))
        .unwrap();
    let full = json!({"stored": 3, "duplicate": false}).to_string();
    assert_eq!(announced, full.len());
    assert_eq!(partial, &full[..full.len() / 2], "half the body, then the connection closed");
    // The request was carried out; the retry is a duplicate.
    assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().rows(), 3);
    assert_eq!(api.upload("k", &canonical_batch()).await.json()["duplicate"], true);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn drop_of_a_304_is_cut_too_and_the_client_sees_an_error() {
    let b = common::sqlite();
    let signed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/example.signed.json");
    let record = kairos_backend::catalog_publishing::prepare(&std::fs::read(signed).unwrap(), None).unwrap();
    kairos_backend::catalog_publishing::publish(b.storage.as_ref(), record.clone()).await.unwrap();
    let server = start(&b.storage, Some(once(FaultKind::Drop))).await;
    let api = register(&b.storage, server.addr()).await;
    let bearer = api.bearer();
    let headers = [("authorization", bearer.as_str()), ("if-none-match", record.etag.as_str())];
    let cut = send_once(server.addr(), Method::GET, "/v1/catalog", &headers, Vec::new()).await;
    assert!(matches!(cut, Err(ClientError::Http(_))), "{cut:?}");
    let reply = send_once(server.addr(), Method::GET, "/v1/catalog", &headers, Vec::new()).await.unwrap();
    assert_eq!(reply.status, 304);
    server.shutdown().await.unwrap();
}

/// A client as the engine should be: same key on every retry, retries on
/// 5xx, 429 and transport errors (honouring Retry-After), gives up on
/// other 4xx.
async fn upload_until_done(api: &Api, key: &str, batch: &serde_json::Value) -> (Reply, u32) {
    let mut attempts = 0;
    loop {
        attempts += 1;
        assert!(attempts <= 200, "no success after 200 attempts");
        let bearer = api.bearer();
        let headers =
            [("authorization", bearer.as_str()), ("content-type", "application/json"), ("idempotency-key", key)];
        let sent = tokio::time::timeout(
            Duration::from_millis(150),
            send_once(api.addr, Method::POST, "/v1/summaries", &headers, batch.to_string()),
        )
        .await;
        match sent {
            Ok(Ok(reply)) if reply.status == 200 => return (reply, attempts),
            Ok(Ok(reply)) if reply.status == 429 => {
                // The injector's Retry-After is 0 seconds; any other is the
                // rate limiter, which this loop would only spin against.
                assert_eq!(reply.header("retry-after"), Some("0"), "a 429 not from the injector: {reply:?}");
            }
            Ok(Ok(reply)) if reply.status.is_server_error() => {}
            Ok(Ok(reply)) => panic!("a request that must not be retried: {reply:?}"),
            Ok(Err(_)) | Err(_) => {} // transport error or timeout
        }
    }
}

#[tokio::test]
async fn a_retrying_client_delivers_every_batch_exactly_once_through_flaky_faults() {
    for b in backends().await {
        let config = FaultConfig::flaky(2026).rate(0.5).max_faults(60).retry_after_secs(0).slow_ms(50, 400);
        let server = start(&b.storage, Some(config.clone())).await;
        let api = register(&b.storage, server.addr()).await;
        let days: Vec<String> = (1..=40).map(|d| format!("2026-10-{:02}", d % 30 + 1)).collect();
        let mut fresh = 0;
        for (i, day) in days.iter().enumerate() {
            let batch = json!({"batch": [
                {"purpose": "activity", "day": day, "data": {"steps": 100 * i, "goal_met": false}},
                {"purpose": "visits", "day": day, "data": {"merchants": [
                    {"merchant_id": format!("m{i}"), "visits": 1, "minutes": 15}]}}]});
            let (reply, _) = upload_until_done(&api, &format!("batch-{i}"), &batch).await;
            assert_eq!(reply.json()["stored"], 2);
            fresh += usize::from(reply.json()["duplicate"] == false);
        }
        let stats: FaultStats = server.fault_stats().unwrap();
        assert!(stats.total() >= 20, "{}: too few faults to prove anything: {stats:?}", b.name);
        for kind in FaultKind::ALL {
            assert!(stats.of(kind) > 0, "{}: no {kind:?} fault: {stats:?}", b.name);
        }
        let held = b.storage.held_by(api.install_id.clone()).await.unwrap();
        assert_eq!(held.idempotency_keys, 40, "{}: one key per batch", b.name);
        assert_eq!(held.visits.len(), 40, "{}: every batch's visits, once", b.name);
        // Days repeat (40 batches over 30 days): the later batch's steps win.
        assert_eq!(held.activity.len(), 30);
        // Some answers were lost after storing (drop, error-after, slow with
        // a timeout): their retries were duplicates.
        assert!(fresh < 40, "{}: no retry was ever a duplicate: {stats:?}", b.name);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn healthz_never_gets_faults_and_installs_do() {
    let b = common::sqlite();
    let server = start(&b.storage, Some(FaultConfig::only(FaultKind::ErrorBefore, 1).rate(1.0).max_faults(1000))).await;
    for _ in 0..5 {
        let reply = send_once(server.addr(), Method::GET, "/healthz", &[], Vec::new()).await.unwrap();
        assert_eq!(reply.json(), json!({"status": "ok", "storage": "sqlite"}));
    }
    let reply = common::register_raw(server.addr(), &json!({"install_id": common::new_install_id()}).to_string()).await;
    assert_error(&reply, 500, "injected_fault");
    assert_eq!(server.fault_stats().unwrap(), {
        let mut s = FaultStats { requests: 1, ..FaultStats::default() };
        s.injected[0] = 1;
        s
    });
    server.shutdown().await.unwrap();
}
