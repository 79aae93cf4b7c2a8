//! A tile's canonical bytes and its own signature (ADR 0012, revised).
//!
//! A tile is a set of *entries*: one entry is one merchant as the tile
//! holds it (its shared data, its places in the tile, the offers that may
//! fire there; or a stub that targeting names), serialised once by the
//! backend as the merchant's JSON. The tile's canonical bytes are
//!
//! ```text
//! KTILE2 <tile id> <version> <entry count>\n
//! <length>\n<entry bytes>\n      (per entry, by merchant id, ascending)
//! ```
//!
//! and the tile's signature is the Ed25519 signature of those bytes with a
//! catalog key. The id and version are inside what is signed, so a
//! signature cannot be moved to another tile or another version. The
//! phone keeps the entries, applies a delta (entries upserted, merchants
//! removed) and checks the signature on the bytes it rebuilds: a tampered
//! delta never verifies.

use super::grid::TileId;
use super::TileError;
use crate::domain::catalog::document::Catalog;
use crate::domain::catalog::CatalogKeys;
use ring::signature::{Ed25519KeyPair, UnparsedPublicKey, ED25519};
use std::collections::BTreeMap;
use std::io::Write;

/// First word of a tile's canonical bytes.
const CANONICAL_MAGIC: &str = "KTILE2";

/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// A tile's entries: merchant id → the merchant's JSON as the tile holds it.
pub type Entries = BTreeMap<String, Vec<u8>>;

/// A tile's own signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileSignature {
    /// The catalog key that signed (looked up in [`CatalogKeys`]).
    pub key_id: String,
    /// The Ed25519 signature of the tile's canonical bytes.
    pub signature: [u8; SIGNATURE_LEN],
}

/// The canonical bytes of tile `id` at `version` with `entries` (in the
/// order given: callers pass them by merchant id).
pub fn canonical_bytes<'a>(id: TileId, version: u64, entries: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let n = entries.len();
    writeln!(out, "{CANONICAL_MAGIC} {id} {version} {n}").expect("writing to memory never fails");
    for e in entries {
        writeln!(out, "{}", e.len()).expect("writing to memory never fails");
        out.extend_from_slice(e);
        out.push(b'\n');
    }
    out
}

/// Signs tile `id` at `version` with `entries`. `key_id` must hold no
/// line break (it travels on a pack's head line).
pub fn sign_tile(id: TileId, version: u64, entries: &Entries, key_id: &str, key: &Ed25519KeyPair) -> TileSignature {
    assert!(!key_id.contains(['\n', '\r']), "a key id holds no line break");
    let bytes = canonical_bytes(id, version, entries.values().map(Vec::as_slice));
    let signature = key.sign(&bytes).as_ref().try_into().expect("an Ed25519 signature is 64 bytes");
    TileSignature { key_id: key_id.to_owned(), signature }
}

/// Checks `signature` over tile `id` at `version` with `entries`.
pub fn verify_tile(
    id: TileId,
    version: u64,
    entries: &Entries,
    signature: &TileSignature,
    keys: &CatalogKeys,
) -> Result<(), TileError> {
    let key = keys.get(&signature.key_id).ok_or(TileError::UnknownKey { tile: id })?;
    let bytes = canonical_bytes(id, version, entries.values().map(Vec::as_slice));
    UnparsedPublicKey::new(&ED25519, key)
        .verify(&bytes, &signature.signature)
        .map_err(|_| TileError::BadSignature { tile: id })
}

/// SHA-256 of `bytes` (the backend compares entries by it).
pub fn sha256_of(bytes: &[u8]) -> [u8; 32] {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().try_into().expect("SHA-256 is 32 bytes")
}

/// The merchant id an entry's JSON names.
pub fn entry_merchant_id(tile: TileId, entry: &[u8]) -> Result<String, TileError> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: String,
    }
    serde_json::from_slice::<Id>(entry)
        .map(|i| i.id)
        .map_err(|e| TileError::InvalidTile { tile, reason: format!("an entry is not a merchant: {e}") })
}

/// The entries of a tile as [`super::cut`] gives it: each merchant's JSON,
/// by merchant id.
pub fn tile_entries(tile: &Catalog) -> Entries {
    tile.merchants
        .iter()
        .map(|m| (m.id.clone(), serde_json::to_vec(m).expect("a merchant always serialises")))
        .collect()
}

/// A catalog document holding `entries` (the backend checks each tile it
/// publishes through the engine's own `parse_document` with it), valid
/// from 2000-01-01 to 2100-01-01: a tile has no dates of its own.
pub fn entries_document(version: u64, entries: &Entries) -> Vec<u8> {
    let mut out = format!(
        "{{\"version\":{version},\"issued_at\":\"2000-01-01T00:00:00Z\",\"expires_at\":\"2100-01-01T00:00:00Z\",\"merchants\":["
    )
    .into_bytes();
    for (i, e) in entries.values().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(e);
    }
    out.extend_from_slice(b"]}");
    out
}
