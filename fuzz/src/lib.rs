//! Helpers shared by the fuzz targets: the TEST-ONLY catalog key of
//! `tests/catalogs/`, the instants the fixtures are valid at, the signed
//! fixture catalogs, and fresh engine profiles in scratch space.

use kairos_core::catalog::{keypair_from_pkcs8, sign, CatalogKeys, Ed25519KeyPair};
use kairos_core::DB_FILE;
use kairos_core::{Engine, EngineConfig, Timestamp};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

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

/// The fixture catalogs, signed with the test key once: the example
/// catalog, then the canonical day's, shop street's, travel's and the
/// expired one.
pub fn fixtures() -> &'static Vec<Vec<u8>> {
    static FIXTURES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests"));
        let mut out = vec![std::fs::read(dir.join("catalogs/example.signed.json")).expect("the signed fixture")];
        for doc in ["canonical-day", "shop-street", "travel", "expired"] {
            let bytes = std::fs::read(dir.join(format!("scenarios/{doc}.catalog.json"))).expect("a fixture catalog");
            out.push(sign(&bytes, TEST_KEY_ID, test_key()));
        }
        out
    })
}

/// Where scratch profiles go: `/dev/shm` when there is one (in memory),
/// else the temporary directory.
pub fn scratch_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        }
    })
}

/// An engine configuration in `dir` and `zone` that trusts the test key,
/// with a fixed install id.
pub fn config(dir: &Path, zone: &str) -> EngineConfig {
    let mut c = EngineConfig::new(dir, zone);
    c.catalog_keys = vec![(TEST_KEY_ID.to_string(), test_public_key())];
    c.install_id = Some("f0220000000000000000000000000001".to_string());
    c
}

/// A new scratch directory holding a fresh profile for `zone` (open it with
/// [`config`]), removed when dropped.
///
/// The profile is a copy of the database file a first `Engine::open` wrote
/// in that zone, read back after closing (which checkpoints the WAL into
/// it), made once per zone and process. It holds exactly what a first open
/// writes (the schema, key check, install id and zone); creating the schema
/// anew was four tenths of an `engine_ops` execution.
pub fn fresh_profile(zone: &str) -> tempfile::TempDir {
    static TEMPLATES: OnceLock<Mutex<HashMap<String, &'static [u8]>>> = OnceLock::new();
    let template = *TEMPLATES
        .get_or_init(Default::default)
        .lock()
        .expect("templates")
        .entry(zone.to_string())
        .or_insert_with(|| {
            let dir =
                tempfile::Builder::new().prefix("kairos-fuzz-template-").tempdir_in(scratch_root()).expect("a dir");
            drop(Engine::open(config(dir.path(), zone)).expect("a fresh engine opens"));
            let names: Vec<_> =
                std::fs::read_dir(dir.path()).expect("the template").map(|e| e.expect("a file").file_name()).collect();
            assert_eq!(names, [DB_FILE], "a closed profile is one database file");
            std::fs::read(dir.path().join(DB_FILE)).expect("the template database").leak()
        });
    let dir = tempfile::Builder::new().prefix("kairos-fuzz-").tempdir_in(scratch_root()).expect("a scratch dir");
    std::fs::write(dir.path().join(DB_FILE), template).expect("a copy of the template");
    dir
}
