//! Shared by the integration tests: storages to run on (SQLite always,
//! PostgreSQL when `KAIROS_TEST_PG_URL` is set), a server on loopback, and
//! a small authenticated client.
#![allow(dead_code)] // Each test binary uses its own part of this module.

use axum::http::Method;
use kairos_backend::client::{send_once, Reply};
use kairos_backend::faults::FaultConfig;
use kairos_backend::load::gzip;
use kairos_backend::server::{RunningServer, ServerBuilder};
use kairos_backend::storage::{PostgresStorage, SqliteStorage, Storage};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The environment variable naming the test PostgreSQL server.
pub const PG_URL_VAR: &str = "KAIROS_TEST_PG_URL";

/// A storage to test on, with what keeps it alive.
pub struct Backend {
    /// `sqlite` or `postgres`.
    pub name: &'static str,
    /// The storage.
    pub storage: Arc<dyn Storage>,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh SQLite storage in a temporary directory.
pub fn sqlite() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&dir.path().join("kairos-backend.db")).unwrap();
    Backend { name: "sqlite", storage: Arc::new(storage), _dir: Some(dir) }
}

static UNIQUE: AtomicU64 = AtomicU64::new(0);

/// A fresh PostgreSQL storage in a schema of its own, or `None` (with a
/// message) when `KAIROS_TEST_PG_URL` is unset.
pub async fn postgres() -> Option<Backend> {
    let Ok(url) = std::env::var(PG_URL_VAR) else {
        // Written past the test harness's capture, once per test binary.
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "note: skipping the PostgreSQL runs: {PG_URL_VAR} is unset (backend/scripts/with-postgres.sh sets it)"
            );
        });
        return None;
    };
    let mut config: tokio_postgres::Config = url.parse().expect("KAIROS_TEST_PG_URL is not a PostgreSQL URL");
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.expect("cannot reach the test PostgreSQL");
    tokio::spawn(connection);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let schema =
        format!("t_{}_{}_{}", std::process::id(), nanos % 1_000_000_000, UNIQUE.fetch_add(1, Ordering::Relaxed));
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).await.unwrap();
    config.options(format!("-c search_path={schema}"));
    let storage = PostgresStorage::with_config(config, 8).await.unwrap();
    Some(Backend { name: "postgres", storage: Arc::new(storage), _dir: None })
}

/// SQLite, then PostgreSQL when configured.
pub async fn backends() -> Vec<Backend> {
    let mut all = vec![sqlite()];
    all.extend(postgres().await);
    all
}

/// A server on 127.0.0.1 and a free port.
pub async fn start(storage: &Arc<dyn Storage>, faults: Option<FaultConfig>) -> RunningServer {
    let mut builder = ServerBuilder::new(storage.clone());
    if let Some(config) = faults {
        builder = builder.faults(config);
    }
    builder.bind("127.0.0.1:0").await.unwrap()
}

/// A new random-looking install id (32 lowercase hex).
pub fn new_install_id() -> String {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed) as u128;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{:032x}", (nanos << 24 | n) ^ (u128::from(std::process::id()) << 96))
}

/// The canonical day's batch (PRODUCT.md, step 6).
pub fn canonical_batch() -> Value {
    json!({"batch": [
        {"purpose": "activity", "day": "2026-11-24", "data": {"steps": 1400, "goal_met": false}},
        {"purpose": "visits", "day": "2026-11-24", "data": {"merchants": [
            {"merchant_id": "maison-lumiere", "visits": 1, "minutes": 30}]}},
        {"purpose": "offers", "day": "2026-11-24", "data": {"offers": [
            {"offer_id": "o1", "triggered": 1, "presented": 1, "redeemed": 1, "dismissed": 0, "held_out": 0}]}}
    ]})
}

/// A one-entry batch: steps for `day`.
pub fn steps_batch(day: &str, steps: u32) -> Value {
    json!({"batch": [{"purpose": "activity", "day": day, "data": {"steps": steps, "goal_met": steps >= 7500}}]})
}

/// An install registered on a server, with its token.
#[derive(Debug, Clone)]
pub struct Api {
    /// The server.
    pub addr: SocketAddr,
    /// The install.
    pub install_id: String,
    /// Its bearer token.
    pub token: String,
}

/// Registers `install_id` on `addr`; returns the full reply.
pub async fn register_raw(addr: SocketAddr, body: &str) -> Reply {
    send_once(addr, Method::POST, "/v1/installs", &[("content-type", "application/json")], body.to_owned())
        .await
        .unwrap()
}

impl Api {
    /// Registers a new install.
    pub async fn register(addr: SocketAddr) -> Api {
        let install_id = new_install_id();
        let reply = register_raw(addr, &json!({ "install_id": install_id }).to_string()).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let token = reply.json()["token"].as_str().unwrap().to_owned();
        Api { addr, install_id, token }
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// Sends a request with the bearer token and `headers`.
    pub async fn send(&self, method: Method, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
        let bearer = self.bearer();
        let mut all = vec![("authorization", bearer.as_str())];
        all.extend_from_slice(headers);
        send_once(self.addr, method, path, &all, body).await.unwrap()
    }

    /// Uploads `batch` as JSON with `key`.
    pub async fn upload(&self, key: &str, batch: &Value) -> Reply {
        self.send(
            Method::POST,
            "/v1/summaries",
            &[("content-type", "application/json"), ("idempotency-key", key)],
            batch.to_string().into_bytes(),
        )
        .await
    }

    /// Uploads `batch` gzipped with `key`.
    pub async fn upload_gzip(&self, key: &str, batch: &Value) -> Reply {
        self.send(
            Method::POST,
            "/v1/summaries",
            &[("content-type", "application/json"), ("content-encoding", "gzip"), ("idempotency-key", key)],
            gzip(batch.to_string().as_bytes()),
        )
        .await
    }

    /// Asks to delete `body` (`{}` or `{"purpose": ...}`).
    pub async fn delete(&self, body: &Value) -> Reply {
        self.send(
            Method::POST,
            "/v1/deletion-requests",
            &[("content-type", "application/json")],
            body.to_string().into_bytes(),
        )
        .await
    }

    /// `GET /v1/catalog` with `headers`.
    pub async fn catalog(&self, headers: &[(&str, &str)]) -> Reply {
        self.send(Method::GET, "/v1/catalog", headers, Vec::new()).await
    }
}

/// Asserts `reply` is the JSON error `status`/`code`.
#[track_caller]
pub fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{reply:?} {}", String::from_utf8_lossy(&reply.body));
    assert_eq!(reply.header("content-type"), Some("application/json"), "{reply:?}");
    let body = reply.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
}
