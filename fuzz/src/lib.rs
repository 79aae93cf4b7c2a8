//! Helpers shared by the fuzz targets: the TEST-ONLY catalog key of
//! `tests/catalogs/` and the instants the fixtures are valid at.

use kairos_core::catalog::{keypair_from_pkcs8, CatalogKeys, Ed25519KeyPair};
use kairos_core::Timestamp;
use std::sync::OnceLock;

/// The TEST-ONLY signing key of `tests/catalogs/` (never a production key).
const TEST_KEY_PK8: &[u8] = include_bytes!("../../tests/catalogs/test-key.pk8");
/// Its public key, base64.
const TEST_KEY_PUB: &str = include_str!("../../tests/catalogs/test-key.pub");
/// The key id the fixtures are signed under.
pub const TEST_KEY_ID: &str = "test-key";

/// 2026-11-28T16:00:00Z (08:00 in San Jose, the canonical day): every
/// fixture catalog is current then.
pub const FIXTURE_NOW: Timestamp = Timestamp(1_795_881_600_000);

/// The test key pair, loaded once.
pub fn test_key() -> &'static Ed25519KeyPair {
    static KEY: OnceLock<Ed25519KeyPair> = OnceLock::new();
    KEY.get_or_init(|| keypair_from_pkcs8(TEST_KEY_PK8).expect("the test key loads"))
}

/// The keys that trust the test key, under [`TEST_KEY_ID`].
pub fn test_keys() -> CatalogKeys {
    let mut keys = CatalogKeys::new();
    keys.insert_base64(TEST_KEY_ID, TEST_KEY_PUB).expect("the test public key is valid");
    keys
}

/// The raw public test key, as `EngineConfig::catalog_keys` takes it.
pub fn test_public_key() -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(TEST_KEY_PUB.trim()).expect("the test public key is base64")
}

/// Whether chrono can print `at` (about ±262,000 years around the epoch):
/// the track writers clamp instants outside that range.
pub fn printable(at: Timestamp) -> bool {
    at.to_utc().timestamp_millis() == at.millis()
}
