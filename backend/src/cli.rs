//! The `kairos-backend` command line.

use crate::catalog_publishing::{self, PublishError, Published};
use crate::catalog_signing::{keygen, sign_catalog, BackendError};
use crate::faults::FaultConfig;
use crate::limits::{
    RateLimit, ReportEligibility, ServerLimits, DEFAULT_MIN_INSTALLS, DEFAULT_MIN_INSTALL_AGE_DAYS,
    DEFAULT_MIN_UPLOAD_DAYS, IDEMPOTENCY_RETENTION_DAYS,
};
use crate::load::{run_load, LoadConfig, LoadError};
use crate::report::lift::lift_report;
use crate::report::{visit_report, ReportError};
use crate::server::ServerBuilder;
use crate::storage::{PostgresStorage, SqliteStorage, Storage, StorageError};
use crate::today_utc;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The Kairos reference backend.
#[derive(Debug, Parser)]
#[command(name = "kairos-backend", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the server's data lives: a SQLite file, or a PostgreSQL database.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// The SQLite database file (created if missing).
    #[arg(long, default_value = "kairos-backend.db")]
    pub db: PathBuf,
    /// Use this PostgreSQL database instead of SQLite
    /// (`postgres://user:password@host:port/db`). Add `?sslmode=require`
    /// for TLS to the database (the server's certificate is checked against
    /// the Mozilla roots, or --postgres-ca); otherwise the connection is
    /// plain: a private network or a local socket only.
    #[arg(long, conflicts_with = "db")]
    pub postgres: Option<String>,
    /// CA certificates (PEM) to check the PostgreSQL server's certificate
    /// with, for `sslmode=require`.
    #[arg(long, requires = "postgres")]
    pub postgres_ca: Option<PathBuf>,
}

/// Fault injection for client tests (off by default).
#[derive(Debug, Clone, Args)]
pub struct FaultArgs {
    /// `none`, `flaky` (all kinds), or a comma-separated list of
    /// `error-before`, `error-after`, `throttle`, `drop`, `slow`.
    #[arg(long, default_value = "none")]
    pub fault_mode: String,
    /// Probability that a /v1 request gets a fault.
    #[arg(long, default_value_t = 0.3)]
    pub fault_rate: f64,
    /// Seed of the fault generator.
    #[arg(long, default_value_t = 1)]
    pub fault_seed: u64,
    /// Most faults injected; later requests are served normally.
    #[arg(long, default_value_t = 100)]
    pub fault_max: u64,
    /// `Retry-After` of throttled answers, in seconds.
    #[arg(long, default_value_t = 1)]
    pub fault_retry_after: u64,
}

/// The abuse limits of `serve` (defaults: [`ServerLimits::default`]).
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Registrations a minute per client address (IPv6: per /64).
    #[arg(long, default_value_t = 20)]
    pub registrations_per_minute: u32,
    /// Registrations one client address may make back to back.
    #[arg(long, default_value_t = 20)]
    pub registration_burst: u32,
    /// Authenticated requests an hour per install.
    #[arg(long, default_value_t = 120)]
    pub install_requests_per_hour: u32,
    /// Authenticated requests one install may make back to back.
    #[arg(long, default_value_t = 60)]
    pub install_request_burst: u32,
    /// Seconds a client has to send a request's head (and end a TLS handshake).
    #[arg(long, default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, default_value_t = 30)]
    pub body_timeout_secs: u64,
    /// Seconds without a byte moved before a connection is closed.
    #[arg(long, default_value_t = 60)]
    pub idle_timeout_secs: u64,
    /// Open connections in all.
    #[arg(long, default_value_t = 4096)]
    pub max_connections: usize,
    /// Open connections per client address (IPv6: per /64).
    #[arg(long, default_value_t = 64)]
    pub max_connections_per_address: usize,
}

impl LimitArgs {
    /// The limits, or a usage error for a zero.
    pub fn limits(&self) -> Result<ServerLimits, CliError> {
        let positive = [
            self.registrations_per_minute as u64,
            self.registration_burst as u64,
            self.install_requests_per_hour as u64,
            self.install_request_burst as u64,
            self.header_timeout_secs,
            self.body_timeout_secs,
            self.idle_timeout_secs,
            self.max_connections as u64,
            self.max_connections_per_address as u64,
        ];
        if positive.contains(&0) {
            return Err(CliError::Usage("every limit must be above 0".into()));
        }
        Ok(ServerLimits {
            registrations: RateLimit::per_minute(self.registrations_per_minute, self.registration_burst),
            requests_per_install: RateLimit::per_hour(self.install_requests_per_hour, self.install_request_burst),
            header_timeout: Duration::from_secs(self.header_timeout_secs),
            body_timeout: Duration::from_secs(self.body_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_connections: self.max_connections,
            max_connections_per_address: self.max_connections_per_address,
            ..ServerLimits::default()
        })
    }
}

/// How `serve` speaks to clients: TLS, or plain HTTP.
#[derive(Debug, Clone, Args)]
pub struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM, leaf first).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Allow plain HTTP on an address other than loopback (tokens and
    /// summaries then cross the network in clear: only behind a TLS proxy).
    #[arg(long, conflicts_with = "tls_cert")]
    pub insecure_http: bool,
}

impl FaultArgs {
    /// The fault configuration, or `None` for `--fault-mode none`.
    pub fn config(&self) -> Result<Option<FaultConfig>, CliError> {
        let Some(kinds) = FaultConfig::parse_mode(&self.fault_mode).map_err(CliError::Usage)? else { return Ok(None) };
        let config = FaultConfig { kinds, ..FaultConfig::flaky(self.fault_seed) }
            .rate(self.fault_rate)
            .max_faults(self.fault_max)
            .retry_after_secs(self.fault_retry_after);
        config.check().map_err(CliError::Usage)?;
        Ok(Some(config))
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate an Ed25519 catalog signing key: writes ID.pk8 (private,
    /// keep it secret) and ID.pub (base64 public key, for the apps).
    Keygen {
        /// Directory to write the key files to (created if missing).
        #[arg(long)]
        out_dir: PathBuf,
        /// Id of the key, named in every envelope it signs.
        #[arg(long, default_value = "k1")]
        key_id: String,
    },
    /// Validate a catalog document and sign it into an envelope. An invalid
    /// document is refused with the path of its first problem.
    SignCatalog {
        /// The private key (PKCS#8, as written by `keygen`).
        #[arg(long)]
        key: PathBuf,
        /// The id of that key.
        #[arg(long)]
        key_id: String,
        /// The catalog document (JSON).
        #[arg(long = "in")]
        input: PathBuf,
        /// Where to write the signed envelope (JSON).
        #[arg(long)]
        out: PathBuf,
    },
    /// Run the sync server until interrupted (Ctrl-C or SIGTERM).
    Serve {
        /// Where the data lives.
        #[command(flatten)]
        storage: StorageArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8787")]
        addr: String,
        /// Publish this signed catalog envelope at start (as `set-catalog`).
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Check the catalog's signature with this base64 public key file.
        #[arg(long, requires = "catalog")]
        catalog_public_key: Option<PathBuf>,
        /// Fault injection (tests only).
        #[command(flatten)]
        faults: FaultArgs,
        /// Abuse limits.
        #[command(flatten)]
        limits: LimitArgs,
        /// TLS.
        #[command(flatten)]
        tls: TlsArgs,
    },
    /// Publish a signed catalog envelope: GET /v1/catalog serves it from
    /// then on. A lower version than the current one is refused.
    SetCatalog {
        /// Where the data lives.
        #[command(flatten)]
        storage: StorageArgs,
        /// Check the signature with this base64 public key file.
        #[arg(long)]
        public_key: Option<PathBuf>,
        /// The signed envelope (as written by `sign-catalog`).
        file: PathBuf,
    },
    /// Cut a catalog document into tiles by area, sign each changed tile
    /// and the catalog header, and publish them (ADR 0012): GET
    /// /v1/catalog/header and the tile endpoints serve them from then on.
    /// Tiles whose content did not change keep their version; a lower
    /// catalog version is refused.
    PublishTiles {
        /// Where the data lives.
        #[command(flatten)]
        storage: StorageArgs,
        /// The private key (PKCS#8, from `keygen`).
        #[arg(long)]
        key: PathBuf,
        /// The key's id, as the engines know it.
        #[arg(long, default_value = "k1")]
        key_id: String,
        /// The catalog document (JSON, of any size: each tile is checked).
        #[arg(long = "in")]
        input: PathBuf,
    },
    /// `report` (or `report visits`): merchant visits per merchant and
    /// day, over all installs, as CSV; a cell with fewer distinct installs
    /// than --min-installs is left out. `report lift`: per offer, the
    /// redemption rates of exposed and held-out installs and their
    /// difference with a 95% interval; an offer with an arm under
    /// --min-installs installs is left out.
    Report {
        /// Which report.
        #[arg(value_enum, default_value_t = ReportKind::Visits)]
        kind: ReportKind,
        /// Where the data lives.
        #[command(flatten)]
        storage: StorageArgs,
        /// Fewest distinct installs a cell must have to be shown (at least 2).
        #[arg(long, default_value_t = DEFAULT_MIN_INSTALLS)]
        min_installs: u32,
        /// Count only installs registered at least this many days before
        /// the cell's day (sybil resistance; 0 with --min-upload-days 0 turns it off).
        #[arg(long, default_value_t = DEFAULT_MIN_INSTALL_AGE_DAYS)]
        min_install_age_days: u32,
        /// Count only installs that uploaded on at least this many distinct days.
        #[arg(long, default_value_t = DEFAULT_MIN_UPLOAD_DAYS)]
        min_upload_days: u32,
        /// Print one JSON object instead of CSV.
        #[arg(long)]
        json: bool,
    },
    /// Issue an API key for a merchant's tills: they verify redemption
    /// tokens with it (`POST /v1/redemptions/verify`), for that merchant's
    /// offers only. The key is printed once; the server keeps its SHA-256.
    MerchantKey {
        /// Where the data lives.
        #[command(flatten)]
        storage: StorageArgs,
        /// The catalog merchant id the key verifies tokens for.
        #[arg(long)]
        merchant: String,
    },
    /// Measure ingestion: send a bounded number of batches to an in-process
    /// server on 127.0.0.1 and report batches per second.
    Load {
        /// SQLite file to load into (default: a temporary file, removed after).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Load into this PostgreSQL database instead.
        #[arg(long, conflicts_with = "db")]
        postgres: Option<String>,
        /// Batches to send.
        #[arg(long, default_value_t = LoadConfig::default().batches)]
        batches: u64,
        /// Connections sending at once.
        #[arg(long, default_value_t = LoadConfig::default().concurrency)]
        concurrency: usize,
        /// Installs the batches are spread over.
        #[arg(long, default_value_t = LoadConfig::default().installs)]
        installs: usize,
        /// Send bodies uncompressed.
        #[arg(long)]
        no_gzip: bool,
        /// Stop sending after this many seconds.
        #[arg(long, default_value_t = 120)]
        max_seconds: u64,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A catalog tool failed.
    #[error(transparent)]
    Catalog(#[from] BackendError),
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A catalog could not be published.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// The report could not be made.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The load run failed.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A file or socket failed.
    #[error("{0}")]
    Io(String),
    /// The arguments do not make sense together.
    #[error("{0}")]
    Usage(String),
}

/// Runs a parsed command line; returns what to print on success.
pub fn run(cli: Cli) -> Result<String, CliError> {
    match cli.command {
        Command::Keygen { out_dir, key_id } => {
            let out = keygen(&out_dir, &key_id)?;
            Ok(format!(
                "wrote private key {} (keep it secret)\nwrote public key {}\npublic key {key_id}: {}",
                out.private_key_path.display(),
                out.public_key_path.display(),
                out.public_key_base64
            ))
        }
        Command::SignCatalog { key, key_id, input, out } => {
            let report = sign_catalog(&key, &key_id, &input, &out)?;
            Ok(format!(
                "signed catalog version {} ({} merchants, {} offers) with key {key_id} into {}",
                report.version,
                report.merchants,
                report.offers,
                report.out.display()
            ))
        }
        Command::Serve { storage, addr, catalog, catalog_public_key, faults, limits, tls } => {
            let faults = faults.config()?;
            let limits = limits.limits()?;
            let tls = tls_config(&tls, &addr)?;
            runtime()?.block_on(serve(storage, addr, catalog, catalog_public_key, faults, limits, tls))
        }
        Command::SetCatalog { storage, public_key, file } => runtime()?.block_on(async move {
            let storage = open_storage(&storage).await?;
            set_catalog(storage.as_ref(), &file, public_key.as_deref()).await
        }),
        Command::PublishTiles { storage, key, key_id, input } => runtime()?.block_on(async move {
            let storage = open_storage(&storage).await?;
            crate::tile_publishing::publish_file(storage.as_ref(), &key, &key_id, &input)
                .await
                .map_err(|e| CliError::Io(e.to_string()))
        }),
        Command::Report { kind, storage, min_installs, min_install_age_days, min_upload_days, json } => runtime()?
            .block_on(async move {
                let storage = open_storage(&storage).await?;
                let eligible = ReportEligibility { min_install_age_days, min_upload_days };
                Ok(match kind {
                    ReportKind::Visits => {
                        let r = visit_report(storage.as_ref(), min_installs, eligible).await?;
                        let summary = format!(
                            "{} cells shown, {} suppressed (fewer than {min_installs} distinct installs)",
                            r.cells.len(),
                            r.suppressed
                        );
                        printed(&summary, json, || r.to_json(), || r.to_csv())
                    }
                    ReportKind::Lift => {
                        let r = lift_report(storage.as_ref(), min_installs, eligible).await?;
                        let summary = format!(
                            "{} offers shown, {} suppressed (an arm with fewer than {min_installs} installs); \
                             95% intervals: Wilson per rate, Newcombe hybrid score for the lift",
                            r.lines.len(),
                            r.suppressed
                        );
                        printed(&summary, json, || r.to_json(), || r.to_csv())
                    }
                })
            }),
        Command::MerchantKey { storage, merchant } => {
            if merchant.is_empty() || merchant.len() > crate::limits::MAX_ID_BYTES {
                return Err(CliError::Usage(format!(
                    "--merchant must be a catalog merchant id of 1 to {} bytes",
                    crate::limits::MAX_ID_BYTES
                )));
            }
            runtime()?.block_on(async move {
                let storage = open_storage(&storage).await?;
                let key = crate::api::redemptions::issue_merchant_key(storage.as_ref(), &merchant).await?;
                eprintln!("merchant API key for {merchant} (shown once; the server keeps only its SHA-256):");
                Ok(key)
            })
        }
        Command::Load { db, postgres, batches, concurrency, installs, no_gzip, max_seconds, json } => {
            let config = LoadConfig {
                batches,
                concurrency,
                installs,
                gzip: !no_gzip,
                max_duration: Duration::from_secs(max_seconds),
            };
            runtime()?.block_on(load(db, postgres, config, json))
        }
    }
}

/// The TLS configuration `serve` asked for; refuses plain HTTP on an
/// address that is not loopback unless `--insecure-http` says so (and
/// then warns).
fn tls_config(args: &TlsArgs, addr: &str) -> Result<Option<Arc<rustls::ServerConfig>>, CliError> {
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        return crate::tls::server_config_from_pem(cert, key).map(Some).map_err(|e| CliError::Usage(e.to_string()));
    }
    if !is_loopback(addr) {
        if !args.insecure_http {
            return Err(CliError::Usage(format!(
                "{addr} is not a loopback address: serve TLS (--tls-cert FILE --tls-key FILE), or pass \
                 --insecure-http to serve plain HTTP behind a TLS-terminating proxy"
            )));
        }
        eprintln!(
            "kairos-backend: WARNING: plain HTTP on {addr}: bearer tokens and summaries cross the network \
             unencrypted; only behind a TLS-terminating proxy"
        );
    }
    Ok(None)
}

/// Whether `addr` (`HOST:PORT`) names only loopback addresses.
pub fn is_loopback(addr: &str) -> bool {
    use std::net::ToSocketAddrs;
    let host = addr.rsplit_once(':').map_or(addr, |(host, _)| host);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match addr.to_socket_addrs() {
        Ok(resolved) => {
            let all: Vec<_> = resolved.collect();
            !all.is_empty() && all.iter().all(|a| a.ip().is_loopback())
        }
        Err(_) => false,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| CliError::Io(e.to_string()))
}

/// Opens the storage the arguments name.
pub async fn open_storage(args: &StorageArgs) -> Result<Arc<dyn Storage>, CliError> {
    Ok(match &args.postgres {
        Some(url) => Arc::new(PostgresStorage::connect_with_ca(url, args.postgres_ca.as_deref()).await?),
        None => Arc::new(SqliteStorage::open(&args.db)?),
    })
}

fn describe(args: &StorageArgs) -> String {
    match args.postgres {
        Some(_) => "postgres".to_owned(),
        None => format!("sqlite {}", args.db.display()),
    }
}

async fn set_catalog(storage: &dyn Storage, file: &Path, public_key: Option<&Path>) -> Result<String, CliError> {
    let envelope = std::fs::read(file).map_err(|e| CliError::Io(format!("{}: {e}", file.display())))?;
    let key = match public_key {
        Some(path) => {
            Some(std::fs::read_to_string(path).map_err(|e| CliError::Io(format!("{}: {e}", path.display())))?)
        }
        None => None,
    };
    let record = catalog_publishing::prepare(&envelope, key.as_deref())?;
    Ok(match catalog_publishing::publish(storage, record).await? {
        Published::New(r) => {
            format!("published catalog version {} ({} bytes), ETag {}", r.version, r.body.len(), r.etag)
        }
        Published::Unchanged(r) => format!("catalog version {} is already published, ETag {}", r.version, r.etag),
    })
}

async fn serve(
    storage_args: StorageArgs,
    addr: String,
    catalog: Option<PathBuf>,
    catalog_public_key: Option<PathBuf>,
    faults: Option<FaultConfig>,
    limits: ServerLimits,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Result<String, CliError> {
    let storage = open_storage(&storage_args).await?;
    if let Some(file) = catalog {
        println!("{}", set_catalog(storage.as_ref(), &file, catalog_public_key.as_deref()).await?);
    }
    if storage.catalog().await?.is_none() {
        eprintln!(
            "kairos-backend: no catalog published: merchant and offer ids in uploads cannot be checked \
             until one is (set-catalog, or serve --catalog)"
        );
    }
    let mut builder = ServerBuilder::new(storage.clone()).limits(limits);
    if let Some(config) = tls {
        builder = builder.tls(config);
    }
    if let Some(config) = &faults {
        builder = builder.faults(config.clone());
    }
    let mut server = builder.bind(addr.as_str()).await.map_err(|e| CliError::Io(format!("{addr}: {e}")))?;
    println!("kairos-backend: serving on {} (storage {})", server.url(), describe(&storage_args));
    if let Some(config) = &faults {
        let kinds: Vec<&str> = config.kinds.iter().map(|k| k.as_str()).collect();
        println!(
            "kairos-backend: FAULT INJECTION ON: {} at rate {}, seed {}, at most {} faults",
            kinds.join(","),
            config.rate,
            config.seed,
            config.max_faults
        );
    }
    let pruner = tokio::spawn(prune_idempotency_keys(storage));
    let stop = server.stopper();
    tokio::spawn(async move {
        shutdown_signal().await;
        drop(stop);
    });
    let result = server.wait().await;
    pruner.abort();
    result.map_err(|e| CliError::Io(e.to_string()))?;
    Ok("kairos-backend: stopped".to_owned())
}

/// Forgets idempotency keys older than the retention, now and hourly.
async fn prune_idempotency_keys(storage: Arc<dyn Storage>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let before = today_utc() - chrono::Days::new(u64::from(IDEMPOTENCY_RETENTION_DAYS));
        if let Err(e) = storage.prune_idempotency_keys(before).await {
            eprintln!("kairos-backend: pruning idempotency keys failed: {e}");
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn load(
    db: Option<PathBuf>,
    postgres: Option<String>,
    config: LoadConfig,
    json: bool,
) -> Result<String, CliError> {
    let temporary = match (&db, &postgres) {
        (None, None) => {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
            Some(std::env::temp_dir().join(format!("kairos-load-{}-{nanos}.db", std::process::id())))
        }
        _ => None,
    };
    let storage: Arc<dyn Storage> = match (&postgres, db.as_ref().or(temporary.as_ref())) {
        (Some(url), _) => Arc::new(PostgresStorage::connect(url).await?),
        (None, Some(path)) => Arc::new(SqliteStorage::open(path)?),
        (None, None) => unreachable!("a temporary file is chosen when no storage is named"),
    };
    let figures = run_load(storage, config).await;
    if let Some(path) = temporary {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
    let figures = figures?;
    Ok(if json { figures.to_json().to_string() } else { figures.to_text() })
}

/// Prints a report's `summary` on stderr and returns its rows for stdout:
/// CSV, or with `--json` one JSON object.
fn printed(
    summary: &str,
    json: bool,
    as_json: impl FnOnce() -> serde_json::Value,
    as_csv: impl FnOnce() -> String,
) -> String {
    eprintln!("{summary}");
    if json {
        as_json().to_string()
    } else {
        as_csv().trim_end().to_owned()
    }
}

/// Which aggregate `report` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    /// Merchant visits per merchant and day.
    Visits,
    /// Offer lift: exposed against held-out installs.
    Lift,
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
