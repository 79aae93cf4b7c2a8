//! Sync: consented summaries and deletion requests out, signed catalogs
//! in. `docs/protocol.md` describes the wire protocol.
//!
//! * The outbox is sent in gzip batches of at most 64 KB; each batch gets an
//!   idempotency key when it is first attempted, stored with its items, so
//!   every retry sends the same key and the server stores it once.
//! * Consent is checked again right before each request; items of a purpose
//!   withdrawn meanwhile are removed, never sent.
//! * 2xx removes the items; a 4xx other than 401, 408 and 429 drops a
//!   summary batch (counted in [`SyncReport::refusals`] with the server's
//!   error code) but keeps a deletion request queued (404/410: the install
//!   is unknown, done); 3xx is never followed; 408, 429, 5xx, timeouts,
//!   broken connections and oversized answers leave them for later, with
//!   full-jitter backoff and `Retry-After` respected.
//! * A 401 or a 409 `install_id_taken` gives the install id up: a new
//!   random one is registered (a 401 to a deletion of everything means the
//!   server already forgot the install: done).
//! * The catalog is fetched when stale, with `If-None-Match`, and loaded
//!   only if its signature verifies (checked before the document is read).
//!   A server that publishes tiles says so on its catalog answers; the
//!   engine then fetches the small signed tile header and the tiles it needs
//!   that changed (ADR 0012), at every sync while it holds tiles.
//!
//! | file | concern |
//! | --- | --- |
//! | `run.rs` | `Engine::sync`: the whole exchange |
//! | `transport.rs` | the host's HTTP stack ([`HttpTransport`]), and the `reqwest` one for native tools |
//! | `http.rs` | URL rules, outcome classification |
//! | `tiles.rs` | the tiled catalog: header, delta requests, loading |
//! | `register.rs` | registration, new install ids |
//! | `random.rs` | keys, install ids, jitter |
//! | `refusal.rs` | refusals as the report counts them |
//! | `backoff.rs` | when to try again |
//! | `social.rs` | friend invites and the friends' visit counts (purpose `social`) |

mod backoff;
mod erasure;
mod http;
mod random;
mod redemption_key;
mod refusal;
mod register;
mod run;
mod social;
mod tiles;
mod transport;
#[cfg(test)]
mod verify_first_tests;

pub use backoff::Backoff;
pub use http::check_base_url;
pub use refusal::{Refusal, RefusalAction, RefusalCode, RefusedRequest};
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
    /// Summaries the server refused for good (a 4xx, see `refusals`),
    /// dropped and counted.
    pub dropped: u32,
    /// Summaries left for a later sync (server or network trouble, backoff).
    pub deferred: u32,
    /// Deletion requests delivered (or found moot: the server no longer
    /// knows the install, 404/410, or a retried deletion of everything
    /// answered 401).
    pub deletions_sent: u32,
    /// Whether a new catalog was loaded.
    pub catalog_updated: bool,
    /// Why anything was deferred, or the catalog not loaded.
    pub problems: Vec<String>,
    /// No request before this instant (backoff), if set.
    pub next_attempt_at: Option<Timestamp>,
    /// Every request the server refused for good, with its status, error
    /// code and what was done (dropped, or kept queued for a deletion).
    pub refusals: Vec<Refusal>,
    /// With `social` granted, how many merchants the friends' counts
    /// fetched name (each with at least 2 friends); `None` when none were
    /// fetched.
    pub friend_counts: Option<u32>,
}
