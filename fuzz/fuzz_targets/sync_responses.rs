//! `Engine::sync_with` against a scripted server that answers anything:
//! every status code, `Retry-After` values well formed or not, bodies that
//! are empty, garbage, JSON without a token, catalogs signed or not, and
//! requests that get no answer at all. Between syncs the shopper walks
//! (steps), days pass (ticks close them into summaries), consent is given and
//! withdrawn, and the engine is closed and reopened.
//!
//! Besides "no panic, no error from `sync_with`", it checks what the sync
//! protocol promises (`docs/protocol.md`):
//! * every summary is accounted for: the summaries queued before a sync are
//!   sent, dropped (4xx) or still deferred afterwards, nothing else;
//! * exactly once: a day's summary of a purpose travels under one
//!   idempotency key only, and a key is only ever re-sent with the same
//!   summaries (or fewer, after a withdrawal);
//! * a summary queued before its purpose was withdrawn is never sent
//!   after the withdrawal;
//! * authorized requests carry the latest token the server issued, and a
//!   sync during the backoff sends nothing;
//! * a retry is never scheduled in the past.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use kairos_core::catalog::sign;
use kairos_core::privacy::Purpose;
use kairos_core::sync::{
    HttpMethod, HttpRequest, HttpResponse, HttpTransport, SyncOptions, SyncReport, TransportError, TransportFuture,
};
use kairos_core::{Engine, StepSample, Timestamp};
use kairos_fuzz::{config, fixtures, fresh_profile, test_key, FIXTURE_NOW, TEST_KEY_ID};
use libfuzzer_sys::fuzz_target;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

/// At most this many operations per input.
const MAX_OPS: usize = 32;
/// The backend's base URL (never contacted: the transport is scripted).
const BASE: &str = "https://sync.example.test";
const PURPOSES: [Purpose; 3] = [Purpose::Activity, Purpose::Visits, Purpose::Offers];

#[derive(Debug, Arbitrary)]
struct Input {
    /// Which purposes are granted at the start (bits 0..3).
    granted: u8,
    ops: Vec<Op>,
}

#[derive(Debug, Arbitrary)]
enum Op {
    /// Steps over the `minutes` before the clock.
    Walk {
        minutes: u8,
        steps: u16,
    },
    /// A day passes after `steps` steps: the tick a day later closes it
    /// into summaries for the purposes granted.
    NextDay {
        steps: u16,
    },
    /// Time passes (ticks close the days it crosses).
    Hours(u8),
    Minutes(u8),
    Consent {
        purpose: u8,
        granted: bool,
    },
    /// One sync. The server answers each endpoint's requests in order
    /// from its script, then as a well-behaved server would.
    Sync {
        script: Script,
        fetch_catalog: bool,
        max_batch_bytes: Option<u16>,
    },
    Reopen,
}

/// What the server answers, per endpoint.
#[derive(Debug, Clone, Default, Arbitrary)]
struct Script {
    installs: Vec<Answer>,
    deletions: Vec<Answer>,
    summaries: Vec<Answer>,
    catalog: Vec<Answer>,
}

impl Script {
    fn next(&mut self, path: &str) -> Answer {
        let queue = match path {
            "/v1/installs" => &mut self.installs,
            "/v1/deletion-requests" => &mut self.deletions,
            "/v1/summaries" => &mut self.summaries,
            _ => &mut self.catalog,
        };
        if queue.is_empty() {
            Answer::Good
        } else {
            queue.remove(0)
        }
    }
}

#[derive(Debug, Clone, Arbitrary)]
enum Answer {
    /// What the reference backend would answer.
    Good,
    /// No answer (no network, a timeout, TLS trouble).
    NoAnswer,
    Status {
        status: u16,
        retry_after: Option<RetryAfter>,
        etag: Option<String>,
        body: Body,
    },
}

#[derive(Debug, Clone, Arbitrary)]
enum RetryAfter {
    Seconds(i64),
    Raw(String),
}

#[derive(Debug, Clone, Arbitrary)]
enum Body {
    Empty,
    /// `{"token": ...}`.
    Token(String),
    Raw(Vec<u8>),
    /// One of the fixture catalogs, signed.
    Fixture(u8),
    /// Any bytes as a catalog document, signed with the test key.
    Signed(Vec<u8>),
}

/// A request as the server saw it.
#[derive(Debug)]
struct Seen {
    method: HttpMethod,
    path: String,
    bearer: Option<String>,
    key: Option<String>,
    /// The `(purpose, day)` of each summary in a summaries batch.
    summaries: Vec<(String, String)>,
}

/// The scripted server: answers from the script, then [`Answer::Good`].
struct Server {
    script: Mutex<Script>,
    seen: Mutex<Vec<Seen>>,
    /// Tokens the server issued (registration answered 2xx with a token).
    issued: Mutex<Vec<String>>,
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn summaries_in(req: &HttpRequest) -> Vec<(String, String)> {
    use std::io::Read;
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&req.body[..]).read_to_end(&mut json).expect("a summaries body is gzip");
    let v: serde_json::Value = serde_json::from_slice(&json).expect("a summaries body is JSON");
    v["batch"]
        .as_array()
        .expect("a summaries body has a batch")
        .iter()
        .map(|s| (s["purpose"].as_str().unwrap_or("").to_string(), s["day"].as_str().unwrap_or("").to_string()))
        .collect()
}

impl Server {
    fn answer(&self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = req.url.strip_prefix(BASE).expect("requests go to the base URL").to_string();
        let summaries = if path == "/v1/summaries" { summaries_in(req) } else { Vec::new() };
        let bearer = header(req, "authorization").map(|v| v.strip_prefix("Bearer ").expect("bearer").to_string());
        let key = header(req, "idempotency-key").map(str::to_string);
        self.seen.lock().unwrap().push(Seen { method: req.method, path: path.clone(), bearer, key, summaries });
        let answer = self.script.lock().unwrap().next(&path);
        let resp = match answer {
            Answer::NoAnswer => return Err(TransportError("no network".into())),
            Answer::Good => match path.as_str() {
                "/v1/installs" => {
                    let n = self.issued.lock().unwrap().len();
                    json(201, &serde_json::json!({ "token": format!("token-{n}") }))
                }
                "/v1/catalog" => HttpResponse {
                    status: 200,
                    headers: vec![("ETag".into(), "\"v1\"".into())],
                    body: fixtures()[1].clone(),
                },
                _ => json(200, &serde_json::json!({})),
            },
            Answer::Status { status, retry_after, etag, body } => {
                let mut headers = Vec::new();
                match retry_after {
                    Some(RetryAfter::Seconds(s)) => headers.push(("Retry-After".into(), s.to_string())),
                    Some(RetryAfter::Raw(s)) => headers.push(("retry-after".into(), s)),
                    None => {}
                }
                if let Some(e) = etag {
                    headers.push(("etag".into(), e));
                }
                let body = match body {
                    Body::Empty => Vec::new(),
                    Body::Token(t) => serde_json::json!({ "token": t }).to_string().into_bytes(),
                    Body::Raw(b) => b,
                    Body::Fixture(i) => fixtures()[usize::from(i) % fixtures().len()].clone(),
                    Body::Signed(doc) => sign(&doc, TEST_KEY_ID, test_key()),
                };
                HttpResponse { status, headers, body }
            }
        };
        if path == "/v1/installs" && (200..300).contains(&resp.status) {
            // The engine keeps a token exactly when the body's `token` is a string.
            let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap_or_default();
            if let Some(t) = v["token"].as_str() {
                self.issued.lock().unwrap().push(t.to_string());
            }
        }
        Ok(resp)
    }
}

fn json(status: u16, v: &serde_json::Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: v.to_string().into_bytes(),
    }
}

impl HttpTransport for Server {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        let answer = self.answer(&request);
        Box::pin(std::future::ready(answer))
    }
}

/// Runs a future whose every await is ready (the transport answers at once).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000_000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("sync_with is still pending although every request was answered");
}

/// What the checks remember across syncs.
#[derive(Default)]
struct Ledger {
    /// The idempotency key each `(purpose, day)` travelled under.
    key_of: BTreeMap<(String, String), String>,
    /// The summaries first sent under each key.
    first_sent: BTreeMap<String, BTreeSet<(String, String)>>,
    /// Summaries queued when their purpose was withdrawn: never to be sent.
    withdrawn: BTreeSet<(String, String)>,
    /// When the previous sync said to try again.
    next_attempt_at: Option<Timestamp>,
    /// Requests checked so far.
    checked: usize,
}

fn queued_summaries(e: &Engine) -> Vec<(String, String)> {
    let outbox = e.outbox().expect("the outbox reads");
    outbox
        .iter()
        .filter(|i| i.kind == kairos_core::privacy::OutboxKind::Summary)
        .map(|i| (i.purpose.map(Purpose::as_str).unwrap_or("").to_string(), i.day.clone().unwrap_or_default()))
        .collect()
}

fn check(server: &Server, ledger: &mut Ledger, before: usize, report: &SyncReport, now: Timestamp) {
    let seen = server.seen.lock().unwrap();
    let issued = server.issued.lock().unwrap();
    let new = &seen[ledger.checked..];
    if ledger.next_attempt_at.is_some_and(|t| now < t) {
        assert!(new.is_empty(), "a sync during the backoff sent {} requests", new.len());
    }
    for s in new {
        if s.path != "/v1/installs" {
            let latest = issued.last();
            assert_eq!(
                s.bearer.as_ref(),
                latest,
                "{} {} is not authorized with the latest token",
                s.method.as_str(),
                s.path
            );
        }
        if s.path != "/v1/summaries" {
            continue;
        }
        let key = s.key.clone().expect("a summaries batch has an idempotency key");
        let items: BTreeSet<_> = s.summaries.iter().cloned().collect();
        assert_eq!(items.len(), s.summaries.len(), "a batch repeats a summary: {:?}", s.summaries);
        for item in &items {
            assert!(!ledger.withdrawn.contains(item), "{item:?} was sent after its purpose was withdrawn");
            let k = ledger.key_of.entry(item.clone()).or_insert_with(|| key.clone());
            assert_eq!(*k, key, "{item:?} travelled under two idempotency keys");
        }
        let first = ledger.first_sent.entry(key.clone()).or_insert_with(|| items.clone());
        assert!(items.is_subset(first), "key {key} re-sent with other summaries: {items:?} after {first:?}");
    }
    ledger.checked = seen.len();
    let accounted = (report.sent + report.dropped + report.deferred) as usize;
    assert_eq!(accounted, before, "{before} summaries queued, but sync accounts for {accounted}: {report:?}");
    if let Some(t) = report.next_attempt_at {
        assert!(t > now, "a retry scheduled at {t}, not after {now}");
    }
    ledger.next_attempt_at = report.next_attempt_at;
}

fn run(input: Input) {
    let dir = fresh_profile("America/Los_Angeles");
    let cfg = config(dir.path(), "America/Los_Angeles");
    let mut engine = Engine::open(cfg.clone()).expect("a fresh engine opens");
    let mut clock = FIXTURE_NOW;
    for (i, p) in PURPOSES.iter().enumerate() {
        if input.granted & (1 << i) != 0 {
            engine.set_consent(*p, true, "2026-11", clock).expect("consent is recorded");
        }
    }
    let server = Server { script: Mutex::default(), seen: Mutex::default(), issued: Mutex::default() };
    let mut ledger = Ledger::default();
    let trace = std::env::var_os("KAIROS_FUZZ_TRACE").is_some();
    for op in input.ops.into_iter().take(MAX_OPS) {
        if trace {
            eprintln!("op: {op:?}");
        }
        match op {
            Op::Walk { minutes, steps } => {
                let start = clock.plus_millis(-i64::from(minutes.max(1)) * 60_000);
                let sample = StepSample::Interval { start, end: clock, steps: u64::from(steps) };
                engine.record_steps(sample).expect("a plausible step interval is recorded");
            }
            Op::NextDay { steps } => {
                let sample =
                    StepSample::Interval { start: clock.plus_millis(-600_000), end: clock, steps: u64::from(steps) };
                engine.record_steps(sample).expect("a plausible step interval is recorded");
                clock = clock.plus_millis(24 * 3_600_000);
                engine.tick(clock).expect("a tick is taken");
            }
            Op::Hours(h) | Op::Minutes(h) if h == 0 => {}
            Op::Hours(h) => {
                clock = clock.plus_millis(i64::from(h) * 3_600_000);
                engine.tick(clock).expect("a tick is taken");
            }
            Op::Minutes(m) => {
                clock = clock.plus_millis(i64::from(m) * 60_000);
                engine.tick(clock).expect("a tick is taken");
            }
            Op::Consent { purpose, granted } => {
                let purpose = PURPOSES[usize::from(purpose) % PURPOSES.len()];
                if !granted {
                    let name = purpose.as_str();
                    ledger.withdrawn.extend(queued_summaries(&engine).into_iter().filter(|(p, _)| p == name));
                }
                engine.set_consent(purpose, granted, "2026-11", clock).expect("consent is recorded");
            }
            Op::Sync { script, fetch_catalog, max_batch_bytes } => {
                *server.script.lock().unwrap() = script;
                let mut opts = SyncOptions::new(BASE);
                opts.fetch_catalog = fetch_catalog;
                if let Some(b) = max_batch_bytes {
                    opts.max_batch_bytes = usize::from(b);
                }
                let before = queued_summaries(&engine).len();
                let report = block_on(engine.sync_with(&opts, &server, clock)).expect("sync never fails on answers");
                if trace {
                    eprintln!("    {before} queued; {report:?}");
                }
                check(&server, &mut ledger, before, &report, clock);
            }
            Op::Reopen => {
                drop(engine);
                engine = Engine::open(cfg.clone()).expect("a closed engine reopens");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) {
        run(input);
    }
});
