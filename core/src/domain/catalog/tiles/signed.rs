//! A tile's canonical bytes and its own signature (ADR 0012, revised
//! twice).
//!
//! A tile is a set of *entries*: one entry is one merchant as the tile
//! holds it (its shared data, its places in the tile, the offers that may
//! fire there; or a stub that targeting names), serialised once by the
//! backend as the merchant's JSON. The tile's *manifest* is the SHA-256 of
//! each entry, by merchant id; its canonical bytes are
//!
//! ```text
//! KTILE3 <tile id> <version> <entry count>\n
//! <SHA-256 of the entry, 32 bytes>      (per entry, by merchant id, ascending)
//! ```
//!
//! and the tile's signature is the Ed25519 signature of those bytes with a
//! catalog key. The id and version are inside what is signed, so a
//! signature cannot be moved to another tile or another version; each
//! entry's hash is, so an entry cannot be changed, added or dropped. The
//! phone keeps the manifest beside the entries, applies a delta to it
//! (entries upserted: their hashes computed; merchants removed) and checks
//! the signature on the manifest it rebuilds: a tampered delta never
//! verifies, and checking it costs 32 bytes an entry, not the whole tile
//! (`KTILE2`, the earlier scheme, signed the entries themselves, so each
//! delta meant reading and hashing every entry of the tile). An entry read
//! back from the store is checked against its hash in the manifest.

use super::grid::TileId;
use super::TileError;
use crate::domain::catalog::document::Catalog;
use crate::domain::catalog::CatalogKeys;
use ring::signature::{Ed25519KeyPair, UnparsedPublicKey, ED25519};
use std::collections::BTreeMap;

/// First word of a tile's canonical bytes.
const CANONICAL_MAGIC: &str = "KTILE3";

/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// A tile's entries: merchant id → the merchant's JSON as the tile holds it.
pub type Entries = BTreeMap<String, Vec<u8>>;

/// What a manifest knows of one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryHash {
    /// The SHA-256 of the entry (signed).
    pub sha256: [u8; 32],
    /// Its length in bytes (not signed: the region's budget counts it).
    pub len: u32,
}

impl EntryHash {
    /// What a manifest knows of `entry`.
    pub fn of(entry: &[u8]) -> EntryHash {
        EntryHash { sha256: sha256_of(entry), len: entry.len() as u32 }
    }

    /// Whether `entry` is the entry hashed.
    pub fn matches(&self, entry: &[u8]) -> bool {
        entry.len() == self.len as usize && sha256_of(entry) == self.sha256
    }
}

/// A tile's manifest: merchant id → its entry's hash and length.
pub type Manifest = BTreeMap<String, EntryHash>;

/// The manifest of `entries`.
pub fn manifest_of(entries: &Entries) -> Manifest {
    entries.iter().map(|(m, e)| (m.clone(), EntryHash::of(e))).collect()
}

/// A tile's own signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileSignature {
    /// The catalog key that signed (looked up in [`CatalogKeys`]).
    pub key_id: String,
    /// The Ed25519 signature of the tile's canonical bytes.
    pub signature: [u8; SIGNATURE_LEN],
}

/// The canonical bytes of tile `id` at `version` with the entry hashes
/// `hashes` (in the order given: callers pass them by merchant id).
pub fn canonical_bytes<'a>(id: TileId, version: u64, hashes: impl ExactSizeIterator<Item = &'a [u8; 32]>) -> Vec<u8> {
    let n = hashes.len();
    let mut out = format!("{CANONICAL_MAGIC} {id} {version} {n}\n").into_bytes();
    out.reserve(32 * n);
    for h in hashes {
        out.extend_from_slice(h);
    }
    out
}

/// Signs tile `id` at `version` with `entries`. `key_id` must hold no
/// line break (it travels on a pack's head line).
pub fn sign_tile(id: TileId, version: u64, entries: &Entries, key_id: &str, key: &Ed25519KeyPair) -> TileSignature {
    sign_manifest(id, version, &manifest_of(entries), key_id, key)
}

/// Signs tile `id` at `version` with the entries of `manifest`.
pub fn sign_manifest(
    id: TileId,
    version: u64,
    manifest: &Manifest,
    key_id: &str,
    key: &Ed25519KeyPair,
) -> TileSignature {
    assert!(!key_id.contains(['\n', '\r']), "a key id holds no line break");
    let bytes = canonical_bytes(id, version, manifest.values().map(|e| &e.sha256));
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
    verify_manifest(id, version, &manifest_of(entries), signature, keys)
}

/// Checks `signature` over tile `id` at `version` with the entries of
/// `manifest`.
pub fn verify_manifest(
    id: TileId,
    version: u64,
    manifest: &Manifest,
    signature: &TileSignature,
    keys: &CatalogKeys,
) -> Result<(), TileError> {
    let key = keys.get(&signature.key_id).ok_or(TileError::UnknownKey { tile: id })?;
    let bytes = canonical_bytes(id, version, manifest.values().map(|e| &e.sha256));
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
