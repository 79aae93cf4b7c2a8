//! The HTTP API: routes, handlers and their errors. `docs/openapi.yaml`
//! describes it; `tests/openapi_conformance.rs` checks the two agree.

pub mod auth;
pub mod body;
mod catalog;
mod deletion;
pub mod error;
mod health;
mod installs;
mod summaries;

use crate::faults::{inject_faults, FaultInjector};
use crate::storage::Storage;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use std::sync::Arc;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Where everything is kept.
    pub storage: Arc<dyn Storage>,
}

/// Every route the server answers, as (method, path): the router is built
/// from the same handlers, and the conformance test checks this list
/// against `docs/openapi.yaml`.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("POST", "/v1/installs"),
    ("POST", "/v1/summaries"),
    ("GET", "/v1/catalog"),
    ("POST", "/v1/deletion-requests"),
];

/// The whole API. With `faults`, every `/v1` request goes through the
/// fault injector first (see [`crate::faults`]); `/healthz` never does.
pub fn router(storage: Arc<dyn Storage>, faults: Option<Arc<FaultInjector>>) -> Router {
    let state = AppState { storage };
    let mut v1 = Router::new()
        .route("/v1/installs", post(installs::register))
        .route("/v1/summaries", post(summaries::upload))
        .route("/v1/catalog", get(catalog::fetch))
        .route("/v1/deletion-requests", post(deletion::request));
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
