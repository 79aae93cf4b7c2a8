//! Tiled catalogs in the engine (ADR 0012): which tiles the phone needs,
//! taking tiles and deltas under a verified header (each tile checked on
//! its own signature), building the one catalog the engine evaluates from
//! the tiles held, and restoring them at open.
//!
//! The region (`domain::catalog::tiles::region`): the tiles within the
//! configured radius of the current position, home, work and every other
//! learned place, ranked nearest first, then the tiles of every fix of the
//! last day (the tiles entered along the way, asked for at the next sync,
//! never per fix); kept in rank order while the catalog-memory budget
//! ([`TILE_MEMORY_BUDGET_BYTES`]) lasts. A needed tile beyond the budget is
//! not asked for; held tiles no longer needed keep the room left, least
//! recently needed evicted first.

use super::offers_api::{info, prepare_and_save};
use super::tiles_build::{build, Built};
use super::tiles_patch::{patch, PatchInput, PatchStats, Reader, StoredTiles};
use super::{ApiResult, CatalogInfo, Engine, Inner};
use crate::domain::catalog::tiles::{
    plan, rank, touched, verify_header, verify_stored_header, Anchor, AnchorPoint, ArrivedTiles, BuiltTiles,
    CatalogHeader, Entries, EntryHash, HeldCost, HeldTiles, RegionPlan, TileError, TileHead, TileId, TileUpdate,
};
use crate::domain::catalog::{signing_key_id, CatalogError};
use crate::domain::event::EventKind;
use crate::domain::offers::loaded::LoadedCatalog;
use crate::domain::time::Timestamp;
use crate::domain::visits::PlaceKind;
use crate::error::Result;
use crate::policy::{CATALOG_REFRESH_MS, MAX_TILES_WANTED, TILE_COST_GUESS_BYTES, TILE_MEMORY_BUDGET_BYTES};
use crate::store;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Weak};

/// What the catalog in force was built from, when it was built from tiles
/// (ADR 0012, "Revised: incremental load"): the next load patches it.
#[derive(Debug, Clone)]
pub(super) struct TilesBuilt {
    /// The tiles taken, their counts and merchants' hashes.
    built: BuiltTiles,
    /// The catalog they built (the patch applies to no other).
    catalog: Weak<LoadedCatalog>,
    /// What the last load read (`None`: it built the catalog whole); the
    /// tests read it.
    #[cfg_attr(not(test), allow(dead_code))]
    stats: Option<PatchStats>,
}

impl TilesBuilt {
    /// What `catalog` was built from, if it is that catalog.
    fn of<'a>(built: Option<&'a TilesBuilt>, catalog: Option<&Arc<LoadedCatalog>>) -> Option<&'a TilesBuilt> {
        built.filter(|b| catalog.is_some_and(|c| std::ptr::eq(Arc::as_ptr(c), b.catalog.as_ptr())))
    }
}

/// The catalog a load built, before its places get their fence ids: whole,
/// or patched from the catalog in force.
enum Pending<'o> {
    Whole(crate::domain::offers::loaded::PendingCatalog),
    Patch(crate::domain::offers::loaded_patch::PendingPatch<'o>),
}

/// The tiles a phone holds, in brief.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilesInfo {
    /// The signed catalog header's version.
    pub header_version: u64,
    /// The ids of the tiles held (`r<row>c<col>`), in order.
    pub held: Vec<String>,
    /// Bytes of the held tiles' entries (kept in the store, not in memory).
    pub document_bytes: u64,
    /// Heap bytes of the catalog the engine evaluates (built from the
    /// tiles held), and of what it was built from (8 bytes a merchant a
    /// tile, for the next load's patch): the catalog's memory.
    pub catalog_memory_bytes: u64,
}

/// What a tile not held is guessed to cost: the mean of the tiles held, or
/// [`TILE_COST_GUESS_BYTES`] when none is.
fn guess(costs: &BTreeMap<TileId, HeldCost>) -> u64 {
    match costs.len() as u64 {
        0 => TILE_COST_GUESS_BYTES,
        n => costs.values().map(|c| c.cost).sum::<u64>() / n,
    }
}

/// The order the held tiles are built in: the needed ones kept, in rank
/// order, then the others, most recently needed first.
fn build_order(held: &HeldTiles, keep: &[TileId]) -> Vec<(TileId, u64)> {
    let mut order: Vec<(TileId, u64)> =
        keep.iter().filter_map(|id| held.tiles.get(id).map(|t| (*id, t.version))).collect();
    let kept: BTreeSet<TileId> = keep.iter().copied().collect();
    let mut rest: Vec<(Timestamp, TileId, u64)> =
        held.tiles.iter().filter(|(id, _)| !kept.contains(id)).map(|(id, t)| (t.last_needed, *id, t.version)).collect();
    rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    order.extend(rest.into_iter().map(|(_, id, v)| (id, v)));
    order
}

impl Inner {
    /// The tiles needed at `now`, most needed first (see the module's doc).
    fn ranked_tiles(&self, now: Timestamp) -> Result<Vec<TileId>> {
        let mut anchors = Vec::new();
        if let Some(f) = &self.st.last_fix {
            anchors.push(AnchorPoint { lat: f.lat, lon: f.lon, anchor: Anchor::Position });
        }
        for p in store::profile::places(&self.conn, &self.sealer)? {
            let anchor = match p.kind {
                PlaceKind::Home => Anchor::Home,
                PlaceKind::Work => Anchor::Work,
                PlaceKind::Other => Anchor::Routine,
            };
            anchors.push(AnchorPoint { lat: p.lat, lon: p.lon, anchor });
        }
        // Tiles entered along the way since the last day, newest first.
        let fixes = store::fixes::in_range(&self.conn, &self.sealer, Timestamp(now.0 - CATALOG_REFRESH_MS), now)?;
        let mut crossed = Vec::new();
        let mut seen = BTreeSet::new();
        for f in fixes.iter().rev() {
            if crossed.len() >= MAX_TILES_WANTED {
                break;
            }
            let t = TileId::of(f.lat, f.lon);
            if seen.insert(t) {
                crossed.push(t);
            }
        }
        Ok(rank(&anchors, &crossed, self.set.tile_radius_m))
    }

    /// What the budget decides for the tiles `held` at `now`.
    fn region_plan(&self, held: Option<&HeldTiles>, now: Timestamp) -> Result<RegionPlan> {
        let ranked = self.ranked_tiles(now)?;
        let costs = held.map(HeldTiles::costs).unwrap_or_default();
        Ok(plan(&ranked, &costs, guess(&costs), TILE_MEMORY_BUDGET_BYTES as u64))
    }

    /// The tiles needed at `now` that fit the budget (what a sync asks for).
    fn needed_tiles(&self, now: Timestamp) -> Result<BTreeSet<TileId>> {
        Ok(self.region_plan(self.tiles.as_ref(), now)?.keep.into_iter().collect())
    }

    /// Builds the evaluated catalog of `order`'s tiles under `header`, each
    /// from what arrived in `fresh` (a delta completed from the store), else
    /// from the store.
    fn build_tiles(&self, header: &CatalogHeader, order: &[(TileId, u64)], fresh: &ArrivedTiles) -> Result<Built> {
        let keys = self.keys.clone();
        let mut reader = Reader::new(self, header, &keys);
        let tiles = order.iter().map(|&(id, version)| Ok((id, version, reader.body(id, version, fresh.get(&id))?)));
        build(header, &keys, tiles)
    }

    /// Reloads held tiles at open: `None` when the stored catalog is not
    /// tiled, or its tiles no longer verify (keys rotated away, expired,
    /// a body missing from the store or garbled).
    pub(super) fn restore_tiles(&mut self) -> Result<Option<Arc<LoadedCatalog>>> {
        let Some((stored, loaded_at)) = store::catalog::load_sealed(&self.conn, &self.sealer)? else { return Ok(None) };
        let Some(held) = HeldTiles::decode(&stored) else { return Ok(None) };
        let now = self.st.clock.map_or(loaded_at, |c| c.max(loaded_at));
        let unusable =
            |e: &dyn std::fmt::Display| tracing::warn!(error = %e, "stored catalog tiles are no longer usable");
        let held = match held {
            Ok(held) => held,
            Err(e) => {
                unusable(&e);
                return Ok(None);
            }
        };
        let header = match verify_stored_header(&held.header, &self.keys, now) {
            Ok(h) => h,
            Err(e) => {
                unusable(&e);
                return Ok(None);
            }
        };
        let region = self.region_plan(Some(&held), now)?;
        let built = match self.build_tiles(&header, &build_order(&held, &region.keep), &ArrivedTiles::new()) {
            Ok(built) => built,
            Err(crate::error::Error::Catalog(e)) => {
                unusable(&e);
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        // Tiles left out for the limits stay held until the next load
        // evicts them; the catalog in force is built without them.
        let mut fence_ids = store::catalog::FenceIdAssigner::keyed(&self.conn, &self.sealer)?;
        fence_ids.add(built.pending.place_ids());
        let loaded = Arc::new(prepare_and_save(built.pending, fence_ids, None, &self.conn, now)?);
        self.tiles = Some(held);
        self.tiles_built = Some(TilesBuilt { built: built.taken, catalog: Arc::downgrade(&loaded), stats: None });
        Ok(Some(loaded))
    }
}

impl StoredTiles for Inner {
    fn head(&self, id: TileId, version: u64) -> Result<TileHead> {
        match store::tiles::get_head(&self.conn, &self.sealer, &id.to_string())? {
            Some((v, head)) if v == version => Ok(head),
            _ => Err(CatalogError::from(TileError::BadStored).into()),
        }
    }

    fn entry(&self, id: TileId, merchant: &str, hash: &EntryHash) -> Result<Vec<u8>> {
        match store::tiles::get_entry(&self.conn, &self.sealer, &id.to_string(), merchant)? {
            Some(entry) if hash.matches(&entry) => Ok(entry),
            _ => Err(CatalogError::from(TileError::BadStored).into()),
        }
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
            catalog_memory_bytes: inner.catalog.as_ref().map_or(0, |c| c.heap_bytes() as u64)
                + TilesBuilt::of(inner.tiles_built.as_ref(), inner.catalog.as_ref())
                    .map_or(0, |b| b.built.heap_bytes() as u64),
        })
    }

    /// The tiles needed at `now` that fit the budget (see the module's doc).
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

    /// What the last load of tiles read when it patched the catalog in
    /// force (`None`: it built it whole, or none was loaded).
    #[cfg(test)]
    pub(crate) fn tile_patch_stats(&self) -> Option<PatchStats> {
        self.lock().tiles_built.as_ref().and_then(|b| b.stats)
    }

    /// The tiles held (for the sync's delta request).
    pub(crate) fn held_tiles(&self) -> Option<HeldTiles> {
        self.lock().tiles.clone()
    }

    /// Takes tile `updates` (whole tiles or deltas) under the signed
    /// `header` envelope (or, with `None`, under the header held) and puts
    /// the catalog built from the tiles held in force, atomically. Refused
    /// whole (the catalog in force stays) when the header does not verify
    /// or is older than the catalog version held or ever loaded under its
    /// key, or a tile's signature does not hold on its rebuilt entries, a
    /// tile is after the header or older than the one held, or a delta
    /// patches another version than the one held. Then the region's budget
    /// ([`TILE_MEMORY_BUDGET_BYTES`]) decides which tiles stay (see the
    /// module's doc); only the tiles that arrived or left are written to
    /// (or removed from) the store.
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
    /// version (or known absent). The bodies of the tiles a delta patches
    /// are read from the store.
    pub(crate) fn load_tiles_inner(
        &self,
        header: Option<&[u8]>,
        updates: Vec<TileUpdate>,
        asked: &[TileId],
        now: Timestamp,
    ) -> Result<CatalogInfo> {
        let mut inner = self.lock();
        let keys = inner.keys.clone();
        let before: BTreeSet<TileId> =
            inner.tiles.as_ref().map(|h| h.tiles.keys().copied().collect()).unwrap_or_default();
        let mut held = inner.tiles.clone().unwrap_or_default();
        let (h, stored) = match header {
            Some(envelope) => verify_header(envelope, &keys, now)?,
            None if held.header.is_empty() => {
                return Err(CatalogError::MalformedEnvelope { reason: "no catalog header is held".into() }.into())
            }
            None => (verify_stored_header(&held.header, &keys, now)?, held.header.clone()),
        };
        // The catalog in force and what it was built from, to patch it.
        let old = inner.catalog.clone();
        let prev = TilesBuilt::of(inner.tiles_built.as_ref(), old.as_ref()).map(|b| b.built.clone());
        let touched = touched(&updates);
        // The heads of the tiles held that the updates name (a delta patches
        // its head; a whole tile's entries replace those its head names), and
        // the old entries of the merchants a delta touches, for the patch.
        let mut replaced: BTreeMap<TileId, Entries> = BTreeMap::new();
        let mut heads: BTreeMap<TileId, TileHead> = BTreeMap::new();
        for id in held.bases(&updates) {
            let version = held.tiles[&id].version;
            let delta = updates.iter().any(|u| u.id == id && u.base != 0);
            let head = match inner.head(id, version) {
                Ok(head) => head,
                // A tile replaced whole needs no base: a head that no longer
                // reads only leaves its entries' rows behind (sealed, cleared
                // with the tiles), never the update refused.
                Err(e) if !delta => {
                    tracing::warn!(tile = %id, error = %e, "a stored tile head is unreadable; replacing the tile whole");
                    continue;
                }
                Err(e) => return Err(e),
            };
            // Not verified again here: a delta's own signature covers the
            // manifest it patches into (a base garbled or signed under a key
            // since rotated away never yields a tile that verifies), and the
            // old entries read below are checked against this head.
            if let (Some(ids), Some(true)) =
                (touched.ids.get(&id), prev.as_ref().map(|p| p.tiles.get(&id).is_some_and(|t| t.version == version)))
            {
                let mut before = Entries::new();
                for (m, hash) in ids.iter().filter_map(|m| Some((m, head.manifest.get(m)?))) {
                    before.insert(m.clone(), inner.entry(id, m, hash)?);
                }
                replaced.insert(id, before);
            }
            heads.insert(id, head);
        }
        let mut fresh = held.apply(&h, stored, updates, asked, &keys, now, &heads).map_err(CatalogError::from)?;
        let region = inner.region_plan(Some(&held), now)?;
        held.mark_needed(&region.keep, now);
        held.evict(&region.evict);
        fresh.retain(|id, _| held.tiles.contains_key(id));
        let order = build_order(&held, &region.keep);
        let (pending, left_out, taken, stats) = match (&prev, &old) {
            (Some(prev), Some(old)) => {
                let input = PatchInput {
                    header: &h,
                    keys: &keys,
                    order: &order,
                    fresh: &fresh,
                    before: &replaced,
                    touched: &touched,
                    prev,
                    old,
                };
                let p = patch(input, &*inner)?;
                (Pending::Patch(p.pending), p.left_out, p.taken, Some(p.stats))
            }
            _ => {
                let b = inner.build_tiles(&h, &order, &fresh)?;
                (Pending::Whole(b.pending), b.left_out, b.taken, None)
            }
        };
        held.evict(&left_out);
        let blob = held.encode();
        let gone: Vec<TileId> = before.iter().filter(|id| !held.tiles.contains_key(id)).copied().collect();
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
            let loaded = match pending {
                Pending::Whole(pending) => {
                    let mut fence_ids = store::catalog::FenceIdAssigner::keyed(ctx.conn, ctx.sealer)?;
                    fence_ids.add(pending.place_ids());
                    prepare_and_save(pending, fence_ids, None, ctx.conn, now)?
                }
                Pending::Patch(pending) => {
                    let ids = store::catalog::fence_ids_of(ctx.conn, ctx.sealer, pending.new_place_ids())?;
                    pending.number_fences(&ids)?
                }
            };
            // Only what changed is written: the entries that arrived, the
            // rows of those a tile no longer holds, and the new heads.
            for (id, arrived) in &fresh {
                let Some(t) = held.tiles.get(id) else { continue };
                let tile = id.to_string();
                if let Some(old) = heads.get(id) {
                    for m in old.manifest.keys().filter(|m| !arrived.head.manifest.contains_key(*m)) {
                        store::tiles::remove_entry(ctx.conn, ctx.sealer, &tile, m)?;
                    }
                }
                for (m, entry) in &arrived.entries {
                    store::tiles::put_entry(ctx.conn, ctx.sealer, &tile, m, entry)?;
                }
                store::tiles::put_head(ctx.conn, ctx.sealer, &tile, t.version, &arrived.head)?;
            }
            for id in &gone {
                store::tiles::remove(ctx.conn, ctx.sealer, &id.to_string())?;
            }
            store::catalog::save_sealed(ctx.conn, ctx.sealer, h.version, &blob, now)?;
            let i = info(&loaded);
            ctx.emit(now, EventKind::tiles_loaded(h.version, fresh.len(), held.tiles.len()));
            ctx.emit(now, EventKind::CatalogLoaded { version: i.version, offers: i.offers, fences: i.fences });
            Ok(loaded)
        })?;
        let loaded = Arc::new(written.value);
        inner.tiles_built = Some(TilesBuilt { built: taken, catalog: Arc::downgrade(&loaded), stats });
        let summary = info(&loaded);
        inner.set_catalog(Some(loaded));
        inner.tiles = Some(held);
        inner.pending.extend(written.events);
        Ok(summary)
    }
}
