//! The test catalog (`tests/catalogs/example.json`), re-signed with the test
//! key (`tests/catalogs/test-key.pk8`, id `test-key`) at any version and
//! validity, so long runs can refresh it every day.

use base64::Engine as _;
use kairos_core::{EngineConfig, Timestamp};
use serde_json::Value;

/// The key id the test catalogs are signed with.
pub const KEY_ID: &str = "test-key";
/// The example catalog as published (version 1, signed).
pub const EXAMPLE_SIGNED: &[u8] = include_bytes!("../catalogs/example.signed.json");
const EXAMPLE_DOC: &str = include_str!("../catalogs/example.json");
const PRIVATE_KEY: &[u8] = include_bytes!("../catalogs/test-key.pk8");
const PUBLIC_KEY: &str = include_str!("../catalogs/test-key.pub");

/// The catalog keys an engine needs to accept the test catalogs.
pub fn keys() -> Vec<(String, Vec<u8>)> {
    let raw = base64::engine::general_purpose::STANDARD.decode(PUBLIC_KEY.trim()).expect("test-key.pub is base64");
    vec![(KEY_ID.to_string(), raw)]
}

/// A configuration over `dir` in Los Angeles with the test catalog key and
/// the install id `install_id`.
pub fn config(dir: &std::path::Path, install_id: &str) -> EngineConfig {
    let mut cfg = EngineConfig::new(dir, "America/Los_Angeles");
    cfg.install_id = Some(install_id.to_string());
    cfg.catalog_keys = keys();
    cfg
}

/// The example catalog at `version`, issued at `issued_at` and valid (with
/// every offer schedule's validity) for `valid_days` days, signed with the
/// test key.
pub fn signed_example(version: u64, issued_at: Timestamp, valid_days: i64) -> Vec<u8> {
    let mut doc: Value = serde_json::from_str(EXAMPLE_DOC).expect("example.json is JSON");
    let expires = issued_at.plus_millis(valid_days * 86_400_000);
    doc["version"] = version.into();
    doc["issued_at"] = issued_at.to_rfc3339().into();
    doc["expires_at"] = expires.to_rfc3339().into();
    for merchant in doc["merchants"].as_array_mut().expect("merchants") {
        for offer in merchant["offers"].as_array_mut().expect("offers") {
            let Some(schedule) = offer.get_mut("schedule").and_then(Value::as_object_mut) else { continue };
            if schedule.contains_key("valid_from") {
                schedule.insert("valid_from".into(), issued_at.to_rfc3339().into());
            }
            if schedule.contains_key("valid_until") {
                schedule.insert("valid_until".into(), expires.to_rfc3339().into());
            }
        }
    }
    let key = kairos_core::catalog::keypair_from_pkcs8(PRIVATE_KEY).expect("test-key.pk8 is a key");
    kairos_core::catalog::sign(doc.to_string().as_bytes(), KEY_ID, &key)
}
