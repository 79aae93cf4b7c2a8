//! Tiled catalogs in the engine (ADR 0012): which tiles the phone needs,
//! taking tiles and deltas under a verified header (each tile checked on
//! its own signature), merging the tiles held into the one catalog the
//! engine evaluates, and restoring them at open.
//!
//! The tiles needed are those within the configured radius of home, work
//! and every other learned place, of the current position, and of every
//! fix of the last day (the tiles entered along the way, asked for at the
//! next sync, never per fix). Tiles not needed stay until the memory
//! budget evicts them, least recently needed first.

use super::offers_api::{info, prepare, prepare_and_save};
use super::{ApiResult, CatalogInfo, Engine, Inner};
use crate::domain::catalog::tiles::{
    merge_held, tile_document, verify_header, verify_stored_header, HeldTiles, LatLonBox, TileId, TileUpdate,
};
use crate::domain::catalog::{signing_key_id, CatalogError, ReadDocument};
use crate::domain::event::EventKind;
use crate::domain::offers::loaded::LoadedCatalog;
use crate::domain::offers::loaded_read::ReadTables;
use crate::domain::time::Timestamp;
use crate::error::Result;
use crate::policy::{CATALOG_REFRESH_MS, MAX_TILES_WANTED, TILE_MEMORY_BUDGET_BYTES};
use crate::store;
use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// The tiles a phone holds, in brief.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilesInfo {
    /// The signed catalog header's version.
    pub header_version: u64,
    /// The ids of the tiles held (`r<row>c<col>`), in order.
    pub held: Vec<String>,
    /// Bytes of the held tiles' entries.
    pub document_bytes: u64,
}

impl Inner {
    /// The tiles needed at `now` (see the module's doc).
    fn needed_tiles(&self, now: Timestamp) -> Result<BTreeSet<TileId>> {
        let r = self.set.tile_radius_m;
        let mut needed = BTreeSet::new();
        for p in store::profile::places(&self.conn, &self.sealer)? {
            needed.extend(LatLonBox::around(p.lat, p.lon, r).tiles());
        }
        if let Some(f) = &self.st.last_fix {
            needed.extend(LatLonBox::around(f.lat, f.lon, r).tiles());
        }
        // Tiles entered along the way since the last day, newest first.
        let fixes = store::fixes::in_range(&self.conn, &self.sealer, Timestamp(now.0 - CATALOG_REFRESH_MS), now)?;
        let mut along = BTreeSet::new();
        for f in fixes.iter().rev() {
            if along.len() >= MAX_TILES_WANTED {
                break;
            }
            along.insert(TileId::of(f.lat, f.lon));
        }
        needed.extend(along);
        Ok(needed)
    }

    /// Reloads held tiles at open: `None` when the stored catalog is not
    /// tiled, or its tiles no longer verify (keys rotated away, expired).
    pub(super) fn restore_tiles(&mut self) -> Result<Option<Arc<LoadedCatalog>>> {
        let Some((stored, loaded_at)) = store::catalog::load(&self.conn)? else { return Ok(None) };
        let Some(held) = HeldTiles::decode(&stored) else { return Ok(None) };
        let now = self.st.clock.map_or(loaded_at, |c| c.max(loaded_at));
        let read = held.map_err(CatalogError::from).and_then(|held| {
            let (_, merged) = merge_held(&held, &self.keys, now)?;
            Ok((held, merged))
        });
        let (held, merged) = match read {
            Ok(read) => read,
            Err(e) => {
                tracing::warn!(error = %e, "stored catalog tiles are no longer usable");
                return Ok(None);
            }
        };
        let document = tile_document(&merged);
        let pending = ReadTables::default().read(&document, &AtomicBool::new(false))?;
        let loaded = prepare(&self.conn, pending)?;
        self.tiles = Some(held);
        Ok(Some(Arc::new(loaded)))
    }
}

impl Engine {
    /// The tiles held, when the catalog in force is tiled.
    pub fn catalog_tiles(&self) -> Option<TilesInfo> {
        let inner = self.lock();
        let held = inner.tiles.as_ref()?;
        let header = verify_stored_header(&held.header, &inner.keys, inner.st.clock.unwrap_or(Timestamp(0)));
        Some(TilesInfo {
            header_version: header.map_or(0, |h| h.version),
            held: held.tiles.keys().map(ToString::to_string).collect(),
            document_bytes: held.document_bytes() as u64,
        })
    }

    /// The tiles needed at `now` (see the module's doc).
    pub(crate) fn needed_tiles(&self, now: Timestamp) -> Result<BTreeSet<TileId>> {
        self.lock().needed_tiles(now)
    }

    /// The keys catalogs (and tile headers and tiles) may be signed with.
    pub(crate) fn catalog_keys(&self) -> crate::domain::catalog::CatalogKeys {
        self.lock().keys.clone()
    }

    /// Records that a delta request named `asked` under a header of
    /// `version` and nothing changed (in memory: at worst they are asked
    /// again after a restart).
    pub(crate) fn note_tiles_asked(&self, asked: &[TileId], version: u64) {
        if let Some(held) = self.lock().tiles.as_mut() {
            held.confirm(asked, version);
        }
    }

    /// The tiles held (for the sync's delta request).
    pub(crate) fn held_tiles(&self) -> Option<HeldTiles> {
        self.lock().tiles.clone()
    }

    /// Takes tile `updates` (whole tiles or deltas) under the signed
    /// `header` envelope (or, with `None`, under the header held) and puts
    /// the merged catalog in force, atomically. Refused whole (the catalog
    /// in force stays) when the header does not verify or is older than
    /// the catalog version held or ever loaded under its key, or a tile's
    /// signature does not hold on its rebuilt entries, a tile is after the
    /// header or older than the one held, or a delta patches another
    /// version than the one held. Then tiles not needed are evicted, least
    /// recently needed first, down to the memory budget
    /// ([`TILE_MEMORY_BUDGET_BYTES`]).
    pub fn load_tiles(
        &self,
        header: Option<&[u8]>,
        updates: Vec<TileUpdate>,
        now: Timestamp,
    ) -> ApiResult<CatalogInfo> {
        Ok(self.load_tiles_inner(header, updates, &[], now)?)
    }

    /// [`Engine::load_tiles`] after a delta request that named `asked`: the
    /// tiles named and not updated are confirmed current at the header's
    /// version (or known absent).
    pub(crate) fn load_tiles_inner(
        &self,
        header: Option<&[u8]>,
        updates: Vec<TileUpdate>,
        asked: &[TileId],
        now: Timestamp,
    ) -> Result<CatalogInfo> {
        let needed = self.needed_tiles(now)?;
        let mut inner = self.lock();
        let keys = inner.keys.clone();
        let mut held = inner.tiles.clone().unwrap_or_default();
        let (h, stored) = match header {
            Some(envelope) => verify_header(envelope, &keys, now)?,
            None if held.header.is_empty() => {
                return Err(CatalogError::MalformedEnvelope { reason: "no catalog header is held".into() }.into())
            }
            None => (verify_stored_header(&held.header, &keys, now)?, held.header.clone()),
        };
        held.apply(&h, stored, updates, asked, &keys, now).map_err(CatalogError::from)?;
        held.mark_needed(&needed, now);
        held.evict(&needed, TILE_MEMORY_BUDGET_BYTES);
        let (_, merged) = merge_held(&held, &keys, now)?;
        let document = tile_document(&merged);
        let blob = held.encode();
        let in_force = inner.catalog.as_ref().map(|c| c.version);
        let written = inner.write(|ctx| {
            let key_id = signing_key_id(&held.header).ok_or_else(|| CatalogError::MalformedEnvelope {
                reason: "the verified header does not name its key".into(),
            })?;
            let highest = store::catalog::highest_version(ctx.conn, key_id)?;
            if let Some(current) = highest.max(in_force) {
                if h.version < current {
                    return Err(CatalogError::Rollback { offered: h.version, current }.into());
                }
            }
            store::catalog::raise_highest_version(ctx.conn, key_id, h.version)?;
            let pending = ReadTables::default().read(&document, &AtomicBool::new(false))?;
            let mut fence_ids = store::catalog::FenceIdAssigner::new(ctx.conn)?;
            fence_ids.add(pending.place_ids());
            let loaded = prepare_and_save(pending, fence_ids, None, ctx.conn, now)?;
            store::catalog::save(ctx.conn, h.version, &blob, now)?;
            let i = info(&loaded);
            ctx.emit(now, EventKind::CatalogLoaded { version: i.version, offers: i.offers, fences: i.fences });
            Ok(loaded)
        })?;
        let loaded = Arc::new(written.value);
        let summary = info(&loaded);
        inner.catalog = Some(loaded);
        inner.tiles = Some(held);
        inner.pending.extend(written.events);
        Ok(summary)
    }
}
