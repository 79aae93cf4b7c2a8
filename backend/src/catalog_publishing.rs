//! Publishing a signed catalog to the server's storage (`set-catalog`, or
//! `serve --catalog`): the envelope is checked, given a strong ETag, and
//! refused if it would roll the catalog back.

use crate::api::auth::hex;
use crate::storage::{CatalogIds, CatalogRecord, Storage, StorageError};
use crate::today_utc;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use kairos_core::catalog::{
    parse_document, verify_and_parse, CatalogError, CatalogKeys, SignedEnvelope, ED25519_ALGORITHM,
};
use kairos_core::policy::MAX_CATALOG_ENVELOPE_BYTES;
use kairos_core::time::Timestamp;
use ring::digest::{digest, SHA256};

/// Why a catalog was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The file is not a signed envelope (or is too large for the engine).
    #[error("not a signed catalog envelope: {0}")]
    NotAnEnvelope(String),
    /// The envelope's document, or its signature, is invalid.
    #[error(transparent)]
    Invalid(#[from] CatalogError),
    /// A lower version than the current one: engines would refuse it.
    #[error("catalog version {offered} is older than the published version {current}; refusing to roll back")]
    Rollback {
        /// The version offered.
        offered: u64,
        /// The version published.
        current: u64,
    },
    /// The same version with other content: engines holding the first
    /// would never see the second.
    #[error("catalog version {version} is already published with other content; bump the version")]
    VersionReused {
        /// The version.
        version: u64,
    },
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What [`publish`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The catalog is now current.
    New(CatalogRecord),
    /// Exactly this catalog was already current.
    Unchanged(CatalogRecord),
}

/// Checks `envelope` (a signed envelope around a valid catalog document)
/// and makes its record: version and ETag. With `public_key` (the base64
/// public key of the envelope's key id), the signature and dates are
/// checked too, as the engine will.
pub fn prepare(envelope: &[u8], public_key: Option<&str>) -> Result<CatalogRecord, PublishError> {
    if envelope.len() > MAX_CATALOG_ENVELOPE_BYTES {
        return Err(PublishError::NotAnEnvelope(format!(
            "{} bytes, more than the engine's limit of {MAX_CATALOG_ENVELOPE_BYTES}",
            envelope.len()
        )));
    }
    let parsed: SignedEnvelope =
        serde_json::from_slice(envelope).map_err(|e| PublishError::NotAnEnvelope(e.to_string()))?;
    if parsed.algorithm != ED25519_ALGORITHM {
        return Err(PublishError::NotAnEnvelope(format!("algorithm {:?} is not ed25519", parsed.algorithm)));
    }
    let payload = BASE64
        .decode(&parsed.payload)
        .map_err(|e| PublishError::NotAnEnvelope(format!("payload is not base64: {e}")))?;
    let catalog = match public_key {
        Some(key) => {
            let mut keys = CatalogKeys::new();
            keys.insert_base64(&parsed.key_id, key.trim())?;
            let now = Timestamp::from_millis(chrono::Utc::now().timestamp_millis());
            verify_and_parse(envelope, &keys, now)?
        }
        None => parse_document(&payload)?,
    };
    Ok(CatalogRecord { version: catalog.version, etag: etag(envelope), body: envelope.to_vec() })
}

/// The strong ETag of a catalog body: `"sha256-<hex>"`.
pub fn etag(body: &[u8]) -> String {
    format!("\"sha256-{}\"", hex(digest(&SHA256, body).as_ref()))
}

/// The merchant and offer ids of a signed envelope's document
/// (`merchants[].id`, `merchants[].offers[].id`): what uploads may name.
pub fn catalog_ids(envelope: &[u8]) -> Result<CatalogIds, PublishError> {
    let parsed: SignedEnvelope =
        serde_json::from_slice(envelope).map_err(|e| PublishError::NotAnEnvelope(e.to_string()))?;
    let payload = BASE64
        .decode(&parsed.payload)
        .map_err(|e| PublishError::NotAnEnvelope(format!("payload is not base64: {e}")))?;
    let document: serde_json::Value =
        serde_json::from_slice(&payload).map_err(|e| PublishError::NotAnEnvelope(e.to_string()))?;
    let mut ids = CatalogIds::default();
    let id = |v: &serde_json::Value| v.get("id").and_then(|id| id.as_str()).map(str::to_owned);
    for merchant in document.get("merchants").and_then(|m| m.as_array()).into_iter().flatten() {
        ids.merchants.extend(id(merchant));
        for offer in merchant.get("offers").and_then(|o| o.as_array()).into_iter().flatten() {
            ids.offers.extend(id(offer));
        }
    }
    Ok(ids)
}

/// Makes `record` the current catalog unless that would roll back, and
/// its merchant and offer ids the ones uploads may name (the previous
/// catalog's stay valid for [`crate::limits::CATALOG_ID_RETENTION_DAYS`]).
pub async fn publish(storage: &dyn Storage, record: CatalogRecord) -> Result<Published, PublishError> {
    let ids = catalog_ids(&record.body)?;
    if let Some(current) = storage.catalog().await? {
        if current.etag == record.etag {
            // Its ids again: a catalog published before the server kept ids.
            storage.set_catalog(current.clone(), ids, today_utc()).await?;
            return Ok(Published::Unchanged(current));
        }
        if record.version < current.version {
            return Err(PublishError::Rollback { offered: record.version, current: current.version });
        }
        if record.version == current.version {
            return Err(PublishError::VersionReused { version: record.version });
        }
    }
    storage.set_catalog(record.clone(), ids, today_utc()).await?;
    Ok(Published::New(record))
}
