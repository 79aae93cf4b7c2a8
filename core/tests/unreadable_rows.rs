//! A stored row the engine cannot read fails the call that reads it, with
//! an error that says what was being read; it is never replaced by a
//! default (a `null` payload, a missing item).

use kairos_core::privacy::Purpose;
use kairos_core::{Engine, EngineConfig, KairosError, Timestamp};

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

#[test]
fn an_outbox_payload_that_is_not_json_fails_the_export_and_names_the_item() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(EngineConfig::new(dir.path(), "America/Los_Angeles")).unwrap();
    e.set_consent(Purpose::Visits, true, "2026-11", t("2026-11-24T07:00:00-08:00")).unwrap();
    e.set_consent(Purpose::Visits, false, "2026-11", t("2026-11-24T08:00:00-08:00")).unwrap();
    let item = e.outbox().unwrap()[0].id;
    assert!(e.export_profile().is_ok());

    let conn = rusqlite::Connection::open(dir.path().join("kairos.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(conn.execute("UPDATE outbox SET payload = '{\"purpose\": '", []).unwrap(), 1);

    match e.export_profile() {
        Err(KairosError::Internal { reason }) => {
            assert!(reason.contains(&format!("outbox item {item} has an unreadable payload")), "{reason}")
        }
        other => panic!("the export must fail, got {other:?}"),
    }
}
