//! `--sync embedded`: the reference backend, in this process, on loopback,
//! over a temporary SQLite file, serving the scenario's catalog. The
//! README's main job uses it so the canonical day ends with its nightly
//! sync against the real server. A scenario with `[social]` friends also
//! seeds them through it (or through a private one when the run has no
//! embedded backend): its social endpoints then judge by the scenario's
//! day (its start), so a replayed past day sees its friends' visits as
//! recent, whenever the run happens.

use crate::scenario::Scenario;
use kairos_backend::api::DayClock;
use kairos_backend::catalog_publishing;
use kairos_backend::server::ServerBuilder;
use kairos_backend::storage::{SqliteStorage, Storage};
use std::sync::Arc;

/// A running embedded backend; stops when dropped.
pub struct Embedded {
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    storage: Arc<dyn Storage>,
    runtime: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Embedded {
    /// The backend for `sc`: its catalog published, its social endpoints
    /// on the scenario's day (its start) when it has `[social]` friends.
    pub fn for_scenario(sc: &Scenario) -> Result<Embedded, String> {
        let clock = match &sc.social {
            Some(_) => DayClock::Fixed(sc.start.local_day(sc.tz)),
            None => DayClock::Utc,
        };
        Embedded::start(sc.catalog.as_ref().map(|c| c.envelope.as_slice()), clock)
    }

    /// Starts the backend, publishing `catalog` (a signed envelope) if given.
    pub fn start(catalog: Option<&[u8]>, clock: DayClock) -> Result<Embedded, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("embedded backend: {e}"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| format!("embedded backend: {e}"))?;
        let storage: Arc<dyn Storage> = Arc::new(
            SqliteStorage::open(&dir.path().join("kairos-backend.db")).map_err(|e| format!("embedded backend: {e}"))?,
        );
        let (url, stop) = runtime.block_on(async {
            if let Some(envelope) = catalog {
                let record =
                    catalog_publishing::prepare(envelope, None).map_err(|e| format!("embedded backend: {e}"))?;
                catalog_publishing::publish(storage.as_ref(), record)
                    .await
                    .map_err(|e| format!("embedded backend: {e}"))?;
            }
            let mut server = ServerBuilder::new(storage.clone())
                .day_clock(clock)
                .bind("127.0.0.1:0")
                .await
                .map_err(|e| format!("embedded backend: cannot listen on loopback: {e}"))?;
            let url = server.url();
            let stop = server.stopper();
            tokio::spawn(async move { server.wait().await });
            Ok::<_, String>((url, stop))
        })?;
        Ok(Embedded { url, storage, runtime, stop, _dir: dir })
    }

    /// Runs `f` on the backend's runtime (its requests are served there).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// The server's address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.url.trim_start_matches("http://").parse().expect("the embedded backend listens on an address")
    }

    /// What the backend holds for `install_id`, in one line.
    pub fn held(&self, install_id: &str) -> String {
        match self.runtime.block_on(self.storage.held_by(install_id.to_string())) {
            Ok(h) => format!(
                "the backend holds {} activity, {} visit and {} offer rows for this install (summaries only: no coordinate, no place of the shopper's own)",
                h.activity.len(),
                h.visits.len(),
                h.offers.len()
            ),
            Err(e) => format!("the backend could not be read: {e}"),
        }
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
