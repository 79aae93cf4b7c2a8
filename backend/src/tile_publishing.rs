//! Publishing a catalog as tiles (`publish-tiles`, ADR 0012): the catalog
//! is cut by area, each tile checked as the engine will load it, tiles
//! whose content did not change keep their version and bytes, and the
//! manifest of every tile's version and SHA-256 is signed with the
//! catalog key.

use crate::catalog_publishing::etag;
use crate::storage::{CatalogRecord, Storage, StorageError, TileRecord};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use kairos_core::catalog::tiles::{
    cut, sha256, sign_manifest, tile_document_at, TileEntry, TileError, TileId, TileManifest, MANIFEST_FORMAT,
};
use kairos_core::catalog::{keypair_from_pkcs8, parse_document, Catalog, CatalogError, Ed25519KeyPair, SignedEnvelope};
use kairos_core::policy::TILE_CELL_MICRODEG;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// Why tiles were not published.
#[derive(Debug, thiserror::Error)]
pub enum TilePublishError {
    /// The catalog cannot be cut (an id repeated across the catalog).
    #[error(transparent)]
    Cut(#[from] TileError),
    /// A tile is not a catalog the engine would load.
    #[error("tile {tile}: {error}")]
    InvalidTile {
        /// The tile.
        tile: TileId,
        /// Why the engine would refuse it.
        error: CatalogError,
    },
    /// A lower version than the published manifest's: engines would refuse it.
    #[error("catalog version {offered} is older than the published tiles' version {current}; refusing to roll back")]
    Rollback {
        /// The version offered.
        offered: u64,
        /// The version published.
        current: u64,
    },
    /// The key or the catalog file cannot be read.
    #[error("{0}")]
    Input(String),
    /// The stored manifest cannot be read back.
    #[error("the published manifest cannot be read: {0}")]
    StoredManifest(String),
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A catalog cut into tiles, ready to store.
#[derive(Debug, Clone)]
pub struct TileBuild {
    /// The signed manifest, with its ETag.
    pub manifest: CatalogRecord,
    /// Tiles new or changed since the previous manifest.
    pub changed: Vec<TileRecord>,
    /// Tiles of the previous manifest that no longer exist.
    pub removed: Vec<String>,
    /// Tiles in all.
    pub tiles: usize,
    /// Milliseconds spent cutting, checking and signing.
    pub build_ms: f64,
}

/// The manifest inside a published manifest envelope (the server's own,
/// already checked when published: its signature is not checked again).
pub fn stored_manifest(record: &CatalogRecord) -> Result<TileManifest, TilePublishError> {
    let envelope: SignedEnvelope =
        serde_json::from_slice(&record.body).map_err(|e| TilePublishError::StoredManifest(e.to_string()))?;
    let payload = BASE64.decode(&envelope.payload).map_err(|e| TilePublishError::StoredManifest(e.to_string()))?;
    TileManifest::parse(&payload).map_err(|e| TilePublishError::StoredManifest(e.to_string()))
}

/// Cuts `catalog` into tiles against the `previous` manifest (tiles whose
/// bytes at their previous version are unchanged keep it) and signs the
/// manifest with `key` under `key_id`. Every tile is checked with the
/// engine's own [`parse_document`].
pub fn build(
    catalog: &Catalog,
    previous: Option<&TileManifest>,
    key_id: &str,
    key: &Ed25519KeyPair,
) -> Result<TileBuild, TilePublishError> {
    let started = Instant::now();
    if let Some(p) = previous {
        if catalog.version < p.version {
            return Err(TilePublishError::Rollback { offered: catalog.version, current: p.version });
        }
    }
    let tiles = cut(catalog)?;
    let mut entries = BTreeMap::new();
    let mut changed = Vec::new();
    for (id, tile) in &tiles {
        let kept = previous.and_then(|p| p.tiles.get(id)).and_then(|e| {
            let bytes = tile_document_at(tile, e.version);
            (sha256(&bytes) == e.sha256).then_some(*e)
        });
        let entry = match kept {
            Some(e) => e,
            None => {
                let body = tile_document_at(tile, catalog.version);
                parse_document(&body).map_err(|error| TilePublishError::InvalidTile { tile: *id, error })?;
                let entry = TileEntry { version: catalog.version, sha256: sha256(&body) };
                changed.push(TileRecord { id: id.to_string(), version: entry.version, sha256: entry.sha256, body });
                entry
            }
        };
        entries.insert(*id, entry);
    }
    let removed = previous
        .map(|p| p.tiles.keys().filter(|id| !entries.contains_key(id)).map(ToString::to_string).collect())
        .unwrap_or_default();
    let manifest = TileManifest {
        format: MANIFEST_FORMAT.into(),
        version: catalog.version,
        cell_microdeg: TILE_CELL_MICRODEG,
        issued_at: catalog.issued_at,
        expires_at: catalog.expires_at,
        tiles: entries,
    };
    let body = sign_manifest(&manifest, key_id, key);
    let record = CatalogRecord { version: manifest.version, etag: etag(&body), body };
    Ok(TileBuild {
        manifest: record,
        changed,
        removed,
        tiles: tiles.len(),
        build_ms: started.elapsed().as_secs_f64() * 1e3,
    })
}

/// `publish-tiles`: reads the catalog document at `input` and the private
/// key at `key_path`, and publishes; returns what to print.
pub async fn publish_file(
    storage: &dyn Storage,
    key_path: &Path,
    key_id: &str,
    input: &Path,
) -> Result<String, TilePublishError> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| TilePublishError::Input(format!("{}: {e}", p.display())));
    let key = keypair_from_pkcs8(&read(key_path)?).map_err(|e| TilePublishError::Input(e.to_string()))?;
    let catalog: Catalog = serde_json::from_slice(&read(input)?)
        .map_err(|e| TilePublishError::Input(format!("{}: not a catalog document: {e}", input.display())))?;
    let p = publish(storage, &catalog, key_id, &key).await?;
    Ok(format!(
        "published tiles of catalog version {}: {} tiles, {} new or changed, {} removed (cut and signed in {:.0} ms)",
        p.version, p.tiles, p.changed, p.removed, p.build_ms
    ))
}

/// What [`publish`] stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TilesPublished {
    /// The manifest's version.
    pub version: u64,
    /// Tiles in all.
    pub tiles: usize,
    /// Tiles new or changed.
    pub changed: usize,
    /// Tiles removed.
    pub removed: usize,
    /// Milliseconds spent cutting, checking and signing (not storing).
    pub build_ms: f64,
}

/// Cuts `catalog` against the tiles published in `storage`, signs, and
/// stores the result in one transaction.
pub async fn publish(
    storage: &dyn Storage,
    catalog: &Catalog,
    key_id: &str,
    key: &Ed25519KeyPair,
) -> Result<TilesPublished, TilePublishError> {
    let previous = storage.tile_manifest().await?.map(|r| stored_manifest(&r)).transpose()?;
    let built = build(catalog, previous.as_ref(), key_id, key)?;
    let summary = TilesPublished {
        version: built.manifest.version,
        tiles: built.tiles,
        changed: built.changed.len(),
        removed: built.removed.len(),
        build_ms: built.build_ms,
    };
    storage.set_tiles(built.manifest, built.changed, built.removed).await?;
    Ok(summary)
}
