//! What the engine's sync does with each answer of the hardened backend:
//! new install ids on 401 and 409, deletions kept queued on a refusal and
//! done once the server forgot the install, refusals dropped and counted
//! with the server's code, and `Retry-After` respected. Against the real
//! backend on loopback, or a scripted server for answers it gives rarely.

#![forbid(unsafe_code)]

use kairos_core::privacy::Purpose;
use kairos_core::sync::{
    HttpRequest, HttpResponse, HttpTransport, RefusalAction, RefusedRequest, ReqwestTransport, SyncOptions,
    TransportError, TransportFuture,
};
use kairos_core::Engine;
use kairos_e2e::{backend, engine, step_days, t};
use std::collections::VecDeque;
use std::sync::Mutex;

const INSTALL: &str = "0123456789abcdef0123456789abcdef";

fn options(url: &str) -> SyncOptions {
    SyncOptions { allow_insecure_loopback: true, fetch_catalog: false, ..SyncOptions::new(url) }
}

/// A scripted answer: status, body, headers.
type Scripted = (u16, &'static str, Vec<(String, String)>);

/// A transport that records every request, answers from a script when it
/// has one (else through `reqwest`), and can lose the answer to the first
/// request whose URL ends with `lose`.
struct Recorder {
    real: ReqwestTransport,
    script: Mutex<VecDeque<Scripted>>,
    lose: Mutex<Option<&'static str>>,
    seen: Mutex<Vec<HttpRequest>>,
}

impl Recorder {
    fn new() -> Self {
        Recorder {
            real: ReqwestTransport::new().unwrap(),
            script: Mutex::default(),
            lose: Mutex::default(),
            seen: Mutex::default(),
        }
    }

    fn scripted(answers: &[(u16, &'static str)]) -> Self {
        let r = Recorder::new();
        r.script.lock().unwrap().extend(answers.iter().map(|&(s, b)| (s, b, Vec::new())));
        r
    }

    fn urls(&self) -> Vec<String> {
        self.seen.lock().unwrap().iter().map(|r| r.url.rsplit_once("/v1/").unwrap().1.to_string()).collect()
    }

    fn registered_ids(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .filter(|r| r.url.ends_with("/v1/installs"))
            .map(|r| {
                serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["install_id"].as_str().unwrap().into()
            })
            .collect()
    }
}

impl HttpTransport for Recorder {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(async move {
            self.seen.lock().unwrap().push(request.clone());
            if let Some((status, body, headers)) = self.script.lock().unwrap().pop_front() {
                return Ok(HttpResponse { status, headers, body: body.as_bytes().to_vec() });
            }
            let lose = {
                let mut lose = self.lose.lock().unwrap();
                let hit = lose.is_some_and(|suffix| request.url.ends_with(suffix));
                if hit {
                    *lose = None;
                }
                hit
            };
            let answer = self.real.send(request).await;
            if lose {
                return Err(TransportError("connection reset before the answer".into()));
            }
            answer
        })
    }
}

fn with_summaries(dir: &std::path::Path, days: i64) -> Engine {
    let e = engine(dir, INSTALL);
    e.tick(t("2026-11-01T12:00:00-08:00")).unwrap();
    e.set_consent(Purpose::Activity, true, "2026-11", t("2026-11-01T12:00:00-08:00")).unwrap();
    step_days(&e, t("2026-11-02T12:00:00-08:00"), days, 4_000);
    e
}

const NIGHT: &str = "2026-11-07T02:00:00-08:00";
const TOKEN: &str = r#"{"install_id": "x", "token": "aaaa"}"#;

/// Registers `INSTALL` on the server, as another device holding it would.
async fn take(url: &str, install_id: &str) {
    let transport = ReqwestTransport::new().unwrap();
    let req = HttpRequest::new(kairos_core::sync::HttpMethod::Post, format!("{url}/v1/installs"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"install_id": "{install_id}"}}"#).into_bytes());
    assert_eq!(transport.send(req).await.unwrap().status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_install_id_is_given_up_for_a_new_random_one() {
    let b = backend(None).await;
    take(&b.server.url(), INSTALL).await;
    let dir = tempfile::tempdir().unwrap();
    let e = with_summaries(dir.path(), 5);
    let r = Recorder::new();
    let report = e.sync_with(&options(&b.server.url()), &r, t(NIGHT)).await.unwrap();
    assert_eq!((report.sent, report.deferred), (5, 0), "{report:?}");
    let ids = r.registered_ids();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_eq!(ids[0], INSTALL);
    assert!(ids[1].len() == 32 && ids[1] != INSTALL, "{ids:?}");
    assert_eq!(report.refusals[0].code.as_ref().map(|c| c.as_str()), Some("install_id_taken"));
    assert!(b.storage.held_by(INSTALL.into()).await.unwrap().activity.is_empty(), "nothing under the taken id");
    assert_eq!(b.storage.held_by(ids[1].clone()).await.unwrap().activity.len(), 5);
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_credential_registers_a_new_install_id_and_sends_again() {
    let (first, second) = (backend(None).await, backend(None).await);
    let dir = tempfile::tempdir().unwrap();
    let e = with_summaries(dir.path(), 2);
    let report = e.sync(&options(&first.server.url()), t(NIGHT)).await.unwrap();
    assert_eq!(report.sent, 2, "{report:?}");
    // A server that does not know our token, and knows our id under another.
    take(&second.server.url(), INSTALL).await;
    step_days(&e, t("2026-11-07T12:00:00-08:00"), 1, 4_000);
    let r = Recorder::new();
    let report = e.sync_with(&options(&second.server.url()), &r, t("2026-11-09T02:00:00-08:00")).await.unwrap();
    assert_eq!((report.sent, report.deferred), (1, 0), "{report:?}");
    assert_eq!(r.urls(), ["summaries", "installs", "summaries"]);
    let ids = r.registered_ids();
    assert!(ids[0] != INSTALL && ids[0].len() == 32, "{ids:?}");
    assert_eq!(second.storage.held_by(ids[0].clone()).await.unwrap().activity.len(), 1);
    first.server.shutdown().await.unwrap();
    second.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_deletion_of_everything_answered_401_is_done_without_registering() {
    let b = backend(None).await;
    let dir = tempfile::tempdir().unwrap();
    let e = with_summaries(dir.path(), 2);
    assert_eq!(e.sync(&options(&b.server.url()), t(NIGHT)).await.unwrap().sent, 2);
    e.erase_all(t("2026-11-07T09:00:00-08:00")).unwrap();
    // The server deletes, but its answer is lost.
    let lossy = Recorder::new();
    *lossy.lose.lock().unwrap() = Some("/v1/deletion-requests");
    let r = e.sync_with(&options(&b.server.url()), &lossy, t("2026-11-07T10:00:00-08:00")).await.unwrap();
    assert_eq!(r.deletions_sent, 0, "{r:?}");
    assert!(b.storage.held_by(INSTALL.into()).await.unwrap().activity.is_empty());
    // The retry gets 401: done, and no registration to get there.
    let retry = Recorder::new();
    let r = e.sync_with(&options(&b.server.url()), &retry, t("2026-11-08T10:00:00-08:00")).await.unwrap();
    assert_eq!(r.deletions_sent, 1, "{r:?}");
    // The deletion first; then, nothing queued, only the new pseudonym
    // registers (for the catalog), never the old one again.
    assert_eq!(retry.urls(), ["deletion-requests", "installs"]);
    assert!(!retry.registered_ids().contains(&INSTALL.to_string()), "the old id never registers again");
    assert!(e.outbox().unwrap().is_empty());
    assert!(r.next_attempt_at.is_none(), "{r:?}");
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_deletion_request_stays_queued_and_holds_the_uploads_back() {
    let dir = tempfile::tempdir().unwrap();
    let e = with_summaries(dir.path(), 2);
    e.set_consent(Purpose::Visits, true, "2026-11", t("2026-11-06T11:00:00-08:00")).unwrap();
    e.set_consent(Purpose::Visits, false, "2026-11", t("2026-11-06T12:00:00-08:00")).unwrap();
    let r = Recorder::scripted(&[(200, TOKEN), (400, r#"{"error": {"code": "invalid_purpose", "message": "?"}}"#)]);
    let report = e.sync_with(&options("http://127.0.0.1:9"), &r, t(NIGHT)).await.unwrap();
    assert_eq!((report.deletions_sent, report.sent, report.deferred), (0, 0, 2), "{report:?}");
    assert_eq!(r.urls(), ["installs", "deletion-requests"]);
    let refusal = &report.refusals[0];
    assert_eq!(
        (refusal.request, refusal.status, refusal.action),
        (RefusedRequest::Deletion, 400, RefusalAction::KeptQueued)
    );
    assert_eq!(e.outbox().unwrap().len(), 3, "the deletion and both summaries wait");
    assert!(report.next_attempt_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_for_an_install_the_server_does_not_know_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let e = with_summaries(dir.path(), 1);
    e.set_consent(Purpose::Activity, false, "2026-11", t("2026-11-06T12:00:00-08:00")).unwrap();
    let r = Recorder::scripted(&[(200, TOKEN), (410, r#"{"error": {"code": "gone", "message": "?"}}"#)]);
    let report = e.sync_with(&options("http://127.0.0.1:9"), &r, t(NIGHT)).await.unwrap();
    assert_eq!(report.deletions_sent, 1, "{report:?}");
    assert!(e.outbox().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_refused_for_unknown_ids_or_quota_are_dropped_and_counted_by_code() {
    let dir = tempfile::tempdir().unwrap();
    let e = with_summaries(dir.path(), 2);
    let opts = SyncOptions { max_batch_bytes: 1, ..options("http://127.0.0.1:9") };
    let r = Recorder::scripted(&[
        (200, TOKEN),
        (400, r#"{"error": {"code": "unknown_merchant_id", "message": "batch[0]..."}}"#),
        (422, r#"{"error": {"code": "quota_exceeded", "message": "200 rows"}}"#),
    ]);
    let report = e.sync_with(&opts, &r, t(NIGHT)).await.unwrap();
    assert_eq!((report.sent, report.dropped, report.deferred), (0, 2, 0), "{report:?}");
    let codes: Vec<_> =
        report.refusals.iter().map(|f| (f.status, f.code.as_ref().unwrap().as_str(), f.action)).collect();
    assert_eq!(
        codes,
        [(400, "unknown_merchant_id", RefusalAction::Dropped), (422, "quota_exceeded", RefusalAction::Dropped)]
    );
    assert!(report.problems.iter().any(|p| p.contains("quota_exceeded") && p.contains("never retried")), "{report:?}");
    assert_eq!(e.outbox_dropped(), 2);
    assert!(report.next_attempt_at.is_none(), "a refusal is not a reason to back off");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_408_or_429_backs_off_at_least_retry_after() {
    for status in [408, 429] {
        let dir = tempfile::tempdir().unwrap();
        let e = with_summaries(dir.path(), 1);
        let r = Recorder::scripted(&[(200, TOKEN)]);
        r.script.lock().unwrap().push_back((status, "", vec![("retry-after".into(), "3600".into())]));
        let report = e.sync_with(&options("http://127.0.0.1:9"), &r, t(NIGHT)).await.unwrap();
        assert_eq!(report.deferred, 1, "{report:?}");
        assert!(report.next_attempt_at.unwrap().since(t(NIGHT)) >= 3_600_000, "{status}: {report:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_rotated_with_the_current_one_as_bearer_and_the_install_keeps_its_data() {
    let b = backend(None).await;
    let dir = tempfile::tempdir().unwrap();
    let e = with_summaries(dir.path(), 2);
    let first = Recorder::new();
    assert_eq!(e.sync_with(&options(&b.server.url()), &first, t(NIGHT)).await.unwrap().sent, 2);
    let rotation = Recorder::new();
    let report = e.rotate_sync_token_with(&options(&b.server.url()), &rotation).await.unwrap();
    assert!(report.problems.is_empty(), "{report:?}");
    let sent = rotation.seen.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    let bearer = sent[0].headers.iter().find(|(n, _)| n == "authorization").map(|(_, v)| v.clone());
    assert!(bearer.is_some_and(|b| b.starts_with("Bearer ") && b.len() == 7 + 64), "{sent:?}");
    assert_eq!(rotation.registered_ids(), [INSTALL]);
    // The new token works, under the same install.
    step_days(&e, t("2026-11-07T12:00:00-08:00"), 1, 4_000);
    let later = Recorder::new();
    let report = e.sync_with(&options(&b.server.url()), &later, t("2026-11-09T02:00:00-08:00")).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(later.urls(), ["summaries"]);
    assert_eq!(b.storage.held_by(INSTALL.into()).await.unwrap().activity.len(), 3);
    b.server.shutdown().await.unwrap();
}
