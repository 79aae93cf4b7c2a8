//! Verifying tiled catalogs: the header in the catalog's envelope, and a
//! tile held against its own signature (as the engine builds the catalog
//! it evaluates from the tiles: `engine::tiles_build`).

use super::grid::TileId;
use super::header::{CatalogHeader, ReadHeader};
use super::held::TileHead;
use super::signed::verify_manifest;
use super::TileError;
use crate::domain::catalog::envelope::{verify_for_storage_with, verify_stored_with};
use crate::domain::catalog::{sign, Catalog, CatalogError, CatalogKeys, Ed25519KeyPair};
use crate::domain::time::Timestamp;

/// Verifies a signed header (the checks and errors of a catalog envelope,
/// then the header's own) and returns it with its stored form.
pub fn verify_header(
    envelope_json: &[u8],
    keys: &CatalogKeys,
    now: Timestamp,
) -> Result<(CatalogHeader, Vec<u8>), CatalogError> {
    verify_for_storage_with(envelope_json, keys, now, &ReadHeader, |_, _| ()).map(|(h, stored, ())| (h, stored))
}

/// Verifies a header in its stored form (as [`verify_header`] gave it).
pub fn verify_stored_header(stored: &[u8], keys: &CatalogKeys, now: Timestamp) -> Result<CatalogHeader, CatalogError> {
    verify_stored_with(stored, keys, now, &ReadHeader)
}

/// Signs `header` into an envelope with `key` under `key_id`.
pub fn sign_header(header: &CatalogHeader, key_id: &str, key: &Ed25519KeyPair) -> Vec<u8> {
    sign(&header.to_json(), key_id, key)
}

/// The bytes of a catalog document (as the engine reads a merged catalog).
pub fn tile_document(tile: &Catalog) -> Vec<u8> {
    serde_json::to_vec(tile).expect("a catalog always serialises")
}

/// Checks tile `id` held at `version` with `head` (read back from the
/// store, or just rebuilt) under `header`: not after the header, and its
/// own signature holds on the canonical bytes of its manifest (at open the
/// keys may have changed; a stored row may be garbled). The entries read
/// with it are checked against the manifest as they are read.
pub fn verify_held_tile(
    header: &CatalogHeader,
    id: TileId,
    version: u64,
    head: &TileHead,
    keys: &CatalogKeys,
) -> Result<(), TileError> {
    if version > header.version {
        return Err(TileError::AfterHeader { tile: id, version, header: header.version });
    }
    verify_manifest(id, version, &head.manifest, &head.signature, keys)
}
