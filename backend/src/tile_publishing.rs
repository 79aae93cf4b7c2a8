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
use flate2::Compression;
use kairos_core::catalog::tiles::{
    cut, encode_pack_at, entries_document, sha256_of, sign_header, sign_tile, tile_entries, CatalogHeader, Entries,
    TileError, TileId, TileUpdate,
};
use kairos_core::catalog::{keypair_from_pkcs8, parse_document, Catalog, CatalogError, Ed25519KeyPair};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
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

/// What one tile comes to in a publication.
struct Outcome {
    key: String,
    version: u64,
    floor: u64,
    states: HashMap<String, EntryState>,
    row: Option<TileRow>,
    entry_rows: Vec<EntryRow>,
    pruned: Vec<(String, String)>,
    emptied: bool,
}

/// The publication's fixed inputs, shared by the threads.
struct Publication<'a> {
    previous: &'a TileIndex,
    version: u64,
    cutoff: u64,
    key_id: &'a str,
    key: &'a Ed25519KeyPair,
}

impl Publication<'_> {
    /// Compares tile `id`'s `entries` with the published ones; signs,
    /// checks and compresses it when anything changed.
    fn tile(&self, id: TileId, entries: Entries) -> Result<Outcome, TilePublishError> {
        let (key_s, version) = (id.to_string(), self.version);
        let empty = HashMap::new();
        let old = self.previous.entries.get(&key_s).unwrap_or(&empty);
        let old_tile = self.previous.tiles.get(&key_s).copied();
        let mut floor = old_tile.map_or(0, |t| t.1);
        let mut states = HashMap::with_capacity(entries.len());
        // The entries new or changed (their bodies move into `entry_rows`
        // once the tile is signed and packed).
        let mut fresh: Vec<(String, [u8; 32])> = Vec::new();
        for (m, body) in &entries {
            let h = sha256_of(body);
            match old.get(m) {
                Some(e) if e.sha256 == Some(h) => {
                    states.insert(m.clone(), *e);
                }
                _ => {
                    states.insert(m.clone(), EntryState { version, sha256: Some(h) });
                    fresh.push((m.clone(), h));
                }
            }
        }
        let gone: Vec<(&String, &EntryState)> = old.iter().filter(|(m, _)| !entries.contains_key(*m)).collect();
        let emptied = entries.is_empty() && gone.iter().any(|(_, e)| e.sha256.is_some());
        let changed = !fresh.is_empty() || gone.iter().any(|(_, e)| e.sha256.is_some());
        let mut entry_rows = Vec::with_capacity(fresh.len());
        let mut pruned = Vec::new();
        for (m, e) in gone {
            if e.sha256.is_some() {
                entry_rows.push(EntryRow { tile_id: key_s.clone(), merchant_id: m.clone(), version, body: None });
                states.insert(m.clone(), EntryState { version, sha256: None });
            } else if changed && e.version < self.cutoff {
                // Pruned with the tile's next change only (the floor is in its row).
                floor = floor.max(e.version);
                pruned.push((key_s.clone(), m.clone()));
            } else {
                states.insert(m.clone(), *e);
            }
        }
        if !changed && old_tile.is_some() {
            let (version, floor) = old_tile.unwrap_or_default();
            return Ok(Outcome { key: key_s, version, floor, states, row: None, entry_rows, pruned, emptied });
        }
        if let Some(current) = self.previous.header_version.filter(|&c| c == version) {
            return Err(TilePublishError::Rollback { offered: version, current });
        }
        if !entries.is_empty() {
            parse_document(&entries_document(version, &entries))
                .map_err(|error| TilePublishError::InvalidTile { tile: id, error })?;
        }
        let signature = sign_tile(id, version, &entries, self.key_id, self.key);
        let count = entries.len() as u32;
        // The bodies move into the pack and then into the entry rows: a
        // national catalog's entries are hundreds of MB, never copied.
        let (ids, upserts): (Vec<String>, Vec<Vec<u8>>) = entries.into_iter().unzip();
        let mut whole = TileUpdate { id, version, base: 0, upserts, removed: Vec::new(), signature: signature.clone() };
        let packed = pack_member(&whole);
        for (m, h) in fresh {
            let at = ids.binary_search(&m).expect("a new or changed entry is one of the tile's");
            let body = std::mem::take(&mut whole.upserts[at]);
            entry_rows.push(EntryRow { tile_id: key_s.clone(), merchant_id: m, version, body: Some((body, h)) });
        }
        let row = TileRow {
            id: key_s.clone(),
            version,
            floor,
            entries: count,
            key_id: signature.key_id,
            signature: signature.signature,
            etag: etag(&packed),
            packed,
        };
        Ok(Outcome { key: key_s, version, floor, states, row: Some(row), entry_rows, pruned, emptied })
    }
}

/// `update` as one gzip pack member at `Compression::fast()` (every
/// changed tile of a national catalog is compressed at each publication).
fn pack_member(update: &TileUpdate) -> Vec<u8> {
    encode_pack_at([update], Compression::fast())
}

/// Cuts `catalog` into tiles against what is published (`previous`; the
/// default for nothing), signs the tiles that changed and the header with
/// `key` under `key_id`. Every changed tile is checked with the engine's
/// own [`parse_document`]. The tiles are worked on by as many threads as
/// the machine has cores.
pub fn build(
    catalog: &Catalog,
    previous: TileIndex,
    key_id: &str,
    key: &Ed25519KeyPair,
) -> Result<TileBuild, TilePublishError> {
    let started = Instant::now();
    if let Some(current) = previous.header_version.filter(|&c| catalog.version < c) {
        return Err(TilePublishError::Rollback { offered: catalog.version, current });
    }
    let version = catalog.version;
    let cutoff = version.saturating_sub(TILE_DELTA_HISTORY_VERSIONS);
    let tiles = cut(catalog)?;
    let publication = Publication { previous: &previous, version, cutoff, key_id, key };
    // Tiles published before that hold nothing now: a signed empty tile
    // (with tombstones) so that phones holding them drop their entries.
    let mut vanished: Vec<TileId> = Vec::new();
    for k in previous.entries.keys() {
        let id: TileId = k.parse().map_err(|e: kairos_core::catalog::tiles::BadTileId| {
            TilePublishError::Storage(StorageError::Corrupt(e.to_string()))
        })?;
        if !tiles.contains_key(&id) {
            vanished.push(id);
        }
    }
    let tile_count = tiles.len();
    // Each tile's document is dropped as soon as its entries are made, so
    // the cut does not stay in memory beside its entries; the threads take
    // the next tile from one queue (city-centre tiles cost far more than
    // the rest).
    let mut work: Vec<(TileId, Option<Catalog>)> =
        tiles.into_iter().map(|(id, t)| (id, Some(t))).chain(vanished.into_iter().map(|id| (id, None))).collect();
    work.sort_unstable_by_key(|(id, _)| *id);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, work.len().max(1));
    let queue = Mutex::new(work.into_iter());
    type Done = Result<Vec<Outcome>, (TileId, TilePublishError)>;
    let outcomes: Vec<Done> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (queue, publication) = (&queue, &publication);
                scope.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let next = queue.lock().expect("a tile publishing thread panicked").next();
                        let Some((id, tile)) = next else { return Ok(out) };
                        let entries = tile.as_ref().map(tile_entries).unwrap_or_default();
                        drop(tile);
                        out.push(publication.tile(id, entries).map_err(|e| (id, e))?);
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a tile publishing thread panicked")).collect()
    });
    let mut next = TileIndex { header_version: Some(version), tiles: HashMap::new(), entries: HashMap::new() };
    let (mut rows, mut entry_rows, mut pruned, mut removed) = (Vec::new(), Vec::new(), Vec::new(), 0);
    // The queue hands tiles out in id order, so the failing tile of lowest
    // id is always reached: it is the one reported, whichever thread met it.
    let (mut done, mut failed) = (Vec::with_capacity(outcomes.len()), None::<(TileId, TilePublishError)>);
    for outcome in outcomes {
        match outcome {
            Ok(o) => done.push(o),
            Err((id, e)) => {
                if failed.as_ref().is_none_or(|(f, _)| id < *f) {
                    failed = Some((id, e));
                }
            }
        }
    }
    if let Some((_, e)) = failed {
        return Err(e);
    }
    for outcome in done {
        for o in outcome {
            rows.extend(o.row);
            entry_rows.extend(o.entry_rows);
            pruned.extend(o.pruned);
            removed += usize::from(o.emptied);
            next.tiles.insert(o.key.clone(), (o.version, o.floor));
            next.entries.insert(o.key, o.states);
        }
    }
    rows.sort_unstable_by(|a, b| a.id.cmp(&b.id));
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
        tiles: tile_count,
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
