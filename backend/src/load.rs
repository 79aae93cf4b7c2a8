//! `kairos-backend load`: ingests a bounded number of summaries batches
//! through the real HTTP API on loopback, from several keep-alive
//! connections, and measures batches per second and latency. The server
//! runs in the same process, on `127.0.0.1` and a free port; nothing else
//! is contacted.

use crate::client::Connection;
use crate::server::ServerBuilder;
use crate::storage::Storage;
use axum::http::{Method, StatusCode};
use chrono::{Days, NaiveDate};
use flate2::write::GzEncoder;
use serde_json::json;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadConfig {
    /// Batches to send in all (at most 1,000,000).
    pub batches: u64,
    /// Connections sending at once (1 to 256).
    pub concurrency: usize,
    /// Installs the batches are spread over.
    pub installs: usize,
    /// Whether bodies are gzipped, as the engine sends them.
    pub gzip: bool,
    /// Stop sending after this long, whatever is left.
    pub max_duration: Duration,
}

impl Default for LoadConfig {
    fn default() -> Self {
        LoadConfig {
            batches: 20_000,
            concurrency: 32,
            installs: 200,
            gzip: true,
            max_duration: Duration::from_secs(120),
        }
    }
}

/// What was measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadFigures {
    /// `sqlite` or `postgres`.
    pub storage: &'static str,
    /// Batches answered 200.
    pub batches: u64,
    /// Requests that failed or were not answered 200.
    pub errors: u64,
    /// Wall time of the sending phase.
    pub seconds: f64,
    /// `batches / seconds`.
    pub batches_per_sec: f64,
    /// Median request latency.
    pub p50_ms: f64,
    /// 99th percentile request latency.
    pub p99_ms: f64,
    /// Slowest request.
    pub max_ms: f64,
    /// Mean body size on the wire.
    pub body_bytes: usize,
    /// The configuration used.
    pub config: LoadConfig,
}

/// Why the load run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The configuration is out of bounds.
    #[error("{0}")]
    Config(String),
    /// The server could not start, or a setup request failed.
    #[error("{0}")]
    Setup(String),
}

/// The batch body `index` sends: one day of one install, shaped like the
/// canonical day (steps, two merchants visited, one offer's outcomes).
pub fn batch_body(index: u64, installs: usize) -> Vec<u8> {
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date") + Days::new(index / installs as u64);
    let day = day.to_string();
    json!({"batch": [
        {"purpose": "activity", "day": day, "data": {"steps": 1400 + 100 * (index % 50), "goal_met": matches!(index % 3, 0)}},
        {"purpose": "visits", "day": day, "data": {"merchants": [
            {"merchant_id": "maison-lumiere", "visits": 1, "minutes": 30},
            {"merchant_id": format!("merchant-{}", index % 40), "visits": 2, "minutes": 45}]}},
        {"purpose": "offers", "day": day, "data": {"offers": [
            {"offer_id": "o1", "triggered": 1, "presented": 1, "redeemed": index % 2, "dismissed": 0, "held_out": 0}]}}
    ]})
    .to_string()
    .into_bytes()
}

/// Gzips `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// Runs the load against a server on `storage`.
pub async fn run_load(storage: Arc<dyn Storage>, config: LoadConfig) -> Result<LoadFigures, LoadError> {
    if !(1..=1_000_000).contains(&config.batches) {
        return Err(LoadError::Config("--batches must be 1 to 1000000".into()));
    }
    if !(1..=256).contains(&config.concurrency) || config.installs == 0 || config.installs > 100_000 {
        return Err(LoadError::Config("--concurrency must be 1 to 256 and --installs 1 to 100000".into()));
    }
    let kind = storage.kind();
    // A measurement of the storage path, not of the abuse limits.
    let server = ServerBuilder::new(storage)
        .limits(crate::limits::ServerLimits::unmetered())
        .bind("127.0.0.1:0")
        .await
        .map_err(|e| LoadError::Setup(e.to_string()))?;
    let addr = server.addr();

    // Fresh installs and keys on every run, so that a run against a
    // database a previous run filled measures storing, not duplicates.
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mut setup = Connection::open(addr).await.map_err(|e| LoadError::Setup(e.to_string()))?;
    let mut tokens = Vec::with_capacity(config.installs);
    for i in 0..config.installs {
        let install_id = format!("{:016x}{:016x}", run, i);
        let reply = setup
            .send(
                Method::POST,
                "/v1/installs",
                &[("content-type", "application/json")],
                json!({ "install_id": install_id }).to_string(),
            )
            .await
            .map_err(|e| LoadError::Setup(e.to_string()))?;
        let token = reply.json()["token"].as_str().map(str::to_owned);
        tokens.push(format!("Bearer {}", token.ok_or_else(|| LoadError::Setup(format!("register: {reply:?}")))?));
    }
    let bodies: Vec<Vec<u8>> = (0..config.batches)
        .map(|i| {
            let body = batch_body(i, config.installs);
            if config.gzip {
                gzip(&body)
            } else {
                body
            }
        })
        .collect();
    let body_bytes = bodies.iter().map(Vec::len).sum::<usize>() / bodies.len();
    let shared = Arc::new((bodies, tokens, AtomicU64::new(0), AtomicU64::new(0)));

    let started = Instant::now();
    let deadline = started + config.max_duration;
    let mut workers = Vec::with_capacity(config.concurrency);
    for _ in 0..config.concurrency {
        let shared = shared.clone();
        let (total, installs, gzip) = (config.batches, config.installs, config.gzip);
        workers.push(tokio::spawn(async move {
            let (bodies, tokens, next, errors) = &*shared;
            let mut latencies = Vec::new();
            let mut connection = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || Instant::now() >= deadline {
                    break;
                }
                if connection.as_ref().is_none_or(|c: &Connection| !c.is_open()) {
                    connection = Connection::open(addr).await.ok();
                }
                let Some(c) = connection.as_mut() else {
                    errors.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let key = format!("load-{run:x}-{i}");
                let mut headers = vec![
                    ("content-type", "application/json"),
                    ("authorization", tokens[(i % installs as u64) as usize].as_str()),
                    ("idempotency-key", key.as_str()),
                ];
                if gzip {
                    headers.push(("content-encoding", "gzip"));
                }
                let sent = Instant::now();
                let body = axum::body::Bytes::copy_from_slice(&bodies[i as usize]);
                match c.send(Method::POST, "/v1/summaries", &headers, body).await {
                    Ok(reply) if reply.status == StatusCode::OK => latencies.push(sent.elapsed()),
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        connection = None;
                    }
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.map_err(|e| LoadError::Setup(e.to_string()))?);
    }
    let seconds = started.elapsed().as_secs_f64();
    server.shutdown().await.map_err(|e| LoadError::Setup(e.to_string()))?;

    latencies.sort();
    let ms = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1e3);
    let at = |q: f64| ms(latencies.get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1))));
    let batches = latencies.len() as u64;
    Ok(LoadFigures {
        storage: kind,
        batches,
        errors: shared.3.load(Ordering::Relaxed),
        seconds,
        batches_per_sec: batches as f64 / seconds,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: ms(latencies.last()),
        body_bytes,
        config,
    })
}

impl LoadFigures {
    /// Two lines for people.
    pub fn to_text(&self) -> String {
        format!(
            "load: {} batches of 3 entries ({} bytes{} each) over {} installs from {} connections, storage {}\n\
             {:.0} batches/s ({:.2} s), latency p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms, errors {}",
            self.config.batches,
            self.body_bytes,
            if self.config.gzip { " gzipped" } else { "" },
            self.config.installs,
            self.config.concurrency,
            self.storage,
            self.batches_per_sec,
            self.seconds,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.errors
        )
    }

    /// One JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "storage": self.storage,
            "batches": self.batches,
            "errors": self.errors,
            "seconds": self.seconds,
            "batches_per_sec": self.batches_per_sec,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
            "body_bytes": self.body_bytes,
            "concurrency": self.config.concurrency,
            "installs": self.config.installs,
            "gzip": self.config.gzip,
        })
    }
}
