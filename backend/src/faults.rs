//! Fault injection, for tests of clients: off unless asked for
//! (`serve --fault-mode ...`, or [`crate::server::ServerBuilder::faults`]).
//!
//! Each `/v1` request draws from a seeded generator, in arrival order:
//! with probability `rate` it gets one of the configured faults, until
//! `max_faults` have been injected; every request after that is served
//! normally, so a client that retries always gets through. The same seed
//! and the same request order give the same faults.
//!
//! | kind | what the client sees | was the request carried out? |
//! | --- | --- | --- |
//! | `error-before` | 500 `injected_fault` | no |
//! | `error-after` | 500 `injected_fault` | yes |
//! | `throttle` | 429 `rate_limited` with `Retry-After` | no |
//! | `drop` | the real status and headers, then the connection closes half-way through the body | yes |
//! | `slow` | the real answer, after a delay in `slow_ms` | yes |

use crate::api::error::ApiError;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{HeaderValue, CONTENT_LENGTH, RETRY_AFTER};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// 500 without carrying the request out.
    ErrorBefore,
    /// Carries the request out, then answers 500.
    ErrorAfter,
    /// 429 with `Retry-After`, without carrying the request out.
    Throttle,
    /// Carries the request out, then closes the connection mid-response.
    Drop,
    /// Carries the request out, then answers after a delay.
    Slow,
}

impl FaultKind {
    /// Every kind, the mix of `--fault-mode flaky`.
    pub const ALL: [FaultKind; 5] =
        [FaultKind::ErrorBefore, FaultKind::ErrorAfter, FaultKind::Throttle, FaultKind::Drop, FaultKind::Slow];

    /// The name used by `--fault-mode`.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::ErrorBefore => "error-before",
            FaultKind::ErrorAfter => "error-after",
            FaultKind::Throttle => "throttle",
            FaultKind::Drop => "drop",
            FaultKind::Slow => "slow",
        }
    }

    fn index(self) -> usize {
        FaultKind::ALL.iter().position(|k| *k == self).expect("every kind is in ALL")
    }
}

/// How to inject faults.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// The kinds to draw from, uniformly.
    pub kinds: Vec<FaultKind>,
    /// Probability that a request gets a fault, 0 to 1.
    pub rate: f64,
    /// Seed of the generator.
    pub seed: u64,
    /// Most faults injected; afterwards every request is served normally.
    pub max_faults: u64,
    /// The `Retry-After` of a `throttle` fault, in seconds.
    pub retry_after_secs: u64,
    /// The delay of a `slow` fault, drawn uniformly in this range (ms).
    pub slow_ms: (u64, u64),
}

impl FaultConfig {
    /// Every kind of fault, on 30% of requests, at most 100 of them.
    pub fn flaky(seed: u64) -> Self {
        Self::of(FaultKind::ALL.to_vec(), seed)
    }

    /// One kind of fault, on 30% of requests, at most 100 of them.
    pub fn only(kind: FaultKind, seed: u64) -> Self {
        Self::of(vec![kind], seed)
    }

    fn of(kinds: Vec<FaultKind>, seed: u64) -> Self {
        FaultConfig { kinds, rate: 0.3, seed, max_faults: 100, retry_after_secs: 1, slow_ms: (200, 2_000) }
    }

    /// Sets the probability of a fault per request.
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = rate;
        self
    }

    /// Sets the most faults injected.
    pub fn max_faults(mut self, max_faults: u64) -> Self {
        self.max_faults = max_faults;
        self
    }

    /// Sets the `Retry-After` of throttling, in seconds.
    pub fn retry_after_secs(mut self, secs: u64) -> Self {
        self.retry_after_secs = secs;
        self
    }

    /// Sets the range of `slow` delays, in milliseconds.
    pub fn slow_ms(mut self, min: u64, max: u64) -> Self {
        self.slow_ms = (min, max);
        self
    }

    /// Parses a `--fault-mode`: `none` (no faults: `Ok(None)`), `flaky`
    /// (every kind), or a comma-separated list of kind names.
    pub fn parse_mode(text: &str) -> Result<Option<Vec<FaultKind>>, String> {
        match text.trim() {
            "none" => return Ok(None),
            "flaky" => return Ok(Some(FaultKind::ALL.to_vec())),
            _ => {}
        }
        let mut kinds = Vec::new();
        for name in text.split(',').map(str::trim) {
            let kind = FaultKind::ALL.into_iter().find(|k| k.as_str() == name).ok_or_else(|| {
                format!(
                    "unknown fault mode {name:?}: use none, flaky, or a list of error-before, error-after, \
                     throttle, drop, slow"
                )
            })?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(Some(kinds))
    }

    /// Checks the numbers make sense.
    pub fn check(&self) -> Result<(), String> {
        if self.kinds.is_empty() {
            return Err("no fault kind".into());
        }
        if !(0.0..=1.0).contains(&self.rate) {
            return Err(format!("fault rate {} is not between 0 and 1", self.rate));
        }
        if self.slow_ms.0 > self.slow_ms.1 || self.slow_ms.1 > 60_000 {
            return Err(format!("slow delays {:?} ms: need min <= max <= 60000", self.slow_ms));
        }
        Ok(())
    }
}

/// How many faults were injected, per kind, out of how many requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// `/v1` requests seen.
    pub requests: u64,
    /// Faults injected, indexed like [`FaultKind::ALL`].
    pub injected: [u64; 5],
}

impl FaultStats {
    /// Faults of `kind` injected.
    pub fn of(&self, kind: FaultKind) -> u64 {
        self.injected[kind.index()]
    }

    /// Faults injected, all kinds together.
    pub fn total(&self) -> u64 {
        self.injected.iter().sum()
    }
}

/// Draws faults for requests. Shared by every connection of a server.
#[derive(Debug)]
pub struct FaultInjector {
    config: FaultConfig,
    state: Mutex<(SplitMix64, FaultStats)>,
}

/// One drawn fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// Its kind.
    pub kind: FaultKind,
    /// For `slow`, the delay.
    pub delay: Duration,
}

impl FaultInjector {
    /// An injector for `config` (see [`FaultConfig::check`]).
    pub fn new(config: FaultConfig) -> Self {
        let rng = SplitMix64(config.seed);
        FaultInjector { config, state: Mutex::new((rng, FaultStats::default())) }
    }

    /// The fault for the next request, if any.
    pub fn draw(&self) -> Option<Fault> {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (rng, stats) = &mut *guard;
        stats.requests += 1;
        // Three draws per request whatever happens, so one request's fault
        // does not shift the next one's.
        let (hit, pick, delay) = (rng.unit(), rng.next(), rng.next());
        if stats.total() >= self.config.max_faults || hit >= self.config.rate {
            return None;
        }
        let kind = self.config.kinds[(pick % self.config.kinds.len() as u64) as usize];
        stats.injected[kind.index()] += 1;
        let (min, max) = self.config.slow_ms;
        Some(Fault { kind, delay: Duration::from_millis(min + delay % (max - min + 1)) })
    }

    /// What was injected so far.
    pub fn stats(&self) -> FaultStats {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).1
    }

    /// The configuration.
    pub fn config(&self) -> &FaultConfig {
        &self.config
    }
}

/// The middleware in front of every `/v1` route when faults are on.
pub async fn inject_faults(State(faults): State<Arc<FaultInjector>>, request: Request, next: Next) -> Response {
    let Some(fault) = faults.draw() else { return next.run(request).await };
    match fault.kind {
        FaultKind::ErrorBefore => injected_error(),
        FaultKind::Throttle => {
            let retry_after = HeaderValue::from(faults.config.retry_after_secs);
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests; retry after Retry-After")
                .with_header(RETRY_AFTER, retry_after)
                .into_response()
        }
        FaultKind::ErrorAfter => {
            let _carried_out = next.run(request).await;
            injected_error()
        }
        FaultKind::Slow => {
            let response = next.run(request).await;
            tokio::time::sleep(fault.delay).await;
            response
        }
        FaultKind::Drop => cut_short(next.run(request).await).await,
    }
}

fn injected_error() -> Response {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "injected_fault", "fault injected by the test server")
        .into_response()
}

/// Sends `response`'s status and headers with its full `Content-Length`,
/// then half its body, then fails the body so the server closes the
/// connection. An answer without a body (such as 304) cannot be cut, so
/// it goes out as a 200 announcing one byte that never comes.
async fn cut_short(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    if bytes.is_empty() || matches!(parts.status, StatusCode::NOT_MODIFIED | StatusCode::NO_CONTENT) {
        parts.status = StatusCode::OK;
    }
    let announced = bytes.len().max(1);
    parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(announced));
    let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
    let first = stream::iter((!half.is_empty()).then_some(Ok::<Bytes, std::io::Error>(half)));
    // The pause lets the server flush the head and the first half before
    // the failure closes the connection.
    let failure = stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "fault injected: connection dropped"))
    });
    Response::from_parts(parts, Body::from_stream(first.chain(failure)))
}

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast, and good enough
/// to draw faults; the same seed always gives the same sequence.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // The reference implementation's first outputs for seed 1234567.
        let mut rng = SplitMix64(1234567);
        assert_eq!(rng.next(), 6457827717110365317);
        assert_eq!(rng.next(), 3203168211198807973);
    }

    #[test]
    fn the_same_seed_draws_the_same_faults_and_the_cap_holds() {
        let config = FaultConfig::flaky(42).rate(0.5).max_faults(20);
        let draws = |config: &FaultConfig| {
            let injector = FaultInjector::new(config.clone());
            let faults: Vec<Option<Fault>> = (0..200).map(|_| injector.draw()).collect();
            (faults, injector.stats())
        };
        let (a, stats) = draws(&config);
        assert_eq!(a, draws(&config).0);
        assert_ne!(a, draws(&FaultConfig { seed: 43, ..config.clone() }).0);
        assert_eq!(stats.total(), 20);
        assert_eq!(stats.requests, 200);
        assert_eq!(a.iter().flatten().count(), 20);
        // Once the cap is reached, nothing more.
        let last = a.iter().rposition(Option::is_some).unwrap();
        assert!(last < 80, "20 faults at rate 0.5 should come within the first 80 requests, last at {last}");
        for kind in FaultKind::ALL {
            assert!(stats.of(kind) > 0, "{kind:?} never drawn");
        }
        for fault in a.iter().flatten() {
            assert!((200..=2_000).contains(&(fault.delay.as_millis() as u64)));
        }
    }

    #[test]
    fn rate_zero_and_one() {
        let never = FaultInjector::new(FaultConfig::flaky(1).rate(0.0));
        assert!((0..100).all(|_| never.draw().is_none()));
        let always = FaultInjector::new(FaultConfig::only(FaultKind::Throttle, 1).rate(1.0).max_faults(5));
        let kinds: Vec<_> = (0..7).map(|_| always.draw().map(|f| f.kind)).collect();
        assert_eq!(kinds[..5], [Some(FaultKind::Throttle); 5]);
        assert_eq!(kinds[5..], [None, None]);
    }

    #[test]
    fn modes_parse() {
        assert_eq!(FaultConfig::parse_mode("none").unwrap(), None);
        assert_eq!(FaultConfig::parse_mode("flaky").unwrap().unwrap().len(), 5);
        assert_eq!(
            FaultConfig::parse_mode("throttle, drop,throttle").unwrap().unwrap(),
            vec![FaultKind::Throttle, FaultKind::Drop]
        );
        assert!(FaultConfig::parse_mode("chaos").unwrap_err().contains("unknown fault mode \"chaos\""));
        assert!(FaultConfig::flaky(1).rate(1.5).check().is_err());
        assert!(FaultConfig::flaky(1).slow_ms(5, 1).check().is_err());
        assert!(FaultConfig { kinds: vec![], ..FaultConfig::flaky(1) }.check().is_err());
        assert!(FaultConfig::flaky(1).check().is_ok());
    }
}
