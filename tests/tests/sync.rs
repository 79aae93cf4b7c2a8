//! The engine against the real backend on loopback: the happy path,
//! exactly-once through faults, consent withdrawal, and the URL rules.

#![forbid(unsafe_code)]

use kairos_backend::faults::FaultConfig;
use kairos_backend::limits::ServerLimits;
use kairos_core::privacy::Purpose;
use kairos_core::sync::SyncOptions;
use kairos_core::{Engine, EngineConfig};
use kairos_e2e::{backend, backend_with_limits, engine, step_days, t};

const INSTALL: &str = "0123456789abcdef0123456789abcdef";

fn options(url: &str) -> SyncOptions {
    SyncOptions { allow_insecure_loopback: true, fetch_catalog: false, ..SyncOptions::new(url) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_sends_each_summary_once() {
    let b = backend(None).await;
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), INSTALL);
    e.tick(t("2026-11-01T12:00:00-08:00")).unwrap();
    for p in Purpose::ALL {
        e.set_consent(p, true, "2026-11", t("2026-11-01T12:00:00-08:00")).unwrap();
    }
    step_days(&e, t("2026-11-02T12:00:00-08:00"), 5, 3_456);
    assert_eq!(e.outbox().unwrap().len(), 5);
    let report = e.sync(&options(&b.server.url()), t("2026-11-07T02:00:00-08:00")).await.unwrap();
    assert_eq!((report.sent, report.batches, report.dropped, report.deferred), (5, 1, 0, 0), "{report:?}");
    assert!(e.outbox().unwrap().is_empty());
    let held = b.storage.held_by(INSTALL.into()).await.unwrap();
    assert_eq!(held.activity.len(), 5);
    assert_eq!(held.activity[0].1.steps, 3_500, "rounded to 100 on the device");
    // Nothing left: a second sync sends nothing.
    let again = e.sync(&options(&b.server.url()), t("2026-11-07T03:00:00-08:00")).await.unwrap();
    assert_eq!((again.sent, again.batches), (0, 0));
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn noised_summaries_are_accepted_and_stored_with_their_epsilon() {
    let b = backend(None).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EngineConfig::new(dir.path(), "America/Los_Angeles");
    cfg.install_id = Some(INSTALL.to_string());
    cfg.local_privacy.activity_epsilon = Some(1.5);
    cfg.local_privacy.visits_epsilon = Some(2.0);
    cfg.noise_seed = Some(42);
    let e = Engine::open(cfg).unwrap();
    e.tick(t("2026-11-01T12:00:00-08:00")).unwrap();
    for p in Purpose::ALL {
        e.set_consent(p, true, "2026-11", t("2026-11-01T12:00:00-08:00")).unwrap();
    }
    step_days(&e, t("2026-11-02T12:00:00-08:00"), 5, 3_456);
    let queued = e.outbox().unwrap().len() as u32;
    assert_eq!(queued, 5);
    let report = e.sync(&options(&b.server.url()), t("2026-11-07T02:00:00-08:00")).await.unwrap();
    assert_eq!((report.sent, report.dropped, report.deferred), (queued, 0, 0), "{report:?}");
    assert_eq!(e.outbox_dropped(), 0, "nothing refused and dropped");
    assert!(e.outbox().unwrap().is_empty());
    let held = b.storage.held_by(INSTALL.into()).await.unwrap();
    assert_eq!(held.activity.len(), 5, "every day stored");
    for (day, summary, noise) in &held.activity {
        assert_eq!(noise.map(|n| n.epsilon), Some(1.5), "{day}");
        assert_eq!(summary.steps % 100, 0, "{day}: still on the 100-step grid");
    }
    // The noise shows: not every day reads the exact (rounded) 3,500.
    assert!(held.activity.iter().any(|(_, s, _)| s.steps != 3_500), "{:?}", held.activity);
    // Steps only, with no catalog: no visits or offers summaries are made
    // (backend/tests/api_summaries.rs sends noised ones of every purpose).
    assert_eq!((held.visits.len(), held.offers.len()), (0, 0));
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_batches_through_faults_arrive_exactly_once() {
    let faults = FaultConfig::flaky(11).rate(0.3).max_faults(400).retry_after_secs(1).slow_ms(1, 20);
    // 1,000 batches in a few real seconds: far past production's 120
    // requests an hour per install, which the engine's backoff honours in
    // simulated time only.
    let limits =
        ServerLimits { requests_per_install: ServerLimits::unmetered().requests_per_install, ..Default::default() };
    let b = backend_with_limits(Some(faults), limits).await;
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), INSTALL);
    let base = t("2024-01-01T12:00:00-08:00");
    e.tick(base).unwrap();
    e.set_consent(Purpose::Activity, true, "2024-01", base).unwrap();
    let opts = SyncOptions { max_batch_bytes: 1, ..options(&b.server.url()) };
    let (mut sent, mut attempts) = (0, 0);
    // 50 rounds of 20 closed days (each round starting at local noon, 25
    // days after the last): 1,000 summaries, one per batch.
    for round in 0..50 {
        let start = base.plus_millis((1 + round * 25) * 86_400_000);
        step_days(&e, start, 20, 4_000);
        let mut now = start.plus_millis(20 * 86_400_000);
        while !e.outbox().unwrap().is_empty() {
            attempts += 1;
            assert!(attempts < 5_000, "sync does not converge");
            let r = e.sync(&opts, now).await.unwrap();
            sent += r.sent;
            // Let the backoff pass (the engine never reads the clock).
            now = r.next_attempt_at.map_or(now, |n| n.max(now)).plus_millis(1);
        }
    }
    assert_eq!(sent, 1_000);
    let held = b.storage.held_by(INSTALL.into()).await.unwrap();
    assert_eq!(held.activity.len(), 1_000, "every summary stored");
    let days: std::collections::BTreeSet<_> = held.activity.iter().map(|(d, _, _)| *d).collect();
    assert_eq!(days.len(), 1_000, "each day stored once");
    let stats = b.server.fault_stats().unwrap();
    assert!(stats.total() >= 100, "faults were injected: {stats:?}");
    assert_eq!(e.outbox_dropped(), 0, "nothing lost to a fault");
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawn_consent_sends_the_deletion_and_nothing_of_the_purpose() {
    let b = backend(None).await;
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), INSTALL);
    e.tick(t("2026-11-01T12:00:00-08:00")).unwrap();
    e.set_consent(Purpose::Activity, true, "2026-11", t("2026-11-01T12:00:00-08:00")).unwrap();
    step_days(&e, t("2026-11-02T12:00:00-08:00"), 3, 5_000);
    e.sync(&options(&b.server.url()), t("2026-11-05T02:00:00-08:00")).await.unwrap();
    assert_eq!(b.storage.held_by(INSTALL.into()).await.unwrap().activity.len(), 3);
    // Two more days queued, then the shopper withdraws.
    step_days(&e, t("2026-11-05T12:00:00-08:00"), 2, 5_000);
    assert_eq!(e.outbox().unwrap().len(), 2);
    e.set_consent(Purpose::Activity, false, "2026-11", t("2026-11-07T09:00:00-08:00")).unwrap();
    let r = e.sync(&options(&b.server.url()), t("2026-11-07T10:00:00-08:00")).await.unwrap();
    assert_eq!((r.sent, r.deletions_sent), (0, 1), "{r:?}");
    let held = b.storage.held_by(INSTALL.into()).await.unwrap();
    assert!(held.activity.is_empty(), "the backend holds nothing of the purpose");
    assert_eq!(held.deletion_requests.len(), 1);
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_trouble_defers_and_bad_urls_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path(), INSTALL);
    e.tick(t("2026-11-01T12:00:00-08:00")).unwrap();
    e.set_consent(Purpose::Activity, true, "2026-11", t("2026-11-01T12:00:00-08:00")).unwrap();
    step_days(&e, t("2026-11-02T12:00:00-08:00"), 2, 5_000);
    // Nobody listens on this port: deferred, never an error.
    let r = e.sync(&options("http://127.0.0.1:9"), t("2026-11-04T02:00:00-08:00")).await.unwrap();
    assert_eq!((r.sent, r.deferred), (0, 2));
    assert!(r.next_attempt_at.is_some());
    // During the backoff nothing is tried.
    let again = e.sync(&options("http://127.0.0.1:9"), t("2026-11-04T02:00:00-08:00")).await.unwrap();
    assert!(again.problems.iter().any(|p| p.contains("backoff")), "{again:?}");
    // Plain http to another host is refused outright.
    let err = e.sync(&options("http://192.0.2.1:8787"), t("2026-11-04T03:00:00-08:00")).await.unwrap_err();
    assert!(matches!(err, kairos_core::KairosError::InvalidInput { .. }), "{err}");
    let err = e.sync(&SyncOptions::new("http://127.0.0.1:8787"), t("2026-11-04T03:00:00-08:00")).await.unwrap_err();
    assert!(err.to_string().contains("loopback"), "{err}");
}
