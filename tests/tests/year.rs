//! Resource bounds over a simulated year: one fix a minute for 365 days
//! (home, a walk to work, lunch at the food court, home again), the
//! pedometer's samples, a catalog refresh every morning (a new version,
//! re-signed), hourly ticks, consent to every purpose and never a sync.
//! The database, the raw fixes, the outbox and the peak memory must stay
//! within the bounds in `kairos_core::policy` ("Resource bounds").
//!
//! The normal run simulates 21 days. The year, in release, with figures:
//! `KAIROS_YEAR_DAYS=365 cargo test --release -p kairos-e2e --test year -- --nocapture`.

#![forbid(unsafe_code)]

use kairos_core::policy;
use kairos_core::privacy::Purpose;
use kairos_core::time::{start_of_local_day, HOUR_MS, MINUTE_MS};
use kairos_core::track::synth::{NoiseModel, TrackBuilder};
use kairos_core::{Engine, Timestamp};
use std::time::Instant;

const INSTALL: &str = "99998888777766665555444433332222";
const HOME: (f64, f64) = (37.3300, -121.9300);
const WORK: (f64, f64) = (37.3400, -121.9000);
/// Inside the food court's fence.
const LUNCH: (f64, f64) = (37.32578, -121.94505);

fn midnight(day: i64) -> Timestamp {
    let tz: chrono_tz::Tz = "America/Los_Angeles".parse().unwrap();
    let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    start_of_local_day(first + chrono::Duration::days(day), tz)
}

/// Peak resident memory of this process, from /proc (Linux).
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn database_bytes(dir: &std::path::Path) -> u64 {
    ["kairos.db", "kairos.db-wal", "kairos.db-shm"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

#[test]
fn a_year_of_fixes_stays_within_bounds() {
    let days: i64 = std::env::var("KAIROS_YEAR_DAYS").ok().and_then(|v| v.parse().ok()).unwrap_or(21);
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(kairos_e2e::catalog::config(dir.path(), INSTALL)).unwrap();
    e.tick(midnight(0)).unwrap();
    for p in Purpose::ALL {
        e.set_consent(p, true, "2026-11", midnight(0)).unwrap();
    }
    let started = Instant::now();
    let (mut fixes, mut max_db, mut max_outbox, mut max_fixes) = (0u64, 0u64, 0usize, 0u64);
    for day in 0..days {
        let (m, next) = (midnight(day), midnight(day + 1));
        let catalog = kairos_e2e::catalog::signed_example(day as u64 + 2, m.plus_millis(7 * HOUR_MS), 90);
        e.load_catalog(&catalog, m.plus_millis(7 * HOUR_MS)).unwrap();
        let b = TrackBuilder::new(day as u64, m, HOME.0, HOME.1)
            .interval_ms(MINUTE_MS)
            .noise(NoiseModel::noisy())
            .stay(8.0 * 60.0)
            .walk_to(WORK.0, WORK.1)
            .stay(3.5 * 60.0)
            .walk_to(LUNCH.0, LUNCH.1)
            .stay(45.0)
            .walk_to(WORK.0, WORK.1)
            .stay(3.0 * 60.0)
            .walk_to(HOME.0, HOME.1);
        let left = next.since(b.now()) as f64 / MINUTE_MS as f64 - 1.0;
        let track = b.stay(left).build();
        fixes += track.fixes.len() as u64;
        // An hour at a time: the hour's fixes, its steps, then a tick.
        let mut hour = m;
        while hour < next {
            let end = hour.plus_millis(HOUR_MS);
            let in_hour: Vec<_> = track.fixes.iter().filter(|f| f.at >= hour && f.at < end).copied().collect();
            e.record_locations(&in_hour).unwrap();
            let steps: Vec<_> = track.steps.iter().filter(|s| s.end() > hour && s.end() <= end).copied().collect();
            e.record_step_samples(&steps).unwrap();
            e.tick(end.min(next)).unwrap();
            hour = end;
        }
        max_db = max_db.max(database_bytes(dir.path()));
        max_outbox = max_outbox.max(e.outbox().unwrap().len());
        let held = e.raw_fixes(midnight(day - 30), next).unwrap().len() as u64;
        max_fixes = max_fixes.max(held);
    }
    let elapsed = started.elapsed();
    let rss = peak_rss_bytes();
    println!(
        "year: {days} days, {fixes} fixes in {:.1} s; largest database {:.2} MB, most raw fixes held {max_fixes}, \
         longest outbox {max_outbox}, peak RSS {:.1} MB, {} places, {} summaries dropped by the outbox limits",
        elapsed.as_secs_f64(),
        max_db as f64 / 1_048_576.0,
        rss as f64 / 1_048_576.0,
        e.places().unwrap().len(),
        e.outbox_dropped(),
    );
    assert!(max_db <= policy::YEAR_MAX_DATABASE_BYTES, "database {max_db} bytes");
    assert!(max_fixes <= policy::YEAR_MAX_RAW_FIXES, "{max_fixes} raw fixes held");
    assert!(max_outbox <= policy::YEAR_MAX_OUTBOX_ITEMS, "outbox of {max_outbox}");
    assert!(rss == 0 || rss <= policy::YEAR_MAX_PEAK_RSS_BYTES, "peak RSS {rss} bytes");
    // The visits were learned (the day is not just noise) and the steps
    // were counted.
    assert!(e.places().unwrap().len() >= 3);
    assert!(e.today(midnight(days - 1).plus_millis(20 * HOUR_MS)).unwrap().steps > 1_000);
}
