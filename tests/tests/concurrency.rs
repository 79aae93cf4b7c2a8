//! Eight threads share one `Engine` and call everything at once: fixes,
//! steps, ticks, offers and their lifecycle, consent, sync against the
//! backend on loopback. No deadlock (a watchdog fails the test), no panic,
//! and the counts add up afterwards.
//!
//! The normal run makes 20,000 calls; set `KAIROS_CONCURRENCY_CALLS` for a
//! soak (docs/RELIABILITY.md records a million):
//! `KAIROS_CONCURRENCY_CALLS=1000000 cargo test -p kairos-e2e --test concurrency -- --nocapture`.

#![forbid(unsafe_code)]

use kairos_core::privacy::Purpose;
use kairos_core::sync::SyncOptions;
use kairos_core::LocationFix;
use kairos_core::{Engine, KairosError, StepSample, Timestamp};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

const THREADS: u64 = 8;
const INSTALL: &str = "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
/// Inside the food court's fence (tests/catalogs/example.json).
const ORIGIN: (f64, f64) = (37.32578, -121.94505);
/// A deadlock detector, not a performance bound: generous for the soak.
const WATCHDOG: Duration = Duration::from_secs(30 * 60);

/// What the threads did, added up.
#[derive(Default)]
struct Tally {
    calls: AtomicU64,
    fixes_accepted: AtomicU64,
    fixes_sent: AtomicU64,
    fixes_accounted: AtomicU64,
    steps: AtomicU64,
    consent_calls: AtomicU64,
    dismissed: AtomicU64,
    redeemed: AtomicU64,
    refused_transitions: AtomicU64,
    syncs: AtomicU64,
}

fn t0() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-23T10:30:00-08:00").unwrap()
}

#[test]
fn eight_threads_share_one_engine() {
    let calls: u64 = std::env::var("KAIROS_CONCURRENCY_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let backend = rt.block_on(kairos_e2e::backend(None));
    let url = backend.server.url();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = kairos_e2e::catalog::config(dir.path(), INSTALL);
    // Keep every fix, so that the stored count can be checked.
    cfg.raw_fix_retention_ms = 400 * 86_400_000;
    let engine = Arc::new(Engine::open(cfg).unwrap());
    engine.load_catalog(kairos_e2e::catalog::EXAMPLE_SIGNED, t0()).unwrap();
    // One second of device time per call, shared by all threads; step
    // samples each take a minute of their own.
    let clock = Arc::new(AtomicI64::new(0));
    let minute = Arc::new(AtomicI64::new(0));
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let (engine, clock, minute, tally, url) =
                (engine.clone(), clock.clone(), minute.clone(), tally.clone(), url.clone());
            std::thread::spawn(move || worker(i, calls / THREADS, &engine, &clock, &minute, &tally, &url))
        })
        .collect();
    while !handles.iter().all(|h| h.is_finished()) {
        assert!(started.elapsed() < WATCHDOG, "deadlock: the threads did not finish within {WATCHDOG:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    for h in handles {
        h.join().expect("no thread panicked");
    }
    let elapsed = started.elapsed();
    let n = |a: &AtomicU64| a.load(SeqCst);
    assert_eq!(n(&tally.calls), calls / THREADS * THREADS);
    // Every fix was accepted, dropped as a duplicate or refused, but for
    // at most one still held as a suspected jump.
    let (accounted, sent) = (n(&tally.fixes_accounted), n(&tally.fixes_sent));
    assert!((accounted..=accounted + 1).contains(&sent), "{sent} fixes sent, {accounted} accounted for");
    // Drain the outbox, then count what the store holds.
    let end = Timestamp(t0().0 + clock.load(SeqCst) * 1_000 + 86_400_000);
    let opts = SyncOptions { allow_insecure_loopback: true, fetch_catalog: false, ..SyncOptions::new(&url) };
    let mut now = end;
    for _ in 0..20 {
        let r = rt.block_on(engine.sync(&opts, now)).unwrap();
        if engine.outbox().unwrap().is_empty() {
            break;
        }
        now = r.next_attempt_at.unwrap_or(now).max(now).plus_millis(1);
    }
    assert!(engine.outbox().unwrap().is_empty(), "the outbox drains");
    assert_eq!(engine.consents().unwrap().ledger.len() as u64, n(&tally.consent_calls), "one ledger entry a call");
    let history = engine.offer_history(t0(), end).unwrap();
    let state = |s: &str| history.iter().filter(|o| o.state.as_str() == s).count() as u64;
    assert_eq!(state("dismissed"), n(&tally.dismissed), "each dismissal recorded once");
    assert_eq!(state("redeemed"), n(&tally.redeemed), "each redemption recorded once");
    drop(engine);
    let conn = rusqlite::Connection::open(dir.path().join("kairos.db")).unwrap();
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, Option<i64>>(0)).unwrap().unwrap_or(0) as u64;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    assert_eq!(one("SELECT SUM(steps) FROM step_days"), n(&tally.steps), "every step counted once");
    let stored_fixes = one("SELECT COUNT(*) FROM fixes");
    // A fix held as a suspected jump at the very end is not stored yet.
    assert!(
        (n(&tally.fixes_accepted)..=n(&tally.fixes_accepted) + 1).contains(&stored_fixes),
        "{stored_fixes} fixes stored, {} accepted",
        n(&tally.fixes_accepted)
    );
    println!(
        "concurrency: {calls} calls on {THREADS} threads in {:.1} s ({:.0} calls/s): {} fixes accepted of {}, {} steps, \
         {} consent changes, {} offers dismissed, {} redeemed, {} transitions refused, {} syncs",
        elapsed.as_secs_f64(),
        calls as f64 / elapsed.as_secs_f64(),
        n(&tally.fixes_accepted),
        n(&tally.fixes_sent),
        n(&tally.steps),
        n(&tally.consent_calls),
        n(&tally.dismissed),
        n(&tally.redeemed),
        n(&tally.refused_transitions),
        n(&tally.syncs),
    );
    rt.block_on(backend.server.shutdown()).unwrap();
}

fn worker(i: u64, calls: u64, e: &Engine, clock: &AtomicI64, minute: &AtomicI64, tally: &Tally, url: &str) {
    let mut rng = ChaCha8Rng::seed_from_u64(1_000 + i);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let opts = SyncOptions { allow_insecure_loopback: true, fetch_catalog: false, ..SyncOptions::new(url) };
    let add = |a: &AtomicU64, n: u64| a.fetch_add(n, SeqCst);
    for _ in 0..calls {
        let now = Timestamp(t0().0 + clock.fetch_add(1, SeqCst) * 1_000);
        add(&tally.calls, 1);
        match rng.random_range(0..1_000u32) {
            0..=349 => {
                // A few fixes within 150 m of the food court: in and out of
                // its fence, never a jump.
                let n = rng.random_range(1..4);
                let fixes: Vec<LocationFix> = (0..n)
                    .map(|k| {
                        let (dx, dy) = (rng.random_range(-150.0..150.0), rng.random_range(-150.0..150.0));
                        let lat = ORIGIN.0 + dy / 111_000.0;
                        let lon = ORIGIN.1 + dx / 88_000.0;
                        // The platform's walking speed: the jitter between
                        // threads' fixes must not look like driving, which
                        // the food court's offer excludes.
                        LocationFix {
                            speed_mps: Some(1.2),
                            ..LocationFix::new(now.plus_millis(k * 200), lat, lon, 10.0)
                        }
                    })
                    .collect();
                let r = e.record_locations(&fixes).unwrap();
                add(&tally.fixes_sent, n as u64);
                add(&tally.fixes_accepted, u64::from(r.accepted));
                // `accepted` also counts a fix held by an earlier call and
                // released now.
                add(&tally.fixes_accounted, u64::from(r.accepted + r.duplicates) + r.rejected.len() as u64);
            }
            350..=599 => {
                let m = minute.fetch_add(1, SeqCst);
                let start = Timestamp(t0().0 + m * 60_000);
                let steps = rng.random_range(0..120);
                e.record_steps(StepSample::Interval { start, end: start.plus_millis(60_000), steps }).unwrap();
                add(&tally.steps, steps);
            }
            600..=749 => drop(e.tick(now).unwrap()),
            750..=899 => {
                let offers = e.offers(now).unwrap();
                if let Some(o) = offers.first() {
                    // Redemption is rare: a redeemed offer never fires again.
                    let result = match rng.random_range(0..10) {
                        0..=5 => e.presented(o.id, now).map(|_| ()),
                        6..=8 => e.dismissed(o.id, now).map(|_| add(&tally.dismissed, 1)).map(drop),
                        _ => e.redeemed(o.id, now).map(|_| add(&tally.redeemed, 1)).map(drop),
                    };
                    match result {
                        Ok(()) => {}
                        // Another thread closed it first: a typed refusal.
                        Err(KairosError::InvalidOfferTransition { .. }) => drop(add(&tally.refused_transitions, 1)),
                        Err(other) => panic!("unexpected error: {other}"),
                    }
                }
            }
            // Consent changes are rare on a phone (and each returns the
            // whole ledger): one call in a hundred.
            900..=909 => {
                let purpose = [Purpose::Activity, Purpose::Visits, Purpose::Offers][rng.random_range(0..3)];
                e.set_consent(purpose, rng.random_bool(0.7), "2026-11", now).unwrap();
                add(&tally.consent_calls, 1);
            }
            910..=989 => drop(e.today(now).unwrap()),
            _ => {
                if rng.random_range(0..20) == 0 {
                    rt.block_on(e.sync(&opts, now)).unwrap();
                    add(&tally.syncs, 1);
                } else {
                    drop(e.outbox().unwrap());
                }
            }
        }
    }
}
