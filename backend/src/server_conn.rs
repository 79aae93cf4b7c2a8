//! The accept loop and one connection's life, held to
//! [`ServerLimits`]: connection caps (total and per client address),
//! the TLS handshake and request head within `header_timeout`, and the
//! connection closed after `idle_timeout` without a byte read or written
//! while no request is being handled. (The body's deadline,
//! `body_timeout`, is applied where bodies are read: `api/body.rs`.)

use crate::api::ClientAddr;
use crate::limits::ServerLimits;
use crate::rate_limit::limit_key;
use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

/// How long a stopping server waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Open connections, in all and per client address.
#[derive(Debug, Default)]
pub struct Counters {
    per_address: Mutex<HashMap<IpAddr, usize>>,
    open: AtomicUsize,
    refused: AtomicU64,
}

impl Counters {
    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Connections refused by a cap since start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    fn take(self: &Arc<Self>, ip: IpAddr, limits: &ServerLimits) -> Option<Slot> {
        let key = limit_key(ip);
        let mut per = self.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let mine = per.get(&key).copied().unwrap_or(0);
        if self.open() >= limits.max_connections || mine >= limits.max_connections_per_address {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        per.insert(key, mine + 1);
        self.open.fetch_add(1, Ordering::Relaxed);
        Some(Slot { counters: self.clone(), key })
    }
}

/// One open connection's place in [`Counters`], given back on drop.
struct Slot {
    counters: Arc<Counters>,
    key: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut per = self.counters.per_address.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = per.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                per.remove(&self.key);
            }
        }
        self.counters.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Accepts connections until `stop`, then lets requests in flight finish
/// (at most [`SHUTDOWN_GRACE`]).
pub async fn accept_loop(
    listener: TcpListener,
    app: Router,
    limits: Arc<ServerLimits>,
    tls: Option<Arc<rustls::ServerConfig>>,
    counters: Arc<Counters>,
    mut stop: oneshot::Receiver<()>,
) -> io::Result<()> {
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    let (stopping, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, or a connection reset before
                        // it was accepted: wait a little and go on.
                        eprintln!("kairos-backend: accept: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Some(slot) = counters.take(peer.ip(), &limits) else { continue };
                let (app, limits, tls, stopped) = (app.clone(), limits.clone(), tls.clone(), stopped.clone());
                connections.spawn(async move {
                    connection(stream, peer, app, limits, tls, stopped).await;
                    drop(slot);
                });
            }
        }
    }
    drop(listener);
    let _ = stopping.send(true);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async { while connections.join_next().await.is_some() {} }).await;
    Ok(())
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Arc<ServerLimits>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    stopped: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = Watched { inner: stream, activity: activity.clone() };
    match tls {
        None => serve(io, peer, app, &limits, activity, stopped).await,
        Some(acceptor) => {
            if let Ok(Ok(stream)) = tokio::time::timeout(limits.header_timeout, acceptor.accept(io)).await {
                serve(stream, peer, app, &limits, activity, stopped).await;
            }
        }
    }
}

async fn serve<I>(
    io: I,
    peer: SocketAddr,
    app: Router,
    limits: &ServerLimits,
    activity: Arc<Activity>,
    mut stopped: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let busy = activity.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ClientAddr(peer));
        let mut app = app.clone();
        let guard = InFlight::new(busy.clone());
        async move {
            let response = tower_service::Service::call(&mut app, request.map(Body::new)).await;
            drop(guard);
            response
        }
    });
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let idle = idle(activity, limits.idle_timeout);
    tokio::pin!(idle);
    let mut stopping = *stopped.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            _ = &mut conn => return,
            // Dropping the connection closes it.
            _ = &mut idle => return,
            changed = stopped.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// When a connection last moved a byte, and whether a request is being
/// handled on it.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Activity { start: Instant::now(), last_ms: AtomicU64::new(0), in_flight: AtomicUsize::new(0) }
    }

    fn touch(&self) {
        self.last_ms.store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

/// Marks a request in flight for its lifetime (a slow handler is not idleness).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Resolves once the connection has been idle for `limit`.
async fn idle(activity: Arc<Activity>, limit: Duration) {
    loop {
        let deadline = activity.last() + limit;
        if Instant::now() >= deadline && activity.in_flight.load(Ordering::Relaxed) == 0 {
            return;
        }
        let wake = deadline.max(Instant::now() + Duration::from_millis(100));
        tokio::time::sleep_until(wake.into()).await;
    }
}

/// A stream that notes in [`Activity`] every byte it moves.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
