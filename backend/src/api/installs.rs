//! `POST /v1/installs`: registers an install and issues its bearer token.
//!
//! Rate-limited per client address. A new install id registers freely; an
//! id already registered is re-registered (its token rotated) only by a
//! request bearing its current token: knowing an id is never enough
//! (409 `install_id_taken`). With a platform-attestation verifier plugged
//! in, the request must also carry valid evidence (403 `attestation_failed`).
//! The body may carry the install's redemption key (`redemption_key`,
//! base64url of the raw Ed25519 public key): it becomes the install's key,
//! unless another install holds it (409 `redemption_key_taken`).

use super::auth::{bearer_token, is_lower_hex, new_token, token_hash};
use super::body::{coding, read_limited, require_json};
use super::error::{json_ok, ApiError};
use super::{AppState, ClientAddr};
use crate::attestation::ATTESTATION_HEADER;
use crate::limits::MAX_SMALL_BODY_BYTES;
use crate::rate_limit::limit_key;
use crate::storage::{KeyOutcome, RedemptionKey, Registration};
use crate::summaries::strict_json;
use crate::today_utc;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};

/// Length of an install id, in hex characters.
pub const INSTALL_ID_HEX_LEN: usize = 32;

pub async fn register(
    State(state): State<AppState>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let client = client.map_or(ClientAddr::UNKNOWN, |Extension(c)| c);
    state.registrations.check(&limit_key(client.0.ip())).map_err(ApiError::rate_limited)?;
    require_json(&headers)?;
    coding(&headers, false)?;
    let body = read_limited(&headers, body, MAX_SMALL_BODY_BYTES, state.limits.body_timeout).await?;
    let value = strict_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}")))?;
    let (install_id, key) = parse(&value)?;
    // A key another install holds is refused before anything changes.
    if let Some(key) = &key {
        if state.storage.redemption_key_owner(key.kid.clone()).await?.is_some_and(|owner| owner != install_id) {
            return Err(super::redemptions::key_taken());
        }
    }
    let presented = bearer_token(&headers)?.map(token_hash);
    if let Some(verifier) = &state.attestation {
        let evidence = headers.get(ATTESTATION_HEADER).and_then(|v| v.to_str().ok());
        if let Err(e) = verifier.verify(&install_id, evidence).await {
            eprintln!("kairos-backend: registration refused: {e}");
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "attestation_failed",
                format!("send valid platform attestation in the {ATTESTATION_HEADER} header"),
            ));
        }
    }
    let token = new_token();
    match state.storage.register_install(install_id.clone(), token_hash(&token), presented, today_utc()).await? {
        Registration::New | Registration::Rotated => {
            if let Some(key) = key {
                match state.storage.set_redemption_key(install_id.clone(), key, today_utc()).await? {
                    KeyOutcome::Stored => {}
                    // Taken between the check and now (a key copied from
                    // another install: that client gets no verifiable
                    // tokens), or the install deleted meanwhile.
                    KeyOutcome::Taken | KeyOutcome::UnknownInstall => return Err(super::redemptions::key_taken()),
                }
            }
            Ok(json_ok(json!({"install_id": install_id, "token": token})))
        }
        Registration::Refused => Err(ApiError::new(
            StatusCode::CONFLICT,
            "install_id_taken",
            "this install id is registered: re-registering it needs its current token as the bearer token; \
             otherwise choose a new install id",
        )),
    }
}

/// The install id and the optional redemption key of a registration.
fn parse(value: &Value) -> Result<(String, Option<RedemptionKey>), ApiError> {
    let object = value
        .as_object()
        .ok_or_else(|| ApiError::bad_request("invalid_install_id", "send {\"install_id\": \"<32 hex>\"}"))?;
    if let Some(other) = object.keys().find(|k| *k != "install_id" && *k != "redemption_key") {
        return Err(ApiError::bad_request(
            "unknown_field",
            format!("{other}: unknown field (expected [\"install_id\", \"redemption_key\"])"),
        ));
    }
    let key = super::redemptions::redemption_key_field(object)?;
    match object.get("install_id") {
        Some(Value::String(id)) if is_lower_hex(id, INSTALL_ID_HEX_LEN) => Ok((id.clone(), key)),
        _ => Err(ApiError::bad_request(
            "invalid_install_id",
            format!("install_id must be {INSTALL_ID_HEX_LEN} lowercase hex characters (16 random bytes)"),
        )),
    }
}
