//! Tiled catalogs in the engine (ADR 0012): which tiles the phone needs,
//! taking tiles under a verified manifest, building the one catalog the
//! engine evaluates from the tiles held, and restoring them at open.
//!
//! The region (`domain::catalog::tiles::region`): the tiles within the
//! configured radius of the current position, home, work and every other
//! learned place, ranked nearest first, then the tiles of every fix of the
//! last day (the tiles entered along the way, asked for at the next sync,
//! never per fix); kept in rank order while the catalog-memory budget
//! ([`TILE_MEMORY_BUDGET_BYTES`]) lasts. A needed tile beyond the budget is
//! not asked for; held tiles no longer needed keep the room left, least
//! recently needed evicted first.

use super::offers_api::{info, prepare, prepare_and_save};
use super::tiles_build::{build, Built};
use super::{ApiResult, CatalogInfo, Engine, Inner};
use crate::domain::catalog::tiles::{
    plan, rank, verify_manifest, Anchor, AnchorPoint, HeldCost, HeldTiles, PackedTile, RegionPlan, TileError, TileId,
    TileManifest,
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
use std::sync::Arc;

/// The tiles a phone holds, in brief.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilesInfo {
    /// The manifest's version.
    pub manifest_version: u64,
    /// The ids of the tiles held (`r<row>c<col>`), in order.
    pub held: Vec<String>,
    /// Bytes of the held tiles (kept in the store, not in memory).
    pub document_bytes: u64,
    /// Heap bytes of the catalog the engine evaluates (built from the
    /// tiles held): the catalog's memory.
    pub catalog_memory_bytes: u64,
}

/// The tiles held that the manifest lists at another version, and the
/// needed tiles it lists that are not held: what a delta request asks for,
/// with the version held (0 for none).
pub(crate) fn wanted(
    held: Option<&HeldTiles>,
    manifest: &TileManifest,
    needed: &BTreeSet<TileId>,
) -> Vec<(TileId, u64)> {
    needed
        .iter()
        .filter_map(|id| {
            let listed = manifest.tiles.get(id)?;
            let have = held.and_then(|h| h.tiles.get(id)).map(|t| t.version);
            (have != Some(listed.version)).then_some((*id, have.unwrap_or(0)))
        })
        .collect()
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

    /// Builds the evaluated catalog of `order`'s tiles under `manifest`,
    /// the bytes of each from `fresh` when it just arrived, else from the
    /// store.
    fn build_tiles(
        &self,
        manifest: &TileManifest,
        order: &[(TileId, u64)],
        fresh: &BTreeMap<TileId, Vec<u8>>,
    ) -> Result<Built> {
        let conn = &self.conn;
        let tiles = order.iter().map(|&(id, version)| {
            if let Some(bytes) = fresh.get(&id) {
                return Ok((id, version, bytes.clone()));
            }
            match store::tiles::get(conn, &id.to_string())? {
                Some((v, bytes)) if v == version => Ok((id, version, bytes)),
                _ => Err(CatalogError::from(TileError::BadStored).into()),
            }
        });
        build(manifest, tiles)
    }

    /// Reloads held tiles at open: `None` when the stored catalog is not
    /// tiled, or its tiles no longer verify (keys rotated away, expired,
    /// bytes missing from the store).
    pub(super) fn restore_tiles(&mut self) -> Result<Option<Arc<LoadedCatalog>>> {
        let Some((stored, loaded_at)) = store::catalog::load(&self.conn)? else { return Ok(None) };
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
        let manifest = match crate::domain::catalog::tiles::verify_stored_manifest(&held.manifest, &self.keys, now) {
            Ok(m) => m,
            Err(e) => {
                unusable(&e);
                return Ok(None);
            }
        };
        let region = self.region_plan(Some(&held), now)?;
        let built = match self.build_tiles(&manifest, &build_order(&held, &region.keep), &BTreeMap::new()) {
            Ok(built) => built,
            Err(crate::error::Error::Catalog(e)) => {
                unusable(&e);
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        // Tiles left out for the limits stay held until the next load
        // evicts them; the catalog in force is built without them.
        let loaded = prepare(&self.conn, built.pending)?;
        self.tiles = Some(held);
        Ok(Some(Arc::new(loaded)))
    }
}

impl Engine {
    /// The tiles held, when the catalog in force is tiled.
    pub fn catalog_tiles(&self) -> Option<TilesInfo> {
        let inner = self.lock();
        let held = inner.tiles.as_ref()?;
        let manifest = crate::domain::catalog::tiles::verify_stored_manifest(
            &held.manifest,
            &inner.keys,
            inner.st.clock.unwrap_or(Timestamp(0)),
        );
        Some(TilesInfo {
            manifest_version: manifest.map_or(0, |m| m.version),
            held: held.tiles.keys().map(ToString::to_string).collect(),
            document_bytes: held.document_bytes() as u64,
            catalog_memory_bytes: inner.catalog.as_ref().map_or(0, |c| c.heap_bytes() as u64),
        })
    }

    /// The tiles needed at `now` that fit the budget (see the module's doc).
    pub(crate) fn needed_tiles(&self, now: Timestamp) -> Result<BTreeSet<TileId>> {
        self.lock().needed_tiles(now)
    }

    /// The keys catalogs (and tile manifests) may be signed with.
    pub(crate) fn catalog_keys(&self) -> crate::domain::catalog::CatalogKeys {
        self.lock().keys.clone()
    }

    /// The tiles held (for the sync's delta request).
    pub(crate) fn held_tiles(&self) -> Option<HeldTiles> {
        self.lock().tiles.clone()
    }

    /// Takes `tiles` under the signed `manifest` envelope (or, with `None`,
    /// under the manifest of the tiles held) and puts the catalog built
    /// from the tiles held in force, atomically. Refused whole (the catalog
    /// in force stays) when the manifest does not verify or is older than
    /// the catalog version held or ever loaded under its key, or a tile is
    /// not listed, does not hash to its entry, or is older than the one
    /// held. Then the region's budget ([`TILE_MEMORY_BUDGET_BYTES`])
    /// decides which tiles stay (see the module's doc); only the tiles that
    /// arrived or left are written to (or removed from) the store.
    pub fn load_tiles(
        &self,
        manifest: Option<&[u8]>,
        tiles: Vec<PackedTile>,
        now: Timestamp,
    ) -> ApiResult<CatalogInfo> {
        Ok(self.load_tiles_inner(manifest, tiles, now)?)
    }

    fn load_tiles_inner(&self, manifest: Option<&[u8]>, tiles: Vec<PackedTile>, now: Timestamp) -> Result<CatalogInfo> {
        let mut inner = self.lock();
        let keys = inner.keys.clone();
        let before: BTreeSet<TileId> =
            inner.tiles.as_ref().map(|h| h.tiles.keys().copied().collect()).unwrap_or_default();
        let mut held = inner.tiles.clone().unwrap_or_default();
        let (m, stored) = match manifest {
            Some(envelope) => verify_manifest(envelope, &keys, now)?,
            None if held.manifest.is_empty() => {
                return Err(CatalogError::MalformedEnvelope { reason: "no tile manifest is held".into() }.into())
            }
            None => {
                let m = crate::domain::catalog::tiles::verify_stored_manifest(&held.manifest, &keys, now)?;
                (m, held.manifest.clone())
            }
        };
        let accepted = held.accept(&m, stored, tiles, now).map_err(CatalogError::from)?;
        let region = inner.region_plan(Some(&held), now)?;
        held.mark_needed(&region.keep, now);
        held.evict(&region.evict);
        let fresh: BTreeMap<TileId, Vec<u8>> =
            accepted.into_iter().filter(|t| held.tiles.contains_key(&t.id)).map(|t| (t.id, t.document)).collect();
        let built = inner.build_tiles(&m, &build_order(&held, &region.keep), &fresh)?;
        held.evict(&built.left_out);
        let blob = held.encode();
        let gone: Vec<TileId> = before.iter().filter(|id| !held.tiles.contains_key(id)).copied().collect();
        let in_force = inner.catalog.as_ref().map(|c| c.version);
        let pending = built.pending;
        let written = inner.write(|ctx| {
            let key_id = signing_key_id(&held.manifest).ok_or_else(|| CatalogError::MalformedEnvelope {
                reason: "the verified manifest does not name its key".into(),
            })?;
            let highest = store::catalog::highest_version(ctx.conn, key_id)?;
            if let Some(current) = highest.max(in_force) {
                if m.version < current {
                    return Err(CatalogError::Rollback { offered: m.version, current }.into());
                }
            }
            store::catalog::raise_highest_version(ctx.conn, key_id, m.version)?;
            let mut fence_ids = store::catalog::FenceIdAssigner::new(ctx.conn)?;
            fence_ids.add(pending.place_ids());
            let loaded = prepare_and_save(pending, fence_ids, None, ctx.conn, now)?;
            for (id, bytes) in &fresh {
                if let Some(t) = held.tiles.get(id) {
                    store::tiles::put(ctx.conn, &id.to_string(), t.version, bytes)?;
                }
            }
            for id in &gone {
                store::tiles::remove(ctx.conn, &id.to_string())?;
            }
            store::catalog::save(ctx.conn, m.version, &blob, now)?;
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
