//! The day close never loses a summary to a failed read: the close fails,
//! its transaction rolls back, and the next call closes the day again.

use kairos_core::privacy::{OutboxKind, Purpose};
use kairos_core::{Engine, EngineConfig, KairosError, StepSample, Timestamp};
use std::path::Path;

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// A second connection to the engine's database, as a fault would leave it.
fn tamper(dir: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(dir.join("kairos.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(conn.execute(sql, []).unwrap(), 1, "{sql}");
}

fn activity_summaries(e: &Engine) -> Vec<(Option<String>, String)> {
    e.outbox()
        .unwrap()
        .into_iter()
        .filter(|i| i.kind == OutboxKind::Summary && i.purpose == Some(Purpose::Activity))
        .map(|i| (i.day, i.payload))
        .collect()
}

#[test]
fn a_summary_whose_read_fails_is_built_at_the_next_call_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineConfig::new(dir.path(), "America/Los_Angeles")).unwrap();
    e.set_consent(Purpose::Activity, true, "2026-11", t("2026-11-24T07:00:00-08:00")).unwrap();
    e.record_steps(StepSample::Interval {
        start: t("2026-11-24T08:00:00-08:00"),
        end: t("2026-11-24T09:00:00-08:00"),
        steps: 1_430,
    })
    .unwrap();
    e.tick(t("2026-11-24T23:00:00-08:00")).unwrap();

    // The day's total cannot be read as a number any more.
    tamper(dir.path(), "UPDATE step_days SET steps = 'many' WHERE day = '2026-11-24'");
    let failed = e.tick(t("2026-11-25T02:00:00-08:00"));
    assert!(matches!(failed, Err(KairosError::Storage { .. })), "{failed:?}");
    assert!(activity_summaries(&e).is_empty());

    // Once it reads again, the next call closes the day with its summary.
    tamper(dir.path(), "UPDATE step_days SET steps = 1430 WHERE day = '2026-11-24'");
    e.tick(t("2026-11-25T02:05:00-08:00")).unwrap();
    let summaries = activity_summaries(&e);
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    assert_eq!(summaries[0].0.as_deref(), Some("2026-11-24"));
    let payload: serde_json::Value = serde_json::from_str(&summaries[0].1).unwrap();
    assert_eq!(payload["steps"], 1400);
}
