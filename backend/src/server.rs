//! Running the API on a socket: [`ServerBuilder`] binds, spawns the server
//! on the current tokio runtime and hands back a [`RunningServer`] to read
//! its address and fault counts from, and to stop.
//!
//! The accept loop is the server's own (`server_conn.rs`), so that it can
//! hold slow and greedy clients to [`ServerLimits`]: connections in all
//! and per client address are capped (over the cap a connection is closed
//! at once), a request head must arrive within `header_timeout` and its
//! body within `body_timeout`, and a connection idle for `idle_timeout` is
//! closed; with TLS the handshake must end within `header_timeout` too.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use kairos_backend::faults::FaultConfig;
//! use kairos_backend::server::ServerBuilder;
//! use kairos_backend::storage::SqliteStorage;
//! use std::sync::Arc;
//!
//! let storage = Arc::new(SqliteStorage::open("kairos-test.db".as_ref()).expect("database"));
//! let server = ServerBuilder::new(storage)
//!     .faults(FaultConfig::flaky(7).rate(0.4).max_faults(30))
//!     .bind("127.0.0.1:0")
//!     .await?;
//! println!("listening on {}", server.url());
//! // ... drive a client against server.url() ...
//! assert!(server.fault_stats().unwrap().total() <= 30);
//! server.shutdown().await?;
//! # Ok(())
//! # }
//! ```

use crate::api::{router_with, AppState};
use crate::attestation::AttestationVerifier;
use crate::faults::{FaultConfig, FaultInjector, FaultStats};
use crate::limits::ServerLimits;
use crate::server_conn::{accept_loop, Counters};
use crate::storage::Storage;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Builds a server.
pub struct ServerBuilder {
    storage: Arc<dyn Storage>,
    faults: Option<FaultConfig>,
    limits: ServerLimits,
    attestation: Option<Arc<dyn AttestationVerifier>>,
    tls: Option<Arc<rustls::ServerConfig>>,
    clock: crate::clock::Clock,
}

impl ServerBuilder {
    /// A server on `storage`, without faults, with the default limits,
    /// no attestation and plain HTTP.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        ServerBuilder {
            storage,
            faults: None,
            limits: ServerLimits::default(),
            attestation: None,
            tls: None,
            clock: crate::clock::Clock::system(),
        }
    }

    /// Turns fault injection on (see [`crate::faults`]).
    pub fn faults(mut self, config: FaultConfig) -> Self {
        self.faults = Some(config);
        self
    }

    /// Replaces the abuse limits (rates, timeouts, connection caps).
    pub fn limits(mut self, limits: ServerLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Judges redemption tokens' expiry and the social endpoints' day by
    /// `clock` instead of the system clock (a simulation replaying a past
    /// day; tests).
    pub fn clock(mut self, clock: crate::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Requires platform attestation at registration (see [`crate::attestation`]).
    pub fn attestation(mut self, verifier: Arc<dyn AttestationVerifier>) -> Self {
        self.attestation = Some(verifier);
        self
    }

    /// Serves HTTPS with `config` (see [`crate::tls`]).
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Binds `addr` (port 0 picks a free port) and starts serving on the
    /// current tokio runtime.
    pub async fn bind(self, addr: impl ToSocketAddrs) -> io::Result<RunningServer> {
        if let Some(config) = &self.faults {
            config.check().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        }
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let faults = self.faults.map(|config| Arc::new(FaultInjector::new(config)));
        let limits = Arc::new(self.limits.clone());
        let mut state = AppState::new(self.storage, self.limits);
        state.attestation = self.attestation;
        state.clock = self.clock;
        let app = router_with(state, faults.clone());
        let counters = Arc::new(Counters::default());
        let (stop, stopped) = oneshot::channel::<()>();
        let tls = self.tls.is_some();
        let task = tokio::spawn(accept_loop(listener, app, limits, self.tls, counters.clone(), stopped));
        Ok(RunningServer { addr, tls, faults, counters, stop: Some(stop), task })
    }
}

/// A server serving in the background. [`RunningServer::shutdown`] stops
/// it and waits; dropping it (or the sender from
/// [`RunningServer::stopper`]) stops it too, without waiting.
pub struct RunningServer {
    addr: SocketAddr,
    tls: bool,
    faults: Option<Arc<FaultInjector>>,
    counters: Arc<Counters>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningServer {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, or `https://ADDR` with TLS.
    pub fn url(&self) -> String {
        format!("{}://{}", if self.tls { "https" } else { "http" }, self.addr)
    }

    /// What the fault injector did, when faults are on.
    pub fn fault_stats(&self) -> Option<FaultStats> {
        self.faults.as_ref().map(|f| f.stats())
    }

    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        self.counters.open()
    }

    /// Connections closed at once because a cap was reached, since start.
    pub fn refused_connections(&self) -> u64 {
        self.counters.refused()
    }

    /// Stops accepting connections, lets requests in flight finish, and
    /// waits for the server to end.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait().await
    }

    /// Waits for the server to end (after [`RunningServer::shutdown`] from
    /// elsewhere, or an error).
    pub async fn wait(&mut self) -> io::Result<()> {
        (&mut self.task).await.map_err(io::Error::other)?
    }

    /// Hands out a sender that stops the server when sent to (or dropped).
    pub fn stopper(&mut self) -> Option<oneshot::Sender<()>> {
        self.stop.take()
    }
}
