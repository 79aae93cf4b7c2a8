//! Privacy and sync through the FFI types, from Rust: consent and the
//! outbox, withdrawal, erase, the sealing key, and sync's refusals and
//! deferrals. The same flows run from Kotlin and Swift.

use kairos_ffi::{
    Engine, EngineConfig, HttpRequest, HttpResponse, HttpTransport, KairosError, LocalDay, OutboxKind, Purpose,
    StepSample, SyncOptions, TransportError,
};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The local day `year-month-day`.
fn day(year: i32, month: i32, day: i32) -> LocalDay {
    LocalDay { year, month, day }
}

/// 2026-11-24T09:00:00-08:00.
fn nine_am() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_539_600)
}

fn hours(h: u64) -> Duration {
    Duration::from_secs(h * 3600)
}

fn config(dir: &tempfile::TempDir, key: u8) -> EngineConfig {
    EngineConfig {
        data_dir: dir.path().to_str().unwrap().into(),
        time_zone: "America/Los_Angeles".into(),
        sealing_key: vec![key; 32],
        step_goal: 7500,
        raw_fix_retention_days: 7,
        stay_radius_m: 100.0,
        min_dwell_minutes: 5,
        gap_threshold_minutes: 15,
        sedentary_minutes: 60,
        waking_hours_start: 8,
        waking_hours_end: 21,
        catalog_keys: Vec::new(),
        install_id: None,
        quiet_hours_start: 21,
        quiet_hours_end: 8,
        offers_per_day: 4,
        min_minutes_between_offers: 30,
        offers_per_merchant_per_day: 2,
        dismissal_cooldown_days: 7,
        notifications_per_day: 6,
        min_minutes_between_notifications: 10,
        relevance_floor: 0.08,
        activity_epsilon: None,
        visits_epsilon: None,
        offers_epsilon: None,
        tile_radius_m: 2_000.0,
    }
}

/// Polls a future to completion on this thread, as a foreign executor would.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// Activity granted, 1,430 steps in the morning, and the next night's
/// tick: one activity summary is queued.
/// The app's HTTP stack on a phone without network.
struct Offline;

#[async_trait::async_trait]
impl HttpTransport for Offline {
    async fn send(&self, _: HttpRequest) -> Result<HttpResponse, TransportError> {
        Err(TransportError::Failed { reason: "no network".into() })
    }
}

fn offline() -> Arc<dyn HttpTransport> {
    Arc::new(Offline)
}

fn closed_day(engine: &Engine) {
    engine.set_consent(Purpose::Activity, true, "2026-11".into(), nine_am()).unwrap();
    let steps = StepSample::Interval { start: nine_am(), end: nine_am() + hours(1), steps: 1430 };
    engine.record_steps(steps).unwrap();
    engine.tick(nine_am() + hours(17)).unwrap();
}

#[test]
fn granting_queues_the_next_days_summary_and_withdrawing_purges_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(config(&dir, 7)).unwrap();
    assert!(engine.consents().unwrap().current.iter().all(|c| !c.granted), "off by default");
    closed_day(&engine);
    let outbox = engine.outbox().unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(
        (outbox[0].kind, outbox[0].purpose, outbox[0].day.map(|d| d.to_string())),
        (OutboxKind::Summary, Some(Purpose::Activity), Some("2026-11-24".to_string()))
    );
    assert!(outbox[0].payload.contains(r#""steps":1400"#), "rounded to 100: {}", outbox[0].payload);

    let change = engine.set_consent(Purpose::Activity, false, "2026-11".into(), nine_am() + hours(18)).unwrap();
    assert_eq!((change.purged, change.deletion_queued), (1, true));
    assert_eq!(change.consents.ledger.len(), 2);
    let outbox = engine.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!((outbox[0].kind, outbox[0].purpose), (OutboxKind::Deletion, Some(Purpose::Activity)));
}

#[test]
fn local_privacy_noises_the_summary_and_records_its_budget() {
    let dir = tempfile::tempdir().unwrap();
    let bad = EngineConfig { activity_epsilon: Some(0.0), ..config(&dir, 7) };
    assert!(matches!(Engine::open(bad), Err(KairosError::InvalidInput { .. })));
    let engine = Engine::open(EngineConfig { activity_epsilon: Some(1.0), ..config(&dir, 7) }).unwrap();
    assert!(engine.privacy_budget(day(2026, 11, 1), day(2026, 11, 30)).unwrap().is_empty());
    closed_day(&engine);
    let outbox = engine.outbox().unwrap();
    // The noise field, whatever order the JSON keeps its keys in.
    let payload = &outbox[0].payload;
    assert!(payload.contains(r#""noise":{"#), "{payload}");
    assert!(payload.contains(r#""epsilon":1.0"#) && payload.contains(r#""mechanism":"geometric""#), "{payload}");
    let budget = engine.privacy_budget(day(2026, 11, 24), day(2026, 11, 24)).unwrap();
    assert_eq!(budget.len(), 1);
    assert_eq!(
        (budget[0].purpose, budget[0].epsilon, budget[0].day.to_string()),
        (Purpose::Activity, 1.0, "2026-11-24".to_string())
    );
    assert!(matches!(
        engine.privacy_budget(day(2026, 2, 30), day(2026, 11, 30)),
        Err(KairosError::InvalidInput { .. })
    ));
}

#[test]
fn erase_and_the_sealing_key() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = Engine::open(config(&dir, 7)).unwrap();
        closed_day(&engine);
        engine.rotate_key(vec![8; 32]).unwrap();
        assert!(matches!(engine.rotate_key(vec![8; 16]), Err(KairosError::InvalidInput { .. })));
    }
    assert!(matches!(Engine::open(config(&dir, 7)), Err(KairosError::WrongKey { .. })));
    let engine = Engine::open(config(&dir, 8)).unwrap();
    assert_eq!(engine.outbox().unwrap().len(), 1);
    engine.erase_all(nine_am() + hours(20)).unwrap();
    let outbox = engine.outbox().unwrap();
    assert_eq!((outbox.len(), outbox[0].kind, outbox[0].purpose), (1, OutboxKind::Deletion, None));
    assert!(engine.consents().unwrap().ledger.is_empty());
    assert_eq!(engine.outbox_dropped().unwrap(), 0);
}

#[test]
fn sync_refuses_plain_http_to_another_host_and_defers_when_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(config(&dir, 7)).unwrap();
    closed_day(&engine);
    let options = |url: &str| SyncOptions { base_url: url.into(), allow_insecure_loopback: true, fetch_catalog: true };
    let refused = block_on(engine.clone().sync(options("http://192.0.2.10:8787"), offline(), nine_am() + hours(18)));
    assert!(
        matches!(refused, Err(KairosError::InvalidInput { ref reason }) if reason.contains("loopback")),
        "{refused:?}"
    );
    // A phone without network: the app's transport gets no answer.
    let report =
        block_on(engine.clone().sync(options("http://127.0.0.1:9"), offline(), nine_am() + hours(18))).unwrap();
    assert_eq!((report.sent, report.deferred), (0, 1), "{report:?}");
    assert!(report.problems.iter().any(|p| p.contains("no network")), "{report:?}");
    assert!(report.next_attempt_at.is_some_and(|t| t > nine_am() + hours(18)), "{report:?}");
    assert_eq!(engine.outbox().unwrap().len(), 1, "kept for later");
}
