//! `POST /v1/installs`: registers an install and issues its bearer token.

use super::auth::{is_lower_hex, new_token, token_hash};
use super::body::{coding, read_limited, require_json};
use super::error::{json_ok, ApiError};
use super::AppState;
use crate::limits::MAX_SMALL_BODY_BYTES;
use crate::summaries::strict_json;
use crate::today_utc;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value};

/// Length of an install id, in hex characters.
pub const INSTALL_ID_HEX_LEN: usize = 32;

pub async fn register(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    require_json(&headers)?;
    coding(&headers, false)?;
    let body = read_limited(&headers, body, MAX_SMALL_BODY_BYTES).await?;
    let value = strict_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}")))?;
    let install_id = parse(&value)?;
    let token = new_token();
    state.storage.register_install(install_id.clone(), token_hash(&token), today_utc()).await?;
    Ok(json_ok(json!({"install_id": install_id, "token": token})))
}

fn parse(value: &Value) -> Result<String, ApiError> {
    let object = value
        .as_object()
        .ok_or_else(|| ApiError::bad_request("invalid_install_id", "send {\"install_id\": \"<32 hex>\"}"))?;
    if let Some(other) = object.keys().find(|k| *k != "install_id") {
        return Err(ApiError::bad_request(
            "unknown_field",
            format!("{other}: unknown field (expected [\"install_id\"])"),
        ));
    }
    match object.get("install_id") {
        Some(Value::String(id)) if is_lower_hex(id, INSTALL_ID_HEX_LEN) => Ok(id.clone()),
        _ => Err(ApiError::bad_request(
            "invalid_install_id",
            format!("install_id must be {INSTALL_ID_HEX_LEN} lowercase hex characters (16 random bytes)"),
        )),
    }
}
