//! Cross-crate end-to-end tests live in `tests/tests/`; fixtures (tracks,
//! catalogs, scenarios) beside them in `tests/`. This library holds what
//! those tests share: an engine and a real backend on loopback, and the
//! test catalog re-signed at any version ([`catalog`]), and a scanner for
//! coordinates at rest in a profile directory ([`scan`]) and one for the
//! times of private visits ([`scan_times`]), and a tiled catalog around a
//! shopper's home and work with a finder of tile ids at rest ([`tiled`]). The crash-and-kill
//! harness is the `crash-test` binary (`src/bin/crash-test/`, run by
//! `cargo xtask crash-test`; docs/RELIABILITY.md).

#![forbid(unsafe_code)]

pub mod catalog;
pub mod scan;
pub mod scan_times;
pub mod sealed;
pub mod tiled;

use kairos_backend::faults::FaultConfig;
use kairos_backend::limits::ServerLimits;
use kairos_backend::server::{RunningServer, ServerBuilder};
use kairos_backend::storage::{SqliteStorage, Storage};
use kairos_core::{Engine, EngineConfig, StepSample, Timestamp};
use std::sync::Arc;

/// A backend on loopback over a fresh SQLite file, with what keeps it alive.
pub struct Backend {
    /// The running server.
    pub server: RunningServer,
    /// Its storage, to check what it holds.
    pub storage: Arc<dyn Storage>,
    /// Its SQLite file, to count what it stored.
    pub db_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

/// Starts a backend on 127.0.0.1 (any free port), with `faults` if given,
/// without rate limits: these tests replay months of a phone's syncs in
/// seconds of wall time, and the server's rate limits count wall time (the
/// limits themselves are tested in backend/tests/abuse.rs).
pub async fn backend(faults: Option<FaultConfig>) -> Backend {
    backend_with_limits(faults, ServerLimits::unmetered()).await
}

/// [`backend`] with `limits` (a test that sends, in a few real seconds,
/// what a device sends over simulated months needs a wider per-install
/// rate than production's).
pub async fn backend_with_limits(faults: Option<FaultConfig>, limits: kairos_backend::limits::ServerLimits) -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("backend.db");
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&db_path).unwrap());
    let mut b = ServerBuilder::new(storage.clone()).limits(limits);
    if let Some(f) = faults {
        b = b.faults(f);
    }
    let server = b.bind("127.0.0.1:0").await.unwrap();
    Backend { server, storage, db_path, _dir: dir }
}

/// An engine in `dir` with the install id `install_id` (32 hex digits).
pub fn engine(dir: &std::path::Path, install_id: &str) -> Engine {
    let mut cfg = EngineConfig::new(dir, "America/Los_Angeles");
    cfg.install_id = Some(install_id.to_string());
    Engine::open(cfg).unwrap()
}

/// Parses an RFC 3339 time.
pub fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// Records `steps` in the morning of each of `days` consecutive local days
/// from `first` (noon Los Angeles time) and ticks each next day, so that
/// every one of those days closes.
pub fn step_days(e: &Engine, first: Timestamp, days: i64, steps: u64) {
    for d in 0..days {
        let noon = first.plus_millis(d * 86_400_000);
        e.record_steps(StepSample::Interval { start: noon.plus_millis(-3_600_000), end: noon, steps }).unwrap();
        e.tick(noon.plus_millis(86_400_000 - 6 * 3_600_000)).unwrap();
    }
}
