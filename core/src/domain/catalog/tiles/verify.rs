//! Verifying tiled catalogs: the manifest in the catalog's envelope (each
//! tile is checked against it as it is read: `engine::tiles_build`).

use super::manifest::{ReadManifest, TileManifest};
use crate::domain::catalog::envelope::{verify_for_storage_with, verify_stored_with};
use crate::domain::catalog::{sign, Catalog, CatalogError, CatalogKeys, Ed25519KeyPair};
use crate::domain::time::Timestamp;

/// Verifies a signed manifest (the checks and errors of a catalog
/// envelope, then the manifest's own) and returns it with its stored form.
pub fn verify_manifest(
    envelope_json: &[u8],
    keys: &CatalogKeys,
    now: Timestamp,
) -> Result<(TileManifest, Vec<u8>), CatalogError> {
    verify_for_storage_with(envelope_json, keys, now, &ReadManifest, |_, _| ()).map(|(m, stored, ())| (m, stored))
}

/// Verifies a manifest in its stored form (as [`verify_manifest`] gave it).
pub fn verify_stored_manifest(stored: &[u8], keys: &CatalogKeys, now: Timestamp) -> Result<TileManifest, CatalogError> {
    verify_stored_with(stored, keys, now, &ReadManifest)
}

/// Signs `manifest` into an envelope with `key` under `key_id`.
pub fn sign_manifest(manifest: &TileManifest, key_id: &str, key: &Ed25519KeyPair) -> Vec<u8> {
    sign(&manifest.to_json(), key_id, key)
}

/// The bytes of a tile document (as the backend serves and hashes them).
pub fn tile_document(tile: &Catalog) -> Vec<u8> {
    serde_json::to_vec(tile).expect("a catalog always serialises")
}

/// The bytes of `tile` as the backend publishes it at `version`: its own
/// `issued_at` and `expires_at` are fixed (2000-01-01 to 2100-01-01) and
/// never used (the manifest's dates are the merged catalog's), so that a
/// tile whose content did not change keeps its bytes, hash and version
/// across publications.
pub fn tile_document_at(tile: &Catalog, version: u64) -> Vec<u8> {
    let (issued_at, expires_at) = (Timestamp(946_684_800_000), Timestamp(4_102_444_800_000));
    let at = Catalog { version, issued_at, expires_at, merchants: Vec::new() };
    // Serialise without cloning the merchants: the same fields in order.
    let mut out = tile_document(&at);
    let head_len = out.len() - b"[]}".len();
    out.truncate(head_len);
    out.extend_from_slice(&serde_json::to_vec(&tile.merchants).expect("merchants always serialise"));
    out.push(b'}');
    out
}
