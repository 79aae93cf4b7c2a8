//! # kairos-backend
//!
//! The Kairos reference backend: the sync server the engine uploads its
//! consented daily summaries to and fetches signed catalogs from, and the
//! admin tools around it. `backend/README.md` maps the files to concerns;
//! `docs/openapi.yaml` is the API and `docs/protocol.md` how the engine
//! uses it.
//!
//! - [`api`]: the routes and handlers (axum), [`server`] to run them.
//! - [`summaries`]: the upload format and its strict validation.
//! - [`storage`]: the [`storage::Storage`] trait, on SQLite or PostgreSQL.
//! - [`faults`]: seeded fault injection for client tests.
//! - [`limits`], [`rate_limit`], [`attestation`], [`tls`]: abuse limits,
//!   their rate limiter, the pluggable registration attestation, TLS.
//! - [`catalog_signing`], [`catalog_publishing`]: catalog keys, signing, publishing.
//! - [`report`]: the small-cell-suppressed visits aggregate.
//! - [`load`] and [`client`]: the load generator and its HTTP client;
//!   [`friend`]: a friend install over the API, for simulations and tests.
//! - [`clock`]: the time redemption tokens' expiry is judged by.
//! - [`cli`]: the `kairos-backend` command line.

pub mod api;
pub mod attestation;
pub mod catalog_publishing;
pub mod catalog_signing;
pub mod cli;
pub mod client;
pub mod clock;
pub mod faults;
pub mod friend;
pub mod limits;
pub mod load;
pub mod rate_limit;
pub mod report;
pub mod server;
mod server_conn;
pub mod storage;
pub mod summaries;
pub mod tile_publishing;
pub mod tls;

pub use catalog_signing::{keygen, sign_catalog, BackendError, KeygenOutput, SignOutput};

/// The server's current day in UTC: the only date the server itself
/// records (with idempotency keys, registrations and deletion requests).
pub fn today_utc() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}
