//! `GET /healthz`: the process is up and its database answers.

use super::error::{json_ok, ApiError};
use super::AppState;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

pub async fn check(State(state): State<AppState>) -> Result<Response, ApiError> {
    state.storage.health().await?;
    Ok(json_ok(json!({"status": "ok", "storage": state.storage.kind()})))
}
