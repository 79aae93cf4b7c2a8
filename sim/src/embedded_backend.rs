//! `--sync embedded`: the reference backend, in this process, on loopback,
//! over a temporary SQLite file, serving the scenario's catalog. The
//! README's main job uses it so the canonical day ends with its nightly
//! sync against the real server. A catalog of `[catalog] tiles = true` is
//! published as tiles (`tile_publishing`, ADR 0012), each signed with the
//! scenario's signing key, and not as one document. A scenario with `[social]` friends also
//! seeds them through it (or through a private one when the run has no
//! embedded backend). Its clock is the replay's (it starts at the
//! scenario's start and the till moves it to each presentation), so a
//! replayed past day sees its friends' visits as recent and its tokens as
//! fresh, whenever the run happens.

use crate::scenario::till::{Till, TillAnswer};
use crate::scenario::Scenario;
use kairos_backend::clock::Clock;
use kairos_backend::server::ServerBuilder;
use kairos_backend::storage::{SqliteStorage, Storage};
use kairos_backend::{catalog_publishing, tile_publishing};
use kairos_core::catalog::{keypair_from_pkcs8, Catalog};
use kairos_core::sync::{HttpMethod, HttpRequest, HttpTransport, ReqwestTransport, SyncOptions};
use kairos_core::{Engine, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How the embedded backend publishes a scenario's catalog.
pub enum Publication<'a> {
    /// One signed envelope, served whole at `/v1/catalog`.
    Envelope(&'a [u8]),
    /// Cut into tiles, each signed with `pk8` (a PKCS#8 Ed25519 key)
    /// under `key_id`.
    Tiles {
        /// The catalog document.
        catalog: &'a Catalog,
        /// The key id the engine trusts.
        key_id: &'a str,
        /// The signing key.
        pk8: &'a [u8],
    },
}

/// A running embedded backend; stops when dropped.
pub struct Embedded {
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    storage: Arc<dyn Storage>,
    runtime: tokio::runtime::Runtime,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
    /// The time the backend judges tokens' expiry by: the replay's.
    clock: Clock,
    /// The merchant API key of each merchant's till, once issued.
    till_keys: Mutex<HashMap<String, String>>,
}

impl Embedded {
    /// The backend for `sc`: its catalog published, its clock at the
    /// scenario's start.
    pub fn for_scenario(sc: &Scenario) -> Result<Embedded, String> {
        let publication = sc.catalog.as_ref().map(|c| match &c.tiles {
            Some(pk8) => Publication::Tiles { catalog: &c.catalog, key_id: &c.key_id, pk8 },
            None => Publication::Envelope(&c.envelope),
        });
        Embedded::start(publication, Clock::manual(sc.start.0))
    }

    /// Starts the backend on `clock`, publishing `catalog` if given.
    pub fn start(catalog: Option<Publication<'_>>, clock: Clock) -> Result<Embedded, String> {
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
            match catalog {
                Some(Publication::Envelope(envelope)) => {
                    let record =
                        catalog_publishing::prepare(envelope, None).map_err(|e| format!("embedded backend: {e}"))?;
                    catalog_publishing::publish(storage.as_ref(), record)
                        .await
                        .map_err(|e| format!("embedded backend: {e}"))?;
                }
                Some(Publication::Tiles { catalog, key_id, pk8 }) => {
                    let key = keypair_from_pkcs8(pk8).map_err(|e| format!("embedded backend: tiles' key: {e}"))?;
                    tile_publishing::publish(storage.as_ref(), catalog, key_id, &key)
                        .await
                        .map_err(|e| format!("embedded backend: publishing the catalog as tiles: {e}"))?;
                }
                None => {}
            }
            let mut server = ServerBuilder::new(storage.clone())
                .clock(clock.clone())
                .bind("127.0.0.1:0")
                .await
                .map_err(|e| format!("embedded backend: cannot listen on loopback: {e}"))?;
            let url = server.url();
            let stop = server.stopper();
            tokio::spawn(async move { server.wait().await });
            Ok::<_, String>((url, stop))
        })?;
        Ok(Embedded { url, storage, runtime, stop, _dir: dir, clock, till_keys: Mutex::new(HashMap::new()) })
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

impl Till for Embedded {
    fn register(&self, engine: &Engine) -> Result<Vec<String>, String> {
        let opts = SyncOptions { allow_insecure_loopback: true, ..SyncOptions::new(&self.url) };
        let transport = ReqwestTransport::new().map_err(|e| e.0)?;
        let report = self.runtime.block_on(engine.register_with(&opts, &transport));
        Ok(report.map_err(|e| e.to_string())?.problems)
    }

    fn verify(&self, merchant_id: &str, token: &str, at: Timestamp) -> Result<TillAnswer, String> {
        self.clock.set(at.0);
        let key = {
            let mut keys = self.till_keys.lock().unwrap_or_else(|p| p.into_inner());
            match keys.get(merchant_id) {
                Some(k) => k.clone(),
                None => {
                    let k = self
                        .runtime
                        .block_on(kairos_backend::api::redemptions::issue_merchant_key(
                            self.storage.as_ref(),
                            merchant_id,
                        ))
                        .map_err(|e| format!("embedded backend: {e}"))?;
                    keys.insert(merchant_id.to_owned(), k.clone());
                    k
                }
            }
        };
        let request = HttpRequest::new(HttpMethod::Post, format!("{}/v1/redemptions/verify", self.url))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {key}"))
            .body(serde_json::json!({ "token": token }).to_string().into_bytes());
        let transport = ReqwestTransport::new().map_err(|e| e.0)?;
        let reply =
            self.runtime.block_on(transport.send(request)).map_err(|e| format!("the till's request failed: {e}"))?;
        let body = serde_json::from_slice(&reply.body).unwrap_or(serde_json::Value::Null);
        Ok(TillAnswer { status: reply.status, body })
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
