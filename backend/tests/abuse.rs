//! Issue #19: the real server on 127.0.0.1 under abuse, with its figures
//! printed (on stderr, past the test harness's capture): registration
//! bursts, install takeover, upload floods, per-day quotas, stalled
//! connections, free-text ids, deletion that leaves bytes behind, sybils
//! in the report, and exactly-once storage under concurrency with the
//! limits on. The tests run one at a time (they time things).

mod common;

use axum::http::Method;
use common::{assert_error, new_install_id, register_raw, Api};
use kairos_backend::api::auth::{hex, new_token, token_hash};
use kairos_backend::client::{send_once, Connection};
use kairos_backend::limits::{ReportEligibility, ServerLimits, MAX_VISIT_ROWS_PER_DAY};
use kairos_backend::report::visit_report;
use kairos_backend::server::{RunningServer, ServerBuilder};
use kairos_backend::storage::{SqliteStorage, Storage};
use serde_json::{json, Value};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// One test at a time: they measure time, and share two cores.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn figure(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "abuse: {line}");
}

async fn serve(storage: &Arc<dyn Storage>, limits: ServerLimits) -> RunningServer {
    ServerBuilder::new(storage.clone()).limits(limits).bind("127.0.0.1:0").await.unwrap()
}

fn steps(day: &str, steps: u32) -> Value {
    common::steps_batch(day, steps)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_registrations_from_one_address_is_cut_to_the_limit_by_429s() {
    let _serial = SERIAL.lock().await;
    let b = common::sqlite();
    let server = serve(&b.storage, ServerLimits::default()).await;
    let started = Instant::now();
    let (mut registered, mut limited, mut retry_after) = (0, 0, String::new());
    for _ in 0..200 {
        let reply = register_raw(server.addr(), &json!({ "install_id": new_install_id() }).to_string()).await;
        match reply.status.as_u16() {
            200 => registered += 1,
            429 => {
                assert_error(&reply, 429, "rate_limited");
                retry_after = reply.header("retry-after").expect("Retry-After").to_owned();
                limited += 1;
            }
            other => panic!("unexpected {other}: {reply:?}"),
        }
    }
    figure(format!(
        "200 registrations from 127.0.0.1 in {:.2} s: {registered} registered, {limited} refused with 429 \
         (last Retry-After: {retry_after} s)",
        started.elapsed().as_secs_f64()
    ));
    assert!((20..=30).contains(&registered), "{registered} registered");
    assert_eq!(registered + limited, 200);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_install_id_cannot_be_taken_over_by_registering_it_again() {
    let _serial = SERIAL.lock().await;
    let b = common::sqlite();
    let server = serve(&b.storage, ServerLimits::default()).await;
    let victim = Api::register(server.addr()).await;
    let takeover = register_raw(server.addr(), &json!({ "install_id": victim.install_id }).to_string()).await;
    assert_error(&takeover, 409, "install_id_taken");
    let still = victim.upload("after-takeover", &steps("2026-11-24", 1000)).await;
    assert_eq!(still.status, 200, "{still:?}");
    figure(format!(
        "re-registering a known install id without its token: {} {}; the old token then uploads: {}",
        takeover.status.as_u16(),
        takeover.json()["error"]["code"],
        still.status.as_u16()
    ));
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_flooding_uploads_is_partly_refused_with_429s() {
    let _serial = SERIAL.lock().await;
    let b = common::sqlite();
    let server = serve(&b.storage, ServerLimits::default()).await;
    let api = Api::register(server.addr()).await;
    let bearer = api.bearer();
    let mut connection = Connection::open(server.addr()).await.unwrap();
    let (started, deadline) = (Instant::now(), Instant::now() + Duration::from_secs(10));
    let (mut stored, mut limited, mut sent) = (0, 0, 0);
    for i in 0..500 {
        if Instant::now() >= deadline {
            break;
        }
        let key = format!("flood-{i}");
        let body = steps(&format!("2026-{:02}-{:02}", i % 12 + 1, i % 28 + 1), 100).to_string();
        let headers = [("content-type", "application/json"), ("authorization", &bearer), ("idempotency-key", &key)];
        let reply = connection.send(Method::POST, "/v1/summaries", &headers, body).await.unwrap();
        sent += 1;
        match reply.status.as_u16() {
            200 => stored += 1,
            429 => {
                assert!(reply.header("retry-after").is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
                limited += 1;
            }
            other => panic!("unexpected {other}: {reply:?}"),
        }
    }
    figure(format!(
        "{sent} uploads from one token in {:.2} s: {stored} stored, {limited} refused with 429",
        started.elapsed().as_secs_f64()
    ));
    assert_eq!(sent, 500, "the server answered 500 uploads within 10 s");
    assert!(limited > 0 && stored > 0 && stored <= 70, "{stored} stored, {limited} limited");
    assert_eq!(b.storage.held_by(api.install_id.clone()).await.unwrap().idempotency_keys, stored as u64);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_batching_stores_more_than_a_days_worth_for_one_day() {
    let _serial = SERIAL.lock().await;
    let b = common::sqlite();
    let server = serve(&b.storage, ServerLimits::default()).await;
    let api = Api::register(server.addr()).await;
    let (mut stored, mut refused) = (0, 0);
    for batch in 0..10 {
        let rows: Vec<Value> = (0..100)
            .map(|i| json!({"merchant_id": format!("m{}", batch * 100 + i), "visits": 1, "minutes": 15}))
            .collect();
        let body = json!({"batch": [{"purpose": "visits", "day": "2026-11-24", "data": {"merchants": rows}}]});
        let reply = api.upload(&format!("q{batch}"), &body).await;
        match reply.status.as_u16() {
            200 => stored += 1,
            _ => {
                assert_error(&reply, 422, "quota_exceeded");
                refused += 1;
            }
        }
    }
    let held = b.storage.held_by(api.install_id.clone()).await.unwrap().visits.len();
    figure(format!(
        "10 batches of 100 visit rows for one day from one token: {stored} stored, {refused} refused \
         (422 quota_exceeded); {held} rows held for the day (quota {MAX_VISIT_ROWS_PER_DAY})"
    ));
    assert_eq!(held, MAX_VISIT_ROWS_PER_DAY);
    assert_eq!((stored, refused), (2, 8));
    server.shutdown().await.unwrap();
}

/// Reads until the peer closes; the time since `started` it took, or
/// `None` past `limit`; and what the peer sent.
async fn closed_within(mut stream: TcpStream, started: Instant, limit: Duration) -> (Option<Duration>, Vec<u8>) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buf)).await {
            Err(_) => return (None, seen),
            Ok(Ok(0)) | Ok(Err(_)) => return (Some(started.elapsed()), seen),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// `GET /healthz` from `source` on a connection of its own; the status line.
async fn health_from(source: &str, server: SocketAddr) -> std::io::Result<String> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(format!("{source}:0").parse().unwrap())?;
    let mut stream = socket.connect(server).await?;
    stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_are_dropped_on_time_and_healthz_answers_meanwhile() {
    let _serial = SERIAL.lock().await;
    let b = common::sqlite();
    let short = ServerLimits {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(2),
        max_connections_per_address: 400,
        ..ServerLimits::default()
    };
    let server = serve(&b.storage, short.clone()).await;
    let addr = server.addr();
    // 300 clients stop half-way through the request head, 20 half-way
    // through a body; 20 open a connection and send nothing.
    let mut stalled = Vec::new();
    for i in 0..340 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let sent: &[u8] = match i {
            0..300 => b"POST /v1/summaries HTTP/1.1\r\nhost: x\r\ncontent-type: appl",
            300..320 => b"POST /v1/installs HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"inst",
            _ => b"",
        };
        stream.write_all(sent).await.unwrap();
        stalled.push(stream);
    }
    let opened = Instant::now();
    let asked = Instant::now();
    let health = tokio::time::timeout(Duration::from_secs(2), send_once(addr, Method::GET, "/healthz", &[], vec![]))
        .await
        .expect("/healthz within 2 s while 340 connections stall")
        .unwrap();
    let health_ms = asked.elapsed().as_secs_f64() * 1e3;
    assert_eq!(health.status, 200);
    let open = server.open_connections();
    let waits: Vec<_> =
        stalled.into_iter().map(|s| tokio::spawn(closed_within(s, opened, Duration::from_secs(6)))).collect();
    let mut slowest = [Duration::ZERO; 3];
    let mut timeouts_408 = 0;
    for (i, wait) in waits.into_iter().enumerate() {
        let (closed, answer) = wait.await.unwrap();
        let closed = closed.unwrap_or_else(|| panic!("stalled connection {i} still open after 6 s"));
        let kind = match i {
            0..300 => 0,
            300..320 => 1,
            _ => 2,
        };
        slowest[kind] = slowest[kind].max(closed);
        timeouts_408 += usize::from(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408"));
    }
    let total = opened.elapsed();
    figure(format!(
        "340 stalled connections (300 half a head, 20 half a body, 20 silent; header timeout 1 s, body 1 s, \
         idle 2 s): /healthz answered in {health_ms:.0} ms with {open} connections open; all closed within \
         {:.2} s (heads {:.2} s, bodies {:.2} s with {timeouts_408} answered 408, silent {:.2} s)",
        total.as_secs_f64(),
        slowest[0].as_secs_f64(),
        slowest[1].as_secs_f64(),
        slowest[2].as_secs_f64()
    ));
    assert!(open >= 340, "the stalled connections were accepted: {open}");
    assert!(slowest[0] < Duration::from_millis(2500) && slowest[2] < Duration::from_millis(2500), "{slowest:?}");
    assert!(slowest[1] < Duration::from_millis(2500), "{slowest:?}");
    assert_eq!(timeouts_408, 20, "a stalled body is answered 408 request_timeout");
    server.shutdown().await.unwrap();

    // With the default cap of 64 per address, a flood from one address is
    // refused at once; another address is served.
    let capped = serve(&b.storage, ServerLimits { max_connections_per_address: 64, ..short }).await;
    let mut flood = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(capped.addr()).await.unwrap();
        let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n").await;
        flood.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    let other = tokio::time::timeout(Duration::from_secs(2), health_from("127.0.0.2", capped.addr()))
        .await
        .expect("/healthz from 127.0.0.2 within 2 s")
        .unwrap();
    figure(format!(
        "300 connections from 127.0.0.1 against a cap of 64 per address: {} refused at once, {} open; \
         /healthz from 127.0.0.2: {other:?} in {:.0} ms",
        capped.refused_connections(),
        capped.open_connections(),
        asked.elapsed().as_secs_f64() * 1e3
    ));
    assert_eq!(other, "HTTP/1.1 200 OK");
    assert!(capped.refused_connections() >= 236, "{}", capped.refused_connections());
    drop(flood);
    capped.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summaries_naming_ids_outside_the_published_catalog_are_refused() {
    let _serial = SERIAL.lock().await;
    let b = common::sqlite();
    let signed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/example.signed.json");
    let record = kairos_backend::catalog_publishing::prepare(&std::fs::read(signed).unwrap(), None).unwrap();
    kairos_backend::catalog_publishing::publish(b.storage.as_ref(), record).await.unwrap();
    let server = serve(&b.storage, ServerLimits::default()).await;
    let api = Api::register(server.addr()).await;
    let visit = |merchant: &str| {
        json!({"batch": [{"purpose": "visits", "day": "2026-11-24", "data": {"merchants": [
            {"merchant_id": "maison-lumiere", "visits": 1, "minutes": 15},
            {"merchant_id": merchant, "visits": 1, "minutes": 15}]}}]})
    };
    let mut answers = Vec::new();
    for (i, (merchant, status, code)) in [
        ("48.85837,2.29448", 400, "unknown_merchant_id"),
        ("=1+2", 400, "unknown_merchant_id"),
        ("valley\u{7}food", 400, "invalid_value"),
        ("valley-food-court", 200, ""),
    ]
    .into_iter()
    .enumerate()
    {
        let reply = api.upload(&format!("ids-{i}"), &visit(merchant)).await;
        if status == 200 {
            assert_eq!(reply.status, 200, "{reply:?}");
        } else {
            assert_error(&reply, status, code);
        }
        answers.push(format!("{merchant:?} -> {} {}", reply.status.as_u16(), reply.json()["error"]["code"]));
    }
    let offer = json!({"batch": [{"purpose": "offers", "day": "2026-11-24", "data": {"offers": [
        {"offer_id": "o1", "triggered": 1, "presented": 1, "redeemed": 0, "dismissed": 0, "held_out": 0}]}}]});
    let reply = api.upload("ids-offer", &offer).await;
    assert_error(&reply, 400, "unknown_offer_id");
    assert!(reply.json()["error"]["message"].as_str().unwrap().starts_with("batch[0].data.offers[0].offer_id"));
    figure(format!(
        "ids checked against the published catalog: {}; offer \"o1\" -> 400 unknown_offer_id",
        answers.join(", ")
    ));
    let held = b.storage.held_by(api.install_id.clone()).await.unwrap();
    assert_eq!(held.visits.len(), 2, "only the catalog's merchants are stored");
    server.shutdown().await.unwrap();
}

/// How many times each needle occurs in the files.
fn occurrences(files: &[std::path::PathBuf], needles: &[Vec<u8>]) -> usize {
    let mut found = 0;
    for file in files {
        let Ok(bytes) = std::fs::read(file) else { continue };
        for needle in needles {
            found += bytes.windows(needle.len()).filter(|w| *w == needle.as_slice()).count();
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_deletion_leaves_no_distinctive_value_in_the_database_or_its_wal() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kairos-backend.db");
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&path).unwrap());
    let server = serve(&storage, ServerLimits::default()).await;
    let api = Api::register(server.addr()).await;
    let keys: Vec<String> = (0..3).map(|i| format!("erase-{}-{i}", &api.install_id[..12])).collect();
    for (i, key) in keys.iter().enumerate() {
        assert_eq!(api.upload(key, &common::canonical_batch()).await.status, 200);
        assert_eq!(api.upload(&format!("{key}-s"), &steps(&format!("2026-11-2{i}"), 98_700)).await.status, 200);
    }
    api.delete(&json!({"purpose": "offers"})).await;
    let mut needles: Vec<Vec<u8>> = vec![api.install_id.clone().into_bytes(), token_hash(&api.token).to_vec()];
    needles.extend(keys.iter().map(|k| k.clone().into_bytes()));
    let files = [path.clone(), dir.path().join("kairos-backend.db-wal")];
    let checkpoint = || {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    };
    let before = occurrences(&files, &needles);
    assert!(before > 0, "the scan finds the install's values before the deletion");
    let reply = api.delete(&json!({})).await;
    assert_eq!(reply.status, 200);
    checkpoint();
    let after = occurrences(&files, &needles);
    let sizes: Vec<u64> = files.iter().map(|f| std::fs::metadata(f).map_or(0, |m| m.len())).collect();
    figure(format!(
        "deleted install {}: its id, token hash (…{}) and idempotency keys occur {before} times in the database \
         and WAL before a full deletion, {after} times after it and a checkpoint (db {} bytes, wal {} bytes); \
         the old token then gets {}",
        &api.install_id,
        &hex(&token_hash(&api.token))[56..],
        sizes[0],
        sizes[1],
        api.upload("late", &steps("2026-11-30", 100)).await.status.as_u16()
    ));
    assert_eq!(after, 0, "a distinctive value of the deleted install is still in the files");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sybils_registered_today_do_not_make_a_report_cell() {
    let _serial = SERIAL.lock().await;
    let b = common::sqlite();
    let server = serve(&b.storage, ServerLimits::default()).await;
    let today = kairos_backend::today_utc().to_string();
    for i in 0..10 {
        let sybil = Api::register(server.addr()).await;
        let body = json!({"batch": [{"purpose": "visits", "day": today, "data": {"merchants": [
            {"merchant_id": "maison-lumiere", "visits": 1, "minutes": 15}]}}]});
        assert_eq!(sybil.upload(&format!("sybil-{i}"), &body).await.status, 200);
    }
    let without = visit_report(b.storage.as_ref(), 5, ReportEligibility::EVERY_INSTALL).await.unwrap();
    let with = visit_report(b.storage.as_ref(), 5, ReportEligibility::default()).await.unwrap();
    figure(format!(
        "10 installs registered today visit one merchant today: without the sybil rule the report shows {} cell(s) \
         of {} installs; with it (registered 7 days before, uploads on 3 days) {} cell(s), {} suppressed",
        without.cells.len(),
        without.cells.first().map_or(0, |c| c.installs),
        with.cells.len(),
        with.suppressed
    ));
    assert_eq!((without.cells.len(), with.cells.len()), (1, 0));
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_unique_uploads_under_the_limits_are_stored_exactly_once() {
    let _serial = SERIAL.lock().await;
    let b = common::sqlite();
    let server = serve(&b.storage, ServerLimits::default()).await;
    let addr = server.addr();
    // 90 installs (registered directly: the HTTP registration limit is
    // another test's), 20 batches each, every batch sent twice at once.
    let mut installs = Vec::new();
    for _ in 0..90 {
        let (id, token) = (new_install_id(), new_token());
        b.storage.register_install(id.clone(), token_hash(&token), None, kairos_backend::today_utc()).await.unwrap();
        installs.push((id, format!("Bearer {token}")));
    }
    let mut jobs = Vec::new();
    for (i, (_, bearer)) in installs.iter().enumerate() {
        for d in 0..20 {
            let body = steps(&format!("2026-03-{:02}", d + 1), 100 * (i as u32 + 1)).to_string();
            let job = (bearer.clone(), format!("u-{i}-{d}"), body);
            jobs.push(job.clone());
            jobs.push(job);
        }
    }
    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..48)
        .map(|_| {
            let (jobs, next) = (jobs.clone(), next.clone());
            tokio::spawn(async move {
                let (mut fresh, mut duplicate) = (0, 0);
                let mut connection = Connection::open(addr).await.unwrap();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((bearer, key, body)) = jobs.get(i) else { break };
                    let headers =
                        [("content-type", "application/json"), ("authorization", bearer), ("idempotency-key", key)];
                    let reply = loop {
                        match connection.send(Method::POST, "/v1/summaries", &headers, body.clone()).await {
                            Ok(reply) => break reply,
                            Err(_) => connection = Connection::open(addr).await.unwrap(),
                        }
                    };
                    assert_eq!(reply.status, 200, "{reply:?}");
                    if reply.json()["duplicate"] == true {
                        duplicate += 1;
                    } else {
                        fresh += 1;
                    }
                }
                (fresh, duplicate)
            })
        })
        .collect();
    let (mut fresh, mut duplicate) = (0, 0);
    for worker in workers {
        let (f, d) = worker.await.unwrap();
        fresh += f;
        duplicate += d;
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut keys = 0;
    for (id, _) in &installs {
        let held = b.storage.held_by(id.clone()).await.unwrap();
        assert_eq!((held.idempotency_keys, held.activity.len()), (20, 20), "{id}");
        keys += held.idempotency_keys;
    }
    figure(format!(
        "1,800 unique batches from 90 installs, each sent twice at once over 48 connections ({} requests in \
         {seconds:.2} s): {fresh} stored, {duplicate} answered duplicate, {keys} keys held",
        jobs.len()
    ));
    assert_eq!((fresh, duplicate, keys), (1800, 1800, 1800));
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_total_cap_are_closed_at_once() {
    let _serial = SERIAL.lock().await;
    let b = common::sqlite();
    let limits = ServerLimits { max_connections: 50, max_connections_per_address: 1000, ..ServerLimits::default() };
    let server = serve(&b.storage, limits).await;
    let mut held = Vec::new();
    for _ in 0..80 {
        held.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (open, refused) = (server.open_connections(), server.refused_connections());
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let health = send_once(server.addr(), Method::GET, "/healthz", &[], vec![]).await.unwrap();
    figure(format!(
        "80 connections against a total cap of 50: {open} open, {refused} closed at once; once they go, \
         /healthz answers {}",
        health.status.as_u16()
    ));
    assert_eq!((open, refused), (50, 30));
    assert_eq!(health.status, 200);
    server.shutdown().await.unwrap();
}
