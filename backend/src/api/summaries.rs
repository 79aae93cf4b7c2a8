//! `POST /v1/summaries`: stores a batch of daily summaries, once per
//! `Idempotency-Key`.

use super::auth::authenticate;
use super::body::{read_summaries_body, require_json};
use super::error::{json_ok, ApiError};
use super::AppState;
use crate::limits::MAX_IDEMPOTENCY_KEY_BYTES;
use crate::storage::{Ingest, IngestOutcome};
use crate::summaries::parse_batch;
use crate::today_utc;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ring::digest::{digest, SHA256};
use serde_json::json;

/// The header naming a request's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

pub async fn upload(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let install_id = authenticate(state.storage.as_ref(), &headers).await?;
    require_json(&headers)?;
    let key = idempotency_key(&headers)?;
    let body = read_summaries_body(&headers, body).await?;
    let batch = parse_batch(&body)?;
    let fingerprint = digest(&SHA256, &body).as_ref().try_into().expect("SHA-256 is 32 bytes");
    let outcome = state.storage.ingest(Ingest { install_id, key, fingerprint, batch, today: today_utc() }).await?;
    match outcome {
        IngestOutcome::Stored(n) => Ok(json_ok(json!({"stored": n, "duplicate": false}))),
        IngestOutcome::Duplicate(n) => Ok(json_ok(json!({"stored": n, "duplicate": true}))),
        IngestOutcome::KeyReused => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used with another body; use a new key for a new batch",
        )),
    }
}

/// The request's `Idempotency-Key`: 1 to 128 characters of `A-Z a-z 0-9
/// . _ : -`.
fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Err(ApiError::bad_request(
            "missing_idempotency_key",
            "send an Idempotency-Key header, the same on every retry of this batch",
        ));
    };
    let key = value.to_str().unwrap_or("");
    let valid = (1..=MAX_IDEMPOTENCY_KEY_BYTES).contains(&key.len())
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    if valid {
        Ok(key.to_owned())
    } else {
        Err(ApiError::bad_request(
            "invalid_idempotency_key",
            format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_BYTES} characters of A-Z a-z 0-9 . _ : -"),
        ))
    }
}
