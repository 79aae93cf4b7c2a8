//! Verifying tiled catalogs: the header in the catalog's envelope, every
//! tile held against its own signature, then the merge into the one
//! catalog the engine evaluates.

use super::cut::merge;
use super::header::{CatalogHeader, ReadHeader};
use super::held::HeldTiles;
use super::TileError;
use crate::domain::catalog::envelope::{verify_for_storage_with, verify_stored_with};
use crate::domain::catalog::{sign, Catalog, CatalogError, CatalogKeys, Ed25519KeyPair, Merchant};
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

/// Verifies `held` whole (its header's signature and dates at `now`, every
/// tile's signature, no tile after the header) and merges its tiles into
/// one catalog of the header's version and dates. The catalog's own checks
/// are the load path's, on the merged catalog.
pub fn merge_held(
    held: &HeldTiles,
    keys: &CatalogKeys,
    now: Timestamp,
) -> Result<(CatalogHeader, Catalog), CatalogError> {
    let header = verify_stored_header(&held.header, keys, now)?;
    held.verify_all(keys)?;
    let mut tiles = Vec::with_capacity(held.tiles.len());
    for (&id, t) in &held.tiles {
        if t.version > header.version {
            return Err(TileError::AfterHeader { tile: id, version: t.version, header: header.version }.into());
        }
        let merchants = t
            .entries
            .values()
            .map(|e| serde_json::from_slice::<Merchant>(e))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TileError::InvalidTile { tile: id, reason: e.to_string() })?;
        tiles.push(Catalog {
            version: t.version,
            issued_at: header.issued_at,
            expires_at: header.expires_at,
            merchants,
        });
    }
    let merged = merge(&tiles, header.version, header.issued_at, header.expires_at);
    Ok((header, merged))
}
