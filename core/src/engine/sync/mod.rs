//! Sync: consented summaries and deletion requests out, signed catalogs
//! in. `docs/protocol.md` describes the wire protocol.
//!
//! * The outbox is sent in gzip batches of at most 64 KB; each batch gets an
//!   idempotency key when it is first attempted, stored with its items, so
//!   every retry sends the same key and the server stores it once.
//! * Consent is checked again right before each request; items of a purpose
//!   withdrawn meanwhile are removed, never sent.
//! * 2xx removes the items; a 4xx other than 401, 408 and 429 drops them
//!   (counted); 408, 429, 5xx, timeouts and broken connections leave them
//!   for later, with full-jitter backoff and `Retry-After` respected.
//! * The catalog is fetched when stale, with `If-None-Match`, and loaded
//!   only if its signature verifies.
//!
//! | file | concern |
//! | --- | --- |
//! | `run.rs` | `Engine::sync`: the whole exchange |
//! | `transport.rs` | the host's HTTP stack ([`HttpTransport`]), and the `reqwest` one for native tools |
//! | `http.rs` | URL rules, outcome classification |
//! | `backoff.rs` | when to try again |

mod backoff;
mod erasure;
mod http;
mod run;
mod transport;

pub use backoff::Backoff;
pub use http::check_base_url;
#[cfg(feature = "reqwest")]
pub use transport::ReqwestTransport;
pub use transport::{HttpMethod, HttpRequest, HttpResponse, HttpTransport, TransportError, TransportFuture};

use crate::domain::time::Timestamp;

/// Where and how to sync.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOptions {
    /// The backend's base URL, `https://...` (or `http://` to a loopback
    /// address with `allow_insecure_loopback`).
    pub base_url: String,
    /// Allow plain `http://` to 127.0.0.1, ::1 or localhost (tests, the
    /// simulator's embedded backend). Never to another host.
    pub allow_insecure_loopback: bool,
    /// Also fetch the catalog when it is stale.
    pub fetch_catalog: bool,
    /// Largest uncompressed body of one summary batch, in bytes (at most
    /// [`crate::policy::SYNC_MAX_BATCH_BYTES`]; smaller values make more,
    /// smaller requests). A batch always holds at least one summary.
    pub max_batch_bytes: usize,
}

impl SyncOptions {
    /// Options for `base_url` with every default: catalog fetched when
    /// stale, batches up to 64 KB, https only.
    pub fn new(base_url: impl Into<String>) -> Self {
        SyncOptions {
            base_url: base_url.into(),
            allow_insecure_loopback: false,
            fetch_catalog: true,
            max_batch_bytes: crate::policy::SYNC_MAX_BATCH_BYTES,
        }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    /// Summaries the server accepted.
    pub sent: u32,
    /// Requests that carried them.
    pub batches: u32,
    /// Summaries the server refused for good (a 4xx), dropped and counted.
    pub dropped: u32,
    /// Summaries left for a later sync (server or network trouble, backoff).
    pub deferred: u32,
    /// Deletion requests delivered.
    pub deletions_sent: u32,
    /// Whether a new catalog was loaded.
    pub catalog_updated: bool,
    /// Why anything was deferred, or the catalog not loaded.
    pub problems: Vec<String>,
    /// No request before this instant (backoff), if set.
    pub next_attempt_at: Option<Timestamp>,
}
