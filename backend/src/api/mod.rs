//! The HTTP API: routes, handlers and their errors. `docs/openapi.yaml`
//! describes it; `tests/openapi_conformance.rs` checks the two agree.

pub mod auth;
pub mod body;
mod catalog;
mod deletion;
pub mod error;
mod health;
mod installs;
pub mod redemptions;
mod social;
mod summaries;
mod tiles;

pub use social::{code_hash, new_code};

use crate::attestation::AttestationVerifier;
use crate::clock::Clock;
use crate::faults::{inject_faults, FaultInjector};
use crate::limits::ServerLimits;
use crate::rate_limit::RateLimiter;
use crate::storage::Storage;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Where everything is kept.
    pub storage: Arc<dyn Storage>,
    /// The abuse limits in force.
    pub limits: Arc<ServerLimits>,
    /// Registrations per client address.
    pub registrations: Arc<RateLimiter<IpAddr>>,
    /// Authenticated requests per install.
    pub install_requests: Arc<RateLimiter<String>>,
    /// The platform-attestation check of registrations, when one is plugged in.
    pub attestation: Option<Arc<dyn AttestationVerifier>>,
    /// Redemption verifications per merchant API key.
    pub verifications: Arc<RateLimiter<String>>,
    /// The time redemption tokens' expiry and the social endpoints' day
    /// are judged by ([`crate::clock`]).
    pub clock: Clock,
}

impl AppState {
    /// The state of a server on `storage` with `limits`, no attestation
    /// and the system clock.
    pub fn new(storage: Arc<dyn Storage>, limits: ServerLimits) -> Self {
        AppState {
            storage,
            registrations: Arc::new(RateLimiter::new(limits.registrations, limits.max_tracked_keys)),
            install_requests: Arc::new(RateLimiter::new(limits.requests_per_install, limits.max_tracked_keys)),
            verifications: Arc::new(RateLimiter::new(limits.verifications_per_merchant_key, limits.max_tracked_keys)),
            limits: Arc::new(limits),
            attestation: None,
            clock: Clock::system(),
        }
    }
}

/// The peer address of a request's connection, put in its extensions by
/// [`crate::server`]. Requests without one (a router driven directly)
/// share the unspecified address's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub SocketAddr);

impl ClientAddr {
    /// The address of a request that came without one.
    pub const UNKNOWN: ClientAddr = ClientAddr(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0));
}

/// Every route the server answers, as (method, path): the router is built
/// from the same handlers, and the conformance test checks this list
/// against `docs/openapi.yaml`.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("POST", "/v1/installs"),
    ("POST", "/v1/summaries"),
    ("GET", "/v1/catalog"),
    ("GET", "/v1/catalog/header"),
    ("GET", "/v1/catalog/tiles/{tile_id}"),
    ("POST", "/v1/catalog/tiles"),
    ("POST", "/v1/deletion-requests"),
    ("POST", "/v1/installs/redemption-key"),
    ("POST", "/v1/redemptions/verify"),
    ("POST", "/v1/social/invites"),
    ("POST", "/v1/social/invites/accept"),
    ("POST", "/v1/social/counts"),
];

/// The whole API with the default limits. With `faults`, every `/v1`
/// request goes through the fault injector first (see [`crate::faults`]);
/// `/healthz` never does.
pub fn router(storage: Arc<dyn Storage>, faults: Option<Arc<FaultInjector>>) -> Router {
    router_with(AppState::new(storage, ServerLimits::default()), faults)
}

/// The whole API on `state`.
pub fn router_with(state: AppState, faults: Option<Arc<FaultInjector>>) -> Router {
    let mut v1 = Router::new()
        .route("/v1/installs", post(installs::register))
        .route("/v1/summaries", post(summaries::upload))
        .route("/v1/catalog", get(catalog::fetch))
        .route("/v1/catalog/header", get(tiles::header))
        .route("/v1/catalog/tiles/{tile_id}", get(tiles::tile))
        .route("/v1/catalog/tiles", post(tiles::delta))
        .route("/v1/deletion-requests", post(deletion::request))
        .route("/v1/installs/redemption-key", post(redemptions::add_key))
        .route("/v1/redemptions/verify", post(redemptions::verify))
        .route("/v1/social/invites", post(social::create_invite))
        .route("/v1/social/invites/accept", post(social::accept_invite))
        .route("/v1/social/counts", post(social::counts));
    if let Some(faults) = faults {
        v1 = v1.route_layer(from_fn_with_state(faults, inject_faults));
    }
    Router::new()
        .route("/healthz", get(health::check))
        .merge(v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint does not answer that method")
}
