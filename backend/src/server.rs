//! Running the API on a socket: [`ServerBuilder`] binds, spawns the server
//! on the current tokio runtime and hands back a [`RunningServer`] to read
//! its address and fault counts from, and to stop.
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

use crate::api::router;
use crate::faults::{FaultConfig, FaultInjector, FaultStats};
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
}

impl ServerBuilder {
    /// A server on `storage`, without faults.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        ServerBuilder { storage, faults: None }
    }

    /// Turns fault injection on (see [`crate::faults`]).
    pub fn faults(mut self, config: FaultConfig) -> Self {
        self.faults = Some(config);
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
        let app = router(self.storage, faults.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(RunningServer { addr, faults, stop: Some(stop), task })
    }
}

/// A server serving in the background. [`RunningServer::shutdown`] stops
/// it and waits; dropping it (or the sender from
/// [`RunningServer::stopper`]) stops it too, without waiting.
pub struct RunningServer {
    addr: SocketAddr,
    faults: Option<Arc<FaultInjector>>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningServer {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the fault injector did, when faults are on.
    pub fn fault_stats(&self) -> Option<FaultStats> {
        self.faults.as_ref().map(|f| f.stats())
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
