//! The highest catalog version loaded is remembered across restarts: an
//! older catalog, validly signed, is refused even once the newer one has
//! expired and is no longer in force.

mod offer_common;

use kairos_core::KairosError;
use offer_common::*;
use serde_json::json;

fn dated(version: u64, expires_at: &str) -> serde_json::Value {
    let mut doc = catalog(version, vec![merchant("m1", 0.0, vec![offer("o1", json!({}))])]);
    doc["expires_at"] = json!(expires_at);
    doc
}

#[test]
fn an_older_catalog_is_refused_after_a_restart_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let key = key();
    let v5 = signed(&dated(5, "2026-11-10T00:00:00Z"), &key);
    // v4 was issued earlier but valid longer: a replay an attacker keeps.
    let v4 = signed(&dated(4, "2026-12-31T00:00:00Z"), &key);
    {
        let e = engine_with(dir.path(), &key);
        assert_eq!(e.load_catalog(&v5, t("2026-11-02T12:00:00Z")).unwrap().version, 5);
        e.tick(t("2026-11-12T12:00:00Z")).unwrap();
    }
    // Reopened after v5 expired: it is not restored, nothing is in force.
    let e = engine_with(dir.path(), &key);
    assert_eq!(e.catalog_info(), None);
    match e.load_catalog(&v4, t("2026-11-12T12:00:00Z")) {
        Err(KairosError::InvalidCatalog { reason }) => {
            assert!(reason.contains("version 4 is older than the current version 5"), "{reason}")
        }
        other => panic!("v4 after v5 must be refused as a rollback: {other:?}"),
    }
    // A newer one still loads, and the same version again is a re-fetch.
    let v6 = signed(&dated(6, "2026-12-31T00:00:00Z"), &key);
    assert_eq!(e.load_catalog(&v6, t("2026-11-12T12:00:00Z")).unwrap().version, 6);
    assert_eq!(e.load_catalog(&v6, t("2026-11-12T13:00:00Z")).unwrap().version, 6);
}
