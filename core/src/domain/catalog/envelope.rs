//! The signed envelope around a catalog document, and the keys that verify
//! it.
//!
//! ```json
//! { "key_id": "k1", "algorithm": "ed25519",
//!   "payload": "<base64 of the document's JSON bytes>",
//!   "signature": "<base64 of the Ed25519 signature over those bytes>" }
//! ```
//!
//! The signature covers the payload bytes exactly as decoded from base64,
//! so no JSON canonicalisation is involved. Base64 is the standard alphabet
//! with padding (RFC 4648 §4).

use super::document::Catalog;
use super::stored::{StoredParts, StoredWriter, MAGIC};
use super::validate::parse_document;
use super::CatalogError;
use crate::domain::time::Timestamp;
use crate::policy::{MAX_CATALOG_ENVELOPE_BYTES, MAX_CATALOG_ISSUE_SKEW_MS};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};
use serde_json::error::Category;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// The only signature algorithm, as written in the envelope.
pub const ED25519_ALGORITHM: &str = "ed25519";

/// Length of an Ed25519 public key, in bytes.
pub const ED25519_PUBLIC_KEY_LEN: usize = 32;

/// A signed catalog as it travels: the document's bytes in base64 and a
/// signature over them. Fields this engine does not know are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedEnvelope {
    /// Id of the key that signed, looked up in [`CatalogKeys`].
    pub key_id: String,
    /// Signature algorithm; only `"ed25519"`.
    pub algorithm: String,
    /// The document's JSON bytes, base64.
    pub payload: String,
    /// The Ed25519 signature over the payload bytes, base64.
    pub signature: String,
}

/// [`SignedEnvelope`] as read for verifying: the strings borrowed from the
/// envelope's bytes when they hold no escapes (a payload is tens of MB).
#[derive(Deserialize)]
struct EnvelopeFields<'a> {
    #[serde(borrow)]
    key_id: Cow<'a, str>,
    #[serde(borrow)]
    algorithm: Cow<'a, str>,
    #[serde(borrow)]
    payload: Cow<'a, str>,
    #[serde(borrow)]
    signature: Cow<'a, str>,
}

/// The public keys a catalog may be signed with, by key id. Holding several
/// lets the backend rotate keys: ship the new public key in an app release,
/// then start signing with it, then drop the old one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogKeys {
    keys: BTreeMap<String, [u8; ED25519_PUBLIC_KEY_LEN]>,
}

impl CatalogKeys {
    /// No keys (every catalog is then refused with `UnknownKey`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the raw 32-byte Ed25519 public key `key_id`.
    pub fn insert(&mut self, key_id: &str, public_key: &[u8]) -> Result<(), CatalogError> {
        if key_id.is_empty() {
            return Err(CatalogError::InvalidKey { reason: "the key id is empty".into() });
        }
        let key: [u8; ED25519_PUBLIC_KEY_LEN] = public_key.try_into().map_err(|_| CatalogError::InvalidKey {
            reason: format!(
                "key {key_id:?} is {} bytes; an Ed25519 public key is {ED25519_PUBLIC_KEY_LEN}",
                public_key.len()
            ),
        })?;
        self.keys.insert(key_id.to_owned(), key);
        Ok(())
    }

    /// Adds (or replaces) key `key_id` given as base64 (as in a `.pub` file;
    /// surrounding whitespace is ignored).
    pub fn insert_base64(&mut self, key_id: &str, public_key_base64: &str) -> Result<(), CatalogError> {
        let bytes = BASE64
            .decode(public_key_base64.trim())
            .map_err(|e| CatalogError::InvalidKey { reason: format!("key {key_id:?} is not base64: {e}") })?;
        self.insert(key_id, &bytes)
    }

    /// Removes key `key_id`; returns whether it was there.
    pub fn remove(&mut self, key_id: &str) -> bool {
        self.keys.remove(key_id).is_some()
    }

    /// Whether key `key_id` is known.
    pub fn contains(&self, key_id: &str) -> bool {
        self.keys.contains_key(key_id)
    }

    /// The known key ids, in order.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// How many keys are known.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is known.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Verifies a signed envelope with `keys` and returns the catalog inside,
/// validated and current at `now`.
///
/// Checks, in order: size, envelope shape, algorithm, key id, base64,
/// signature, the document (with the path of the first problem), then the
/// dates: refused once `now >= expires_at`, or when `issued_at` is more than
/// a day after `now`. Rollback to a lower version is the caller's check,
/// with [`Catalog::check_may_replace`]. (The document is not read at all
/// unless the signature holds.)
pub fn verify_and_parse(envelope_json: &[u8], keys: &CatalogKeys, now: Timestamp) -> Result<Catalog, CatalogError> {
    verify_for_storage(envelope_json, keys, now).map(|(catalog, _)| catalog)
}

/// [`verify_and_parse`], also giving the signed bytes in the compact form
/// the engine stores (see [`verify_stored`]): the document's bytes and the
/// signature, decoded from base64.
pub fn verify_for_storage(
    envelope_json: &[u8],
    keys: &CatalogKeys,
    now: Timestamp,
) -> Result<(Catalog, Vec<u8>), CatalogError> {
    verify_for_storage_with(envelope_json, keys, now, &ParseDocument, |_, _| ())
        .map(|(catalog, stored, ())| (catalog, stored))
}

/// How a document is read while its signature is checked: into a
/// [`Catalog`] ([`ParseDocument`]), or into what the engine keeps.
pub(crate) trait ReadDocument: Sync {
    /// What a document is read into.
    type Output: Send;
    /// Reads and validates `document_json`, with the errors of
    /// [`parse_document`]; may stop early once `cancel` is set (the
    /// signature failed, so the result will not be used).
    fn read(&self, document_json: &[u8], cancel: &AtomicBool) -> Result<Self::Output, CatalogError>;
    /// The document's `issued_at` and `expires_at`.
    fn dates(output: &Self::Output) -> (Timestamp, Timestamp);
}

/// Reads a document into a [`Catalog`], with [`parse_document`].
pub(crate) struct ParseDocument;

impl ReadDocument for ParseDocument {
    type Output = Catalog;
    fn read(&self, document_json: &[u8], _: &AtomicBool) -> Result<Catalog, CatalogError> {
        parse_document(document_json)
    }
    fn dates(catalog: &Catalog) -> (Timestamp, Timestamp) {
        (catalog.issued_at, catalog.expires_at)
    }
}

/// [`verify_for_storage`], reading the document with `reader`. Once the
/// signature holds, and while the document is still being read,
/// `while_reading` is given the stored form and the document's version if
/// it could be read at once ([`super::peek_version`]; it is the version of
/// the document returned, if one is), and its result is returned too.
pub(crate) fn verify_for_storage_with<R: ReadDocument, S>(
    envelope_json: &[u8],
    keys: &CatalogKeys,
    now: Timestamp,
    reader: &R,
    while_reading: impl FnOnce(&[u8], Option<u64>) -> S,
) -> Result<(R::Output, Vec<u8>, S), CatalogError> {
    if envelope_json.len() > MAX_CATALOG_ENVELOPE_BYTES {
        return Err(CatalogError::TooLarge {
            what: "envelope",
            size: envelope_json.len(),
            limit: MAX_CATALOG_ENVELOPE_BYTES,
        });
    }
    let envelope: EnvelopeFields<'_> = serde_json::from_slice(envelope_json).map_err(|e| {
        let reason = e.to_string();
        match e.classify() {
            Category::Data => CatalogError::MalformedEnvelope { reason },
            Category::Syntax | Category::Eof | Category::Io => CatalogError::NotJson { reason },
        }
    })?;
    if envelope.algorithm != ED25519_ALGORITHM {
        return Err(CatalogError::UnsupportedAlgorithm { algorithm: envelope.algorithm.into_owned() });
    }
    let Some(public_key) = keys.keys.get(&*envelope.key_id) else {
        return Err(CatalogError::UnknownKey { key_id: envelope.key_id.into_owned() });
    };
    let mut stored = StoredWriter::new(&envelope.key_id, envelope.payload.len() / 4 * 3);
    stored.append(|out| BASE64.decode_vec(&*envelope.payload, out)).map_err(|e| base64_error("payload", e))?;
    stored.append(|out| BASE64.decode_vec(&*envelope.signature, out)).map_err(|e| base64_error("signature", e))?;
    let stored = stored.finish();
    let parts = StoredParts::read(&stored).expect("just written");
    let mut side = None;
    let catalog = check_signed(public_key, &parts, now, reader, || {
        side = Some(while_reading(&stored, super::peek_version(parts.payload)));
    })?;
    Ok((catalog, stored, side.expect("run once the signature holds")))
}

/// Verifies a stored catalog (as [`verify_for_storage`] gave it, or a
/// JSON envelope stored by an older engine) with `keys`, and returns it
/// validated and current at `now`, with the same checks and errors as
/// [`verify_and_parse`].
pub fn verify_stored(blob: &[u8], keys: &CatalogKeys, now: Timestamp) -> Result<Catalog, CatalogError> {
    verify_stored_with(blob, keys, now, &ParseDocument)
}

/// [`verify_stored`], reading the document with `reader`.
pub(crate) fn verify_stored_with<R: ReadDocument>(
    blob: &[u8],
    keys: &CatalogKeys,
    now: Timestamp,
    reader: &R,
) -> Result<R::Output, CatalogError> {
    if !blob.starts_with(MAGIC) {
        return verify_for_storage_with(blob, keys, now, reader, |_, _| ()).map(|(read, _, ())| read);
    }
    if blob.len() > MAX_CATALOG_ENVELOPE_BYTES {
        return Err(CatalogError::TooLarge { what: "envelope", size: blob.len(), limit: MAX_CATALOG_ENVELOPE_BYTES });
    }
    let parts = StoredParts::read(blob).ok_or_else(|| CatalogError::MalformedEnvelope {
        reason: "the stored catalog is cut short or garbled".into(),
    })?;
    let Some(public_key) = keys.get(parts.key_id) else {
        return Err(CatalogError::UnknownKey { key_id: parts.key_id.to_owned() });
    };
    check_signed(public_key, &parts, now, reader, || ())
}

fn base64_error(field: &str, e: base64::DecodeError) -> CatalogError {
    CatalogError::MalformedEnvelope { reason: format!("{field} is not base64: {e}") }
}

/// Checks the signature over the document, then (only once it holds) reads
/// the document while `while_reading` runs, then checks its dates. A
/// forgery never reaches the document reader.
pub(super) fn check_signed<R: ReadDocument>(
    public_key: &[u8; ED25519_PUBLIC_KEY_LEN],
    parts: &StoredParts<'_>,
    now: Timestamp,
    reader: &R,
    while_reading: impl FnOnce(),
) -> Result<R::Output, CatalogError> {
    if UnparsedPublicKey::new(&ED25519, public_key).verify(parts.payload, parts.signature).is_err() {
        return Err(CatalogError::BadSignature { key_id: parts.key_id.to_owned() });
    }
    let cancel = AtomicBool::new(false);
    let parsed = std::thread::scope(|s| {
        let parse = s.spawn(|| reader.read(parts.payload, &cancel));
        while_reading();
        parse.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    let catalog = parsed?;
    let (issued_at, expires_at) = R::dates(&catalog);
    if now >= expires_at {
        return Err(CatalogError::Expired { expires_at, now });
    }
    if issued_at.since(now) > MAX_CATALOG_ISSUE_SKEW_MS {
        return Err(CatalogError::NotYetValid { issued_at, now });
    }
    Ok(catalog)
}

impl CatalogKeys {
    /// The raw key `key_id`, if known.
    pub(super) fn get(&self, key_id: &str) -> Option<&[u8; ED25519_PUBLIC_KEY_LEN]> {
        self.keys.get(key_id)
    }
}

/// Signs `document_json` with `key` under `key_id` and returns the envelope
/// as pretty-printed JSON (ending with a newline). Does not validate the
/// document; call [`parse_document`] first.
pub fn sign(document_json: &[u8], key_id: &str, key: &Ed25519KeyPair) -> Vec<u8> {
    let envelope = SignedEnvelope {
        key_id: key_id.to_owned(),
        algorithm: ED25519_ALGORITHM.to_owned(),
        payload: BASE64.encode(document_json),
        signature: BASE64.encode(key.sign(document_json).as_ref()),
    };
    let mut out = serde_json::to_vec_pretty(&envelope).expect("an envelope of four strings always serialises");
    out.push(b'\n');
    out
}

/// Generates a new Ed25519 key pair: the private key as a PKCS#8 v2
/// document (keep it secret; load it with [`keypair_from_pkcs8`]) and the
/// raw 32-byte public key (give it to [`CatalogKeys::insert`]).
pub fn generate_keypair() -> Result<(Vec<u8>, Vec<u8>), CatalogError> {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| CatalogError::InvalidKey { reason: "the system random number generator failed".into() })?;
    let pair = keypair_from_pkcs8(pkcs8.as_ref())?;
    Ok((pkcs8.as_ref().to_vec(), pair.public_key().as_ref().to_vec()))
}

/// Loads a private key from PKCS#8 v2 bytes (as written by
/// [`generate_keypair`]).
pub fn keypair_from_pkcs8(pkcs8: &[u8]) -> Result<Ed25519KeyPair, CatalogError> {
    Ed25519KeyPair::from_pkcs8(pkcs8)
        .map_err(|e| CatalogError::InvalidKey { reason: format!("not an Ed25519 PKCS#8 v2 private key: {e}") })
}

/// The raw public key of `key`, as base64 (the form of a `.pub` file).
pub fn public_key_base64(key: &Ed25519KeyPair) -> String {
    BASE64.encode(key.public_key().as_ref())
}
