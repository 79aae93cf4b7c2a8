//! Bearer tokens.
//!
//! A token is 32 bytes from the operating system's CSPRNG, written as 64
//! lowercase hex characters. The server keeps only its SHA-256; a request's
//! `Authorization: Bearer <token>` is hashed and looked up, and names the
//! one install the request may act on. Registering an install again needs
//! its current token, issues a new one and revokes the previous one. Tokens
//! do not expire; a full deletion request removes the install and its token.

use super::error::ApiError;
use super::AppState;
use crate::storage::{Storage, TokenHash};
use axum::http::header::{HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};

/// Length of a token, in hex characters.
pub const TOKEN_HEX_LEN: usize = 64;

/// A new random token.
pub fn new_token() -> String {
    let mut bytes = [0u8; TOKEN_HEX_LEN / 2];
    SystemRandom::new().fill(&mut bytes).expect("the operating system's random source failed");
    hex(&bytes)
}

/// What the server stores of `token`.
pub fn token_hash(token: &str) -> TokenHash {
    digest(&SHA256, token.as_bytes()).as_ref().try_into().expect("SHA-256 is 32 bytes")
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `text` is `len` lowercase hex characters.
pub fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The bearer token of a request: `None` without an `Authorization`
/// header, 401 `missing_token` for another scheme.
pub fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(AUTHORIZATION) else { return Ok(None) };
    value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| Some(token.trim()))
        .ok_or_else(|| unauthorized("missing_token", "the Authorization header is not a Bearer token"))
}

/// The install a request's bearer token names, or 401.
pub async fn authenticate(storage: &dyn Storage, headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(token) = bearer_token(headers)? else {
        return Err(unauthorized("missing_token", "send Authorization: Bearer <token> from POST /v1/installs"));
    };
    if !is_lower_hex(token, TOKEN_HEX_LEN) {
        return Err(unauthorized("invalid_token", "the token is not one this server issues"));
    }
    storage.authenticate(token_hash(token)).await?.ok_or_else(|| {
        unauthorized("invalid_token", "unknown or revoked token (or the install was deleted); register again")
    })
}

/// [`authenticate`], then the install's request rate: 429 `rate_limited`
/// with `Retry-After` past [`crate::limits::ServerLimits::requests_per_install`].
pub async fn authorize(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let install_id = authenticate(state.storage.as_ref(), headers).await?;
    state.install_requests.check(&install_id).map_err(ApiError::rate_limited)?;
    Ok(install_id)
}

fn unauthorized(code: &'static str, message: &str) -> ApiError {
    let challenge = match code {
        "invalid_token" => "Bearer error=\"invalid_token\"",
        _ => "Bearer",
    };
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
        .with_header(WWW_AUTHENTICATE, HeaderValue::from_static(challenge))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_hash_to_sha256() {
        let (a, b) = (new_token(), new_token());
        assert!(is_lower_hex(&a, TOKEN_HEX_LEN) && is_lower_hex(&b, TOKEN_HEX_LEN));
        assert_ne!(a, b);
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(hex(&token_hash("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn hex_checks() {
        assert!(is_lower_hex("0a", 2));
        assert!(!is_lower_hex("0A", 2));
        assert!(!is_lower_hex("0a0", 2));
        assert!(!is_lower_hex("zz", 2));
    }
}
