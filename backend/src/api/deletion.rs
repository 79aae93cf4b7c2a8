//! `POST /v1/deletion-requests`: deletes what the install holds, for one
//! purpose or for all.

use super::auth::authorize;
use super::body::{coding, read_limited, require_json};
use super::error::{json_ok, ApiError};
use super::AppState;
use crate::limits::MAX_SMALL_BODY_BYTES;
use crate::summaries::{strict_json, Purpose};
use crate::today_utc;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value};

pub async fn request(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let install_id = authorize(&state, &headers).await?;
    require_json(&headers)?;
    coding(&headers, false)?;
    let body = read_limited(&headers, body, MAX_SMALL_BODY_BYTES, state.limits.body_timeout).await?;
    let value = strict_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}")))?;
    let purpose = parse(&value)?;
    let deleted = state.storage.delete(install_id, purpose, today_utc()).await?;
    Ok(json_ok(json!({
        "purpose": purpose.map(Purpose::as_str),
        "deleted": {"activity": deleted.activity, "visits": deleted.visits, "offers": deleted.offers,
                    "social": {"links": deleted.social.links, "invites": deleted.social.invites}},
    })))
}

/// `{}` is everything; `{"purpose": "visits"}` one purpose.
fn parse(value: &Value) -> Result<Option<Purpose>, ApiError> {
    let object = value.as_object().ok_or_else(|| {
        ApiError::bad_request("invalid_json", "send {} or {\"purpose\": \"activity\"|\"visits\"|\"offers\"|\"social\"}")
    })?;
    if let Some(other) = object.keys().find(|k| *k != "purpose") {
        return Err(ApiError::bad_request("unknown_field", format!("{other}: unknown field (expected [\"purpose\"])")));
    }
    match object.get("purpose") {
        None => Ok(None),
        Some(Value::String(name)) if Purpose::parse(name).is_some() => Ok(Purpose::parse(name)),
        Some(other) => Err(ApiError::bad_request(
            "invalid_purpose",
            format!("purpose: {other} is not one of \"activity\", \"visits\", \"offers\", \"social\" (omit it for everything)"),
        )),
    }
}
