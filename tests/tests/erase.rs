//! Erase forgets the install: after `erase_all`, the next sync delivers the
//! deletion of everything under the old install id and token first, then
//! registers a new install id, and nothing it sends afterwards carries the
//! old credentials. A tiled catalog (the shopper's region) goes with the
//! profile and comes back at that sync, asked for under the new id.

#![forbid(unsafe_code)]

use kairos_core::privacy::Purpose;
use kairos_core::sync::{HttpMethod, HttpRequest, HttpTransport, ReqwestTransport, SyncOptions, TransportFuture};
use kairos_core::{Engine, EngineConfig, Timestamp};
use kairos_e2e::{backend, step_days, t, tiled};
use std::sync::Mutex;

/// One request as it left the device.
#[derive(Debug, Clone)]
struct Sent {
    path: String,
    bearer: Option<String>,
    body: Vec<u8>,
}

/// The reqwest transport, recording every request and every token the
/// backend issued.
struct Recording {
    inner: ReqwestTransport,
    sent: Mutex<Vec<Sent>>,
    tokens: Mutex<Vec<String>>,
}

impl Recording {
    fn new() -> Recording {
        Recording {
            inner: ReqwestTransport::new().unwrap(),
            sent: Mutex::new(Vec::new()),
            tokens: Mutex::new(Vec::new()),
        }
    }

    fn take(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.sent.lock().unwrap())
    }
}

impl HttpTransport for Recording {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        let path = request.url.split_once("/v1/").map(|(_, p)| format!("/v1/{p}")).unwrap_or_default();
        let bearer = request
            .headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .map(|(_, v)| v.trim_start_matches("Bearer ").to_string());
        self.sent.lock().unwrap().push(Sent { path: path.clone(), bearer, body: request.body.clone() });
        Box::pin(async move {
            let resp = self.inner.send(request).await?;
            if path == "/v1/installs" && resp.status == 200 {
                let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
                self.tokens.lock().unwrap().push(v["token"].as_str().unwrap().to_string());
            }
            Ok(resp)
        })
    }
}

fn options(url: &str) -> SyncOptions {
    SyncOptions { allow_insecure_loopback: true, fetch_catalog: false, ..SyncOptions::new(url) }
}

fn install_id(e: &Engine) -> String {
    let doc: serde_json::Value = serde_json::from_str(&e.export_profile().unwrap()).unwrap();
    doc["install_id"].as_str().unwrap().to_string()
}

fn consent_all(e: &Engine, at: Timestamp) {
    for p in Purpose::ALL {
        e.set_consent(p, true, "2026-11", at).unwrap();
    }
}

/// An engine (its own install id, drawn at first open) that synced two
/// days of steps; returns its install id and token.
async fn synced_engine(dir: &std::path::Path, url: &str, net: &Recording) -> (Engine, String, String) {
    let e = Engine::open(EngineConfig::new(dir, "America/Los_Angeles")).unwrap();
    e.tick(t("2026-11-01T12:00:00-08:00")).unwrap();
    consent_all(&e, t("2026-11-01T12:00:00-08:00"));
    step_days(&e, t("2026-11-02T12:00:00-08:00"), 2, 3_000);
    let r = e.sync_with(&options(url), net, t("2026-11-04T02:00:00-08:00")).await.unwrap();
    assert_eq!(r.sent, 2, "{r:?}");
    let token = net.tokens.lock().unwrap().last().cloned().unwrap();
    net.take();
    let id = install_id(&e);
    (e, id, token)
}

/// Erases, records two more days, and syncs: what left the device.
async fn erase_then_sync(e: &Engine, url: &str, net: &Recording) -> kairos_core::sync::SyncReport {
    e.erase_all(t("2026-11-04T09:00:00-08:00")).unwrap();
    assert_eq!(e.outbox().unwrap().len(), 1, "the deletion of everything waits in the outbox");
    consent_all(e, t("2026-11-04T10:00:00-08:00"));
    step_days(e, t("2026-11-05T12:00:00-08:00"), 2, 5_000);
    e.sync_with(&options(url), net, t("2026-11-07T02:00:00-08:00")).await.unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_erase_the_old_install_is_deleted_first_and_uploads_go_under_a_new_one() {
    let b = backend(None).await;
    let url = b.server.url();
    let net = Recording::new();
    let dir = tempfile::tempdir().unwrap();
    let (e, old_id, old_token) = synced_engine(dir.path(), &url, &net).await;

    let report = erase_then_sync(&e, &url, &net).await;
    assert_eq!((report.deletions_sent, report.sent), (1, 2), "{report:?}");
    let new_id = install_id(&e);
    assert_ne!(new_id, old_id, "erase draws a new install id");
    let sent = net.take();
    let paths: Vec<&str> = sent.iter().map(|s| s.path.as_str()).collect();
    // `social` is granted again too: its counts are fetched under the new token.
    assert_eq!(paths, ["/v1/deletion-requests", "/v1/installs", "/v1/summaries", "/v1/social/counts"], "{sent:#?}");
    assert_eq!((sent[0].bearer.as_deref(), text(&sent[0].body).as_str()), (Some(old_token.as_str()), "{}"));
    assert!(text(&sent[1].body).contains(&new_id), "the new id registers");
    let new_token = net.tokens.lock().unwrap().last().cloned().unwrap();
    assert_ne!(new_token, old_token);
    for s in &sent[1..] {
        assert_ne!(s.bearer.as_deref(), Some(old_token.as_str()), "nothing after the deletion uses the old token");
        assert!(!text(&s.body).contains(&old_id), "nothing after the deletion names the old id");
    }
    assert_eq!(sent[2].bearer.as_deref(), Some(new_token.as_str()));

    let old = b.storage.held_by(old_id.clone()).await.unwrap();
    assert!(old.activity.is_empty(), "the backend forgot the old install's summaries");
    assert!(
        !old.registered || old.deletion_requests.iter().any(|d| d.purpose.is_none()),
        "the deletion of everything reached the old install: {:?}",
        old.deletion_requests
    );
    let new = b.storage.held_by(new_id).await.unwrap();
    assert_eq!(new.activity.len(), 2, "what was recorded after the erase went under the new id");
    assert!(new.deletion_requests.is_empty());

    // Nothing left: the next sync sends nothing under either id.
    let again = e.sync_with(&options(&url), &net, t("2026-11-07T03:00:00-08:00")).await.unwrap();
    assert_eq!((again.deletions_sent, again.sent), (0, 0), "{again:?}");
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_the_backend_already_forgot_is_done_without_registering_the_old_id_again() {
    // The deletion of everything already reached the backend (its answer
    // was lost), so the backend dropped the install: the old token now gets
    // 401. Nothing is left under the old id; registering it again would put
    // it back on the server, so the engine moves on to the new id.
    let b = backend(None).await;
    let url = b.server.url();
    let net = Recording::new();
    let dir = tempfile::tempdir().unwrap();
    let (e, old_id, old_token) = synced_engine(dir.path(), &url, &net).await;
    let earlier = HttpRequest::new(HttpMethod::Post, format!("{url}/v1/deletion-requests"))
        .header("authorization", format!("Bearer {old_token}"))
        .header("idempotency-key", "delivered-before-the-answer-was-lost")
        .header("content-type", "application/json")
        .body(b"{}".to_vec());
    assert_eq!(net.inner.send(earlier).await.unwrap().status, 200, "the backend deletes the old install");
    net.take();

    let report = erase_then_sync(&e, &url, &net).await;
    assert_eq!((report.deletions_sent, report.sent), (1, 2), "{report:?}");
    assert!(report.problems.iter().any(|p| p.contains("already gone")), "{report:?}");
    let sent = net.take();
    let paths: Vec<&str> = sent.iter().map(|s| s.path.as_str()).collect();
    // `social` is granted again too: its counts are fetched under the new token.
    assert_eq!(paths, ["/v1/deletion-requests", "/v1/installs", "/v1/summaries", "/v1/social/counts"], "{sent:#?}");
    assert_eq!(sent[0].bearer.as_deref(), Some(old_token.as_str()));
    let new_id = install_id(&e);
    assert!(new_id != old_id && text(&sent[1].body).contains(&new_id), "only the new id registers");
    assert!(!text(&sent[1].body).contains(&old_id));
    assert!(b.storage.held_by(old_id).await.unwrap().activity.is_empty());
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erase_forgets_the_tiled_region_and_the_next_sync_fetches_it_again_under_the_new_pseudonym() {
    let tiled::Published { b, dir, e, .. } = tiled::published().await;
    let url = b.server.url();
    let net = Recording::new();
    let start = t("2026-11-24T07:00:00-08:00");
    e.record_location(tiled::fix(start, tiled::HOME)).unwrap();
    e.sync_with(&tiled::options(&url), &net, start.plus_millis(1_000)).await.unwrap();
    let held = e.catalog_tiles().expect("tiles held").held;
    let cafe_tile = tiled::tile_of(tiled::PLACES[0].1);
    assert!(held.contains(&cafe_tile), "the café's tile, near home: {held:?}");
    let old_token = net.tokens.lock().unwrap().last().cloned().unwrap();
    net.take();

    e.erase_all(start.plus_millis(60_000)).unwrap();
    assert_eq!(e.catalog_tiles(), None, "the region goes with the profile");
    assert!(e.catalog_info().is_none(), "no catalog in force until the next sync");
    let db = rusqlite::Connection::open(dir.path().join("kairos.db")).unwrap();
    for table in ["catalog_tiles", "catalog", "fence_ids"] {
        let rows: i64 = db.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 0, "{table} keeps rows after the erase");
    }
    drop(db);
    let ids = tiled::tile_id_hits(dir.path(), &tiled::region_tiles()).unwrap();
    assert!(ids.is_empty(), "tile ids of the region after the erase: {ids:?}");
    let hits = kairos_e2e::scan::Scanner::new(tiled::held_places(), 2e-4).scan_dir(dir.path()).unwrap();
    assert!(hits.is_empty(), "the region's places after the erase: {:#?}", &hits[..hits.len().min(10)]);

    // The next position and sync: the deletion first, then the tiles,
    // asked for under the new pseudonym only.
    let later = start.plus_millis(3_600_000);
    e.record_location(tiled::fix(later, tiled::HOME)).unwrap();
    let report = e.sync_with(&tiled::options(&url), &net, later.plus_millis(1_000)).await.unwrap();
    assert!(report.catalog_updated && report.deletions_sent == 1, "{report:?}");
    assert!(e.catalog_tiles().expect("tiles again").held.contains(&cafe_tile));
    assert_eq!(e.catalog_info().unwrap().fences, 1, "the café near home again");
    let sent = net.take();
    assert_eq!(sent[0].path, "/v1/deletion-requests", "{sent:#?}");
    let new_token = net.tokens.lock().unwrap().last().cloned().unwrap();
    let tiles: Vec<&Sent> = sent.iter().filter(|s| s.path.starts_with("/v1/catalog")).collect();
    assert!(tiles.iter().any(|s| s.path == "/v1/catalog/tiles"), "{sent:#?}");
    for s in tiles {
        assert_eq!(s.bearer.as_deref(), Some(new_token.as_str()), "{} asked under the new pseudonym", s.path);
        assert_ne!(s.bearer.as_deref(), Some(old_token.as_str()));
    }
    b.server.shutdown().await.unwrap();
}
