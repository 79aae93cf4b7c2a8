//! `POST /v1/summaries`: stores a batch of daily summaries, once per
//! `Idempotency-Key`.

use super::auth::authorize;
use super::body::{read_summaries_body, require_json};
use super::error::{json_ok, ApiError};
use super::AppState;
use crate::limits::{CATALOG_ID_RETENTION_DAYS, MAX_IDEMPOTENCY_KEY_BYTES};
use crate::storage::{CatalogIds, Ingest, IngestOutcome, Storage};
use crate::summaries::{parse_batch, Batch, SummaryData};
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
    let install_id = authorize(&state, &headers).await?;
    require_json(&headers)?;
    let key = idempotency_key(&headers)?;
    let body = read_summaries_body(&headers, body, state.limits.body_timeout).await?;
    let batch = parse_batch(&body)?;
    check_catalog_ids(state.storage.as_ref(), &batch).await?;
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
        IngestOutcome::OverQuota { purpose, day, rows, limit } => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "quota_exceeded",
            format!(
                "{purpose} on {day}: this install would hold {rows} rows for the day, more than a device's \
                 daily quota of {limit}; nothing of the batch was stored"
            ),
        )),
    }
}

/// Refuses (400 `unknown_merchant_id` / `unknown_offer_id`, naming the
/// first such field by its path) ids that belong to no catalog the server
/// has published within [`CATALOG_ID_RETENTION_DAYS`].
async fn check_catalog_ids(storage: &dyn Storage, batch: &Batch) -> Result<(), ApiError> {
    let mut ids = CatalogIds::default();
    for item in &batch.items {
        match &item.data {
            SummaryData::Activity(_) => {}
            SummaryData::Visits(rows) => ids.merchants.extend(rows.iter().map(|v| v.merchant_id.clone())),
            SummaryData::Offers(rows) => ids.offers.extend(rows.iter().map(|o| o.offer_id.clone())),
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    let since = today_utc() - chrono::Days::new(u64::from(CATALOG_ID_RETENTION_DAYS));
    let unknown = storage.unknown_catalog_ids(ids, since).await?;
    for (i, item) in batch.items.iter().enumerate() {
        let found = match &item.data {
            SummaryData::Activity(_) => None,
            SummaryData::Visits(rows) => rows
                .iter()
                .position(|v| unknown.merchants.contains(&v.merchant_id))
                .map(|j| ("unknown_merchant_id", format!("merchants[{j}].merchant_id"), &rows[j].merchant_id)),
            SummaryData::Offers(rows) => rows
                .iter()
                .position(|o| unknown.offers.contains(&o.offer_id))
                .map(|j| ("unknown_offer_id", format!("offers[{j}].offer_id"), &rows[j].offer_id)),
        };
        if let Some((code, field, id)) = found {
            let shown: String = id.chars().take(40).flat_map(char::escape_default).collect();
            return Err(ApiError::bad_request(
                code,
                format!("batch[{i}].data.{field}: \"{shown}\" is in no catalog this server has published"),
            ));
        }
    }
    Ok(())
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
