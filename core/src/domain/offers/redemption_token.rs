//! The redemption token: what the shopper shows at the till so that the
//! merchant can check with the backend that a redemption is real and used
//! once (`docs/protocol.md`, "Redemption tokens").
//!
//! Compact form: `KR1.<claims>.<signature>`, both parts base64url without
//! padding; `<claims>` is a JSON object (`kid`, `offer`, `instance`,
//! `merchant`, `iat`, `exp`, the times in milliseconds since the epoch),
//! and `<signature>` the install key's Ed25519 signature over the ASCII
//! bytes `KR1.<claims>` (the version is signed too). The QR payload is the
//! compact form behind the prefix `kairos:r:`.
//!
//! The token names its signing key by `kid`, the first 16 bytes of the
//! SHA-256 of the public key (base64url): the backend finds the key with
//! it, and the token carries no install id.

use crate::domain::time::Timestamp;
use crate::policy::REDEMPTION_TOKEN_MAX_BYTES;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

/// The compact form's version prefix.
pub const TOKEN_PREFIX: &str = "KR1.";

/// The QR payload's prefix, before the compact form.
pub const QR_PREFIX: &str = "kairos:r:";

/// What a redemption token asserts, signed by the install key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedemptionClaims {
    /// The signing key's id ([`key_id`] of its public key).
    pub kid: String,
    /// The catalog offer redeemed.
    pub offer: String,
    /// The offer instance on the device (unique per install).
    pub instance: i64,
    /// The offer's merchant: a till of another merchant is refused.
    pub merchant: String,
    /// When the shopper redeemed, in milliseconds since the epoch.
    pub iat: i64,
    /// The end of the claim window, in milliseconds since the epoch: the
    /// token is refused after it.
    pub exp: i64,
}

/// A signed token, in its two presentations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionToken {
    /// `KR1.<claims>.<signature>`: for a till that takes typed or pasted text.
    pub compact: String,
    /// `kairos:r:` then the compact form: the text to draw as a QR code.
    pub qr_payload: String,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of this format (wrong prefix, parts, encoding or claims).
    #[error("malformed redemption token: {0}")]
    Malformed(&'static str),
    /// Longer than [`REDEMPTION_TOKEN_MAX_BYTES`].
    #[error("redemption token of {0} bytes exceeds {REDEMPTION_TOKEN_MAX_BYTES}")]
    TooLong(usize),
    /// The signature does not match the claims and the named key.
    #[error("redemption token signature does not verify")]
    Forged,
    /// Presented after its claim window ended.
    #[error("redemption token expired at {}", .0.to_rfc3339())]
    Expired(Timestamp),
}

/// The key id of an Ed25519 public key: base64url of the first 16 bytes
/// of its SHA-256 (128 bits: no two installs' keys collide in practice).
pub fn key_id(public_key: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, public_key);
    B64URL.encode(&digest.as_ref()[..16])
}

/// Signs `claims` with `key`. `claims.kid` must be `key`'s id (checked in
/// debug builds). Fails with [`TokenError::TooLong`] if the ids make the
/// token longer than a QR code at the till reads.
pub fn issue(claims: &RedemptionClaims, key: &Ed25519KeyPair) -> Result<RedemptionToken, TokenError> {
    debug_assert_eq!(claims.kid, key_id(key.public_key().as_ref()));
    let json = serde_json::to_vec(claims).expect("claims of strings and integers always serialise");
    let signed = format!("{TOKEN_PREFIX}{}", B64URL.encode(json));
    let compact = format!("{signed}.{}", B64URL.encode(key.sign(signed.as_bytes()).as_ref()));
    if compact.len() > REDEMPTION_TOKEN_MAX_BYTES {
        return Err(TokenError::TooLong(compact.len()));
    }
    Ok(RedemptionToken { qr_payload: format!("{QR_PREFIX}{compact}"), compact })
}

/// A token read but not yet verified: its claims tell which key to check
/// it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedToken {
    /// The claims, unverified.
    pub claims: RedemptionClaims,
    signed: String,
    signature: Vec<u8>,
}

/// Reads a compact token or a QR payload (the prefix is optional).
pub fn parse(text: &str) -> Result<ParsedToken, TokenError> {
    let text = text.trim();
    let text = text.strip_prefix(QR_PREFIX).unwrap_or(text);
    if text.len() > REDEMPTION_TOKEN_MAX_BYTES {
        return Err(TokenError::TooLong(text.len()));
    }
    let rest = text.strip_prefix(TOKEN_PREFIX).ok_or(TokenError::Malformed("no KR1. prefix"))?;
    let (claims_b64, signature_b64) = rest.split_once('.').ok_or(TokenError::Malformed("no signature part"))?;
    let json = B64URL.decode(claims_b64).map_err(|_| TokenError::Malformed("claims are not base64url"))?;
    let signature = B64URL.decode(signature_b64).map_err(|_| TokenError::Malformed("signature is not base64url"))?;
    let claims: RedemptionClaims =
        serde_json::from_slice(&json).map_err(|_| TokenError::Malformed("claims are not the expected JSON object"))?;
    let signed = text[..TOKEN_PREFIX.len() + claims_b64.len()].to_owned();
    Ok(ParsedToken { claims, signed, signature })
}

impl ParsedToken {
    /// Checks the signature with the Ed25519 `public_key` the claims' `kid`
    /// names (a key of another id is [`TokenError::Forged`]), then that
    /// `now` is not past `exp`.
    pub fn verify(&self, public_key: &[u8], now: Timestamp) -> Result<&RedemptionClaims, TokenError> {
        if key_id(public_key) != self.claims.kid {
            return Err(TokenError::Forged);
        }
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(self.signed.as_bytes(), &self.signature)
            .map_err(|_| TokenError::Forged)?;
        if now.0 > self.claims.exp {
            return Err(TokenError::Expired(Timestamp(self.claims.exp)));
        }
        Ok(&self.claims)
    }
}

#[cfg(test)]
#[path = "redemption_token_tests.rs"]
mod tests;
