//! Publishing a catalog as tiles (`publish-tiles`, ADR 0012 revised): the
//! catalog is cut by area, each tile's entries (one per merchant) are
//! compared with the published ones by SHA-256; a tile with any entry new,
//! changed or removed gets the catalog's version, is checked as the engine
//! will load it, signed on its own, and stored whole as one precompressed
//! pack member; changed entries are stored with their version and removed
//! ones as tombstones, from which deltas are answered. The small header
//! (version, dates, grid) is signed with the catalog key.

use crate::catalog_publishing::etag;
use crate::limits::TILE_DELTA_HISTORY_VERSIONS;
use crate::storage::{CatalogRecord, EntryRow, EntryState, Storage, StorageError, TileIndex, TileRow, TilesWrite};
use kairos_core::catalog::tiles::{
    cut, encode_pack, entries_document, sha256_of, sign_header, sign_tile, tile_entries, CatalogHeader, Entries,
    TileError, TileId, TileUpdate,
};
use kairos_core::catalog::{keypair_from_pkcs8, parse_document, Catalog, CatalogError, Ed25519KeyPair};
use std::collections::HashMap;
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
    /// A lower version than the published header's (engines would refuse
    /// it), or the same version with other content (engines holding it
    /// would never see the change).
    #[error(
        "catalog version {offered} is not newer than the published tiles' version {current}; refusing to roll back"
    )]
    Rollback {
        /// The version offered.
        offered: u64,
        /// The version published.
        current: u64,
    },
    /// The key or the catalog file cannot be read.
    #[error("{0}")]
    Input(String),
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A catalog cut into tiles, ready to store.
#[derive(Debug, Clone)]
pub struct TileBuild {
    /// What to store.
    pub write: TilesWrite,
    /// What is published once it is stored (the next build's `previous`).
    pub index: TileIndex,
    /// Tiles in all (with at least one entry).
    pub tiles: usize,
    /// Tiles new, changed or emptied.
    pub changed: usize,
    /// Tiles that became empty.
    pub removed: usize,
    /// Milliseconds spent cutting, checking, signing and compressing.
    pub build_ms: f64,
}

/// Cuts `catalog` into tiles against what is published (`previous`; the
/// default for nothing), signs the tiles that changed and the header with
/// `key` under `key_id`. Every changed tile is checked with the engine's
/// own [`parse_document`].
pub fn build(
    catalog: &Catalog,
    mut previous: TileIndex,
    key_id: &str,
    key: &Ed25519KeyPair,
) -> Result<TileBuild, TilePublishError> {
    let started = Instant::now();
    let current = previous.header_version;
    if let Some(current) = current.filter(|&c| catalog.version < c) {
        return Err(TilePublishError::Rollback { offered: catalog.version, current });
    }
    let version = catalog.version;
    let cutoff = version.saturating_sub(TILE_DELTA_HISTORY_VERSIONS);
    let tiles = cut(catalog)?;
    let mut old_entries = std::mem::take(&mut previous.entries);
    let mut next = TileIndex { header_version: Some(version), tiles: HashMap::new(), entries: HashMap::new() };
    let (mut rows, mut entry_rows, mut pruned, mut removed) = (Vec::new(), Vec::new(), Vec::new(), 0);
    let mut publish_tile = |id: TileId, entries: &Entries, old: HashMap<String, EntryState>| {
        let key_s = id.to_string();
        let (mut changed, mut floor) = (false, previous.tiles.get(&key_s).map_or(0, |t| t.1));
        let mut states = HashMap::with_capacity(entries.len());
        let mut new_rows = Vec::new();
        for (m, body) in entries {
            let h = sha256_of(body);
            match old.get(m) {
                Some(e) if e.sha256 == Some(h) => {
                    states.insert(m.clone(), *e);
                }
                _ => {
                    changed = true;
                    states.insert(m.clone(), EntryState { version, sha256: Some(h) });
                    new_rows.push(EntryRow {
                        tile_id: key_s.clone(),
                        merchant_id: m.clone(),
                        version,
                        body: Some((body.clone(), h)),
                    });
                }
            }
        }
        let gone: Vec<(String, EntryState)> = old.into_iter().filter(|(m, _)| !entries.contains_key(m)).collect();
        changed |= gone.iter().any(|(_, e)| e.sha256.is_some());
        let mut tile_pruned = Vec::new();
        for (m, e) in gone {
            if e.sha256.is_some() {
                new_rows.push(EntryRow { tile_id: key_s.clone(), merchant_id: m.clone(), version, body: None });
                states.insert(m, EntryState { version, sha256: None });
            } else if changed && e.version < cutoff {
                // Pruned with the tile's next change only (the floor is in its row).
                floor = floor.max(e.version);
                tile_pruned.push((key_s.clone(), m));
            } else {
                states.insert(m, e);
            }
        }
        let old_tile = previous.tiles.get(&key_s).copied();
        let tile_version = if changed { version } else { old_tile.map_or(version, |t| t.0) };
        if changed || old_tile.is_none() {
            if current == Some(version) {
                return Err(TilePublishError::Rollback { offered: version, current: version });
            }
            if !entries.is_empty() {
                parse_document(&entries_document(version, entries))
                    .map_err(|error| TilePublishError::InvalidTile { tile: id, error })?;
            }
            let signature = sign_tile(id, version, entries, key_id, key);
            let whole = TileUpdate {
                id,
                version,
                base: 0,
                upserts: entries.values().cloned().collect(),
                removed: Vec::new(),
                signature: signature.clone(),
            };
            let packed = encode_pack([&whole]);
            rows.push(TileRow {
                id: key_s.clone(),
                version,
                floor,
                entries: entries.len() as u32,
                key_id: signature.key_id,
                signature: signature.signature,
                etag: etag(&packed),
                packed,
            });
            entry_rows.append(&mut new_rows);
            pruned.append(&mut tile_pruned);
        }
        next.tiles.insert(key_s.clone(), (tile_version, floor));
        next.entries.insert(key_s, states);
        Ok(())
    };
    for (id, tile) in &tiles {
        let old = old_entries.remove(&id.to_string()).unwrap_or_default();
        publish_tile(*id, &tile_entries(tile), old)?;
    }
    // Tiles published before that hold nothing now: a signed empty tile
    // (with tombstones) so that phones holding them drop their entries.
    let mut vanished: Vec<(String, HashMap<String, EntryState>)> = old_entries.into_iter().collect();
    vanished.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (key_s, old) in vanished {
        let id: TileId = key_s.parse().map_err(|e: kairos_core::catalog::tiles::BadTileId| {
            TilePublishError::Storage(StorageError::Corrupt(e.to_string()))
        })?;
        let was_live = old.values().any(|e| e.sha256.is_some());
        publish_tile(id, &Entries::new(), old)?;
        removed += usize::from(was_live);
    }
    let header = CatalogHeader::new(version, catalog.issued_at, catalog.expires_at);
    let body = sign_header(&header, key_id, key);
    let changed = rows.len();
    Ok(TileBuild {
        write: TilesWrite {
            header: CatalogRecord { version, etag: etag(&body), body },
            tiles: rows,
            entries: entry_rows,
            pruned,
        },
        index: next,
        tiles: tiles.len(),
        changed,
        removed,
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
        "published tiles of catalog version {}: {} tiles, {} new or changed, {} emptied (cut and signed in {:.0} ms)",
        p.version, p.tiles, p.changed, p.removed, p.build_ms
    ))
}

/// What [`publish`] stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TilesPublished {
    /// The header's version.
    pub version: u64,
    /// Tiles in all.
    pub tiles: usize,
    /// Tiles new, changed or emptied.
    pub changed: usize,
    /// Tiles that became empty.
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
    let previous = storage.tile_index().await?;
    let built = build(catalog, previous, key_id, key)?;
    let summary = TilesPublished {
        version: built.write.header.version,
        tiles: built.tiles,
        changed: built.changed,
        removed: built.removed,
        build_ms: built.build_ms,
    };
    storage.set_tiles(built.write).await?;
    Ok(summary)
}
