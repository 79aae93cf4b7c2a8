//! Redemption tokens (`docs/protocol.md`, section 5):
//!
//! - `POST /v1/installs/redemption-key`: an install registered before it
//!   had a redemption key (or with a new one) gives the server its public
//!   key, under its bearer token. Registration itself carries the key
//!   (`installs.rs`).
//! - `POST /v1/redemptions/verify`: a merchant's till, with its merchant
//!   API key as the bearer token, presents a token. It is valid once; the
//!   answer carries only the offer, the instance, the merchant and the
//!   token's times, never the install.
//!
//! Checks, in order: the merchant key (401), the till's rate (429), the
//! token's format (400 `malformed_token`), its key id (422 `unknown_key`),
//! the signature (422 `forged_token`), the expiry against the server's
//! clock (422 `expired_token`), the merchant (403 `wrong_merchant`), then
//! once only (409 `already_redeemed`). Nothing is recorded unless every
//! check passed.

use super::auth::{authorize, bearer_token, hex, token_hash};
use super::body::{coding, read_limited, require_json};
use super::error::{json_ok, ApiError};
use super::AppState;
use crate::limits::MAX_SMALL_BODY_BYTES;
use crate::storage::{KeyOutcome, RedemptionKey, RedemptionRecord};
use crate::summaries::strict_json;
use crate::today_utc;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{HeaderValue, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use kairos_core::offers::redemption_token::{key_id, parse, TokenError};
use kairos_core::Timestamp;
use serde_json::{json, Map, Value};

/// The prefix of a merchant API key (then 64 hex characters), so that an
/// operator tells it from an install's token at a glance.
pub const MERCHANT_KEY_PREFIX: &str = "kmk_";

/// Why a till's token was refused: a closed set, each with its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyRefusal {
    /// Not a redemption token (prefix, parts, encoding, claims, length).
    MalformedToken,
    /// No install registered the key the token names.
    UnknownKey,
    /// The signature does not match the claims and the named key.
    ForgedToken,
    /// Presented after its claim window ended.
    ExpiredToken,
    /// A token of another merchant's offer.
    WrongMerchant,
    /// Verified before: a token is valid once.
    AlreadyRedeemed,
}

impl VerifyRefusal {
    /// The stable error code.
    pub fn code(self) -> &'static str {
        match self {
            VerifyRefusal::MalformedToken => "malformed_token",
            VerifyRefusal::UnknownKey => "unknown_key",
            VerifyRefusal::ForgedToken => "forged_token",
            VerifyRefusal::ExpiredToken => "expired_token",
            VerifyRefusal::WrongMerchant => "wrong_merchant",
            VerifyRefusal::AlreadyRedeemed => "already_redeemed",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            VerifyRefusal::MalformedToken => StatusCode::BAD_REQUEST,
            VerifyRefusal::UnknownKey | VerifyRefusal::ForgedToken | VerifyRefusal::ExpiredToken => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            VerifyRefusal::WrongMerchant => StatusCode::FORBIDDEN,
            VerifyRefusal::AlreadyRedeemed => StatusCode::CONFLICT,
        }
    }

    fn error(self, message: impl Into<String>) -> ApiError {
        ApiError::new(self.status(), self.code(), message)
    }
}

/// A new merchant API key: the prefix and 32 random bytes in hex.
pub fn new_merchant_key() -> String {
    format!("{MERCHANT_KEY_PREFIX}{}", super::auth::new_token())
}

/// Issues a merchant API key for `merchant_id` (stored as its SHA-256
/// only) and returns it: the one time it is shown. `merchant-key` and
/// `kairos-sim`'s embedded backend call it.
pub async fn issue_merchant_key(
    storage: &dyn crate::storage::Storage,
    merchant_id: &str,
) -> Result<String, crate::storage::StorageError> {
    let key = new_merchant_key();
    storage.add_merchant_key(token_hash(&key), merchant_id.to_owned(), today_utc()).await?;
    Ok(key)
}

/// Reads the `redemption_key` field (base64url of a raw 32-byte Ed25519
/// public key) of a request object; `None` when absent.
pub fn redemption_key_field(object: &Map<String, Value>) -> Result<Option<RedemptionKey>, ApiError> {
    let Some(value) = object.get("redemption_key") else { return Ok(None) };
    let bad = || {
        ApiError::bad_request(
            "invalid_redemption_key",
            "redemption_key must be base64url (no padding) of a raw 32-byte Ed25519 public key",
        )
    };
    let text = value.as_str().ok_or_else(bad)?;
    let public_key = B64URL.decode(text).map_err(|_| bad())?;
    if public_key.len() != 32 {
        return Err(bad());
    }
    Ok(Some(RedemptionKey { kid: key_id(&public_key), public_key }))
}

/// 409 `redemption_key_taken`.
pub fn key_taken() -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "redemption_key_taken", "another install registered this redemption key")
}

async fn json_object(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Map<String, Value>, ApiError> {
    require_json(headers)?;
    coding(headers, false)?;
    let body = read_limited(headers, body, MAX_SMALL_BODY_BYTES, state.limits.body_timeout).await?;
    match strict_json::from_slice(&body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(ApiError::bad_request("invalid_json", "the body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}"))),
    }
}

fn only_field(object: &Map<String, Value>, name: &str) -> Result<(), ApiError> {
    match object.keys().find(|k| *k != name) {
        Some(other) => {
            Err(ApiError::bad_request("unknown_field", format!("{other}: unknown field (expected [\"{name}\"])")))
        }
        None => Ok(()),
    }
}

/// `POST /v1/installs/redemption-key`.
pub async fn add_key(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let install_id = authorize(&state, &headers).await?;
    let object = json_object(&state, &headers, body).await?;
    only_field(&object, "redemption_key")?;
    let key = redemption_key_field(&object)?
        .ok_or_else(|| ApiError::bad_request("invalid_redemption_key", "send {\"redemption_key\": \"<base64url>\"}"))?;
    let kid = key.kid.clone();
    match state.storage.set_redemption_key(install_id, key, today_utc()).await? {
        KeyOutcome::Stored => Ok(json_ok(json!({"kid": kid}))),
        KeyOutcome::Taken => Err(key_taken()),
        KeyOutcome::UnknownInstall => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the install was deleted meanwhile; register again",
        )),
    }
}

/// The merchant a till's bearer key names, or 401.
async fn merchant(state: &AppState, headers: &HeaderMap) -> Result<(String, String), ApiError> {
    let unauthorized = |code: &'static str, message: &str| {
        ApiError::new(StatusCode::UNAUTHORIZED, code, message)
            .with_header(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    };
    let Some(key) = bearer_token(headers)? else {
        return Err(unauthorized("missing_token", "send Authorization: Bearer <merchant API key>"));
    };
    let valid = key
        .strip_prefix(MERCHANT_KEY_PREFIX)
        .is_some_and(|rest| super::auth::is_lower_hex(rest, super::auth::TOKEN_HEX_LEN));
    if !valid {
        return Err(unauthorized("invalid_merchant_key", "not a merchant API key this server issues"));
    }
    let hash = token_hash(key);
    match state.storage.merchant_for_key(hash).await? {
        Some(m) => Ok((m, hex(&hash))),
        None => Err(unauthorized("invalid_merchant_key", "unknown merchant API key")),
    }
}

/// `POST /v1/redemptions/verify`.
pub async fn verify(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let (merchant_id, key_hash) = merchant(&state, &headers).await?;
    state.verifications.check(&key_hash).map_err(ApiError::rate_limited)?;
    let object = json_object(&state, &headers, body).await?;
    only_field(&object, "token")?;
    let text = object
        .get("token")
        .and_then(Value::as_str)
        .ok_or_else(|| VerifyRefusal::MalformedToken.error("send {\"token\": \"KR1....\"} (or the QR payload)"))?;
    let parsed = parse(text).map_err(|e| VerifyRefusal::MalformedToken.error(e.to_string()))?;
    let kid = parsed.claims.kid.clone();
    let public_key = state
        .storage
        .redemption_key(kid.clone())
        .await?
        .ok_or_else(|| VerifyRefusal::UnknownKey.error("no install registered the key this token names"))?;
    let now = Timestamp(state.clock.now_ms());
    let claims = parsed.verify(&public_key, now).map_err(|e| match e {
        TokenError::Expired(_) => VerifyRefusal::ExpiredToken.error(e.to_string()),
        TokenError::Malformed(_) | TokenError::TooLong(_) => VerifyRefusal::MalformedToken.error(e.to_string()),
        TokenError::Forged => VerifyRefusal::ForgedToken.error(e.to_string()),
    })?;
    if claims.merchant != merchant_id {
        return Err(VerifyRefusal::WrongMerchant.error("this token is for another merchant's offer"));
    }
    let record = RedemptionRecord {
        kid,
        instance: claims.instance,
        offer_id: claims.offer.clone(),
        merchant_id: claims.merchant.clone(),
    };
    if !state.storage.record_redemption(record, today_utc()).await? {
        return Err(VerifyRefusal::AlreadyRedeemed.error("this token was verified before: a token is valid once"));
    }
    Ok(json_ok(json!({
        "status": "valid",
        "offer_id": claims.offer,
        "instance": claims.instance,
        "merchant_id": claims.merchant,
        "issued_at": Timestamp(claims.iat).to_rfc3339(),
        "expires_at": Timestamp(claims.exp).to_rfc3339(),
    })))
}
