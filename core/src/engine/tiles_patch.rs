//! A sync's load of tiles as a patch of the catalog in force (ADR 0012,
//! "Revised: incremental load"): only the merchants a load changes are
//! read (parsed and checked) and merged again; every other merchant is
//! copied from the catalog in force, its places keeping their fence ids
//! and compiled fences. The result is the catalog `tiles_build::build`
//! gives from the same tiles in the same order (the tests compare them
//! whole).
//!
//! Which merchants are read again:
//! - those a delta upserts or removes, in the tiles it patches;
//! - every merchant of a tile new to the build (arrived, or held but not
//!   taken last time) or arrived whole, and every merchant of a tile that
//!   left the build (evicted, left out for the limits, replaced whole);
//! - a merchant held by several tiles whose relative order changed (a
//!   merged merchant keeps the first tile's shared data, so the order
//!   matters for it).
//!
//! A merchant read again is merged from its entries in every tile taken,
//! in build order: from the entries just arrived (their manifest verified
//! as they arrived), else from the store, one entry at a time, each
//! checked against its hash in the tile's manifest (a head read from the
//! store is verified on its own signature first). The tiles' counts for a
//! catalog's limits come from the build before, patched by the entries
//! that changed.

use super::tiles_build::Merging;
use crate::domain::catalog::tiles::{
    merchant_hash, parse_entry, verify_held_tile, Arrived, ArrivedTiles, BuiltTiles, CatalogHeader, Entries, EntryHash,
    TileBody, TileCounts, TileError, TileHead, TileId, TileTaken, Touched,
};
use crate::domain::catalog::{CatalogError, CatalogKeys, Merchant};
use crate::domain::offers::loaded::LoadedCatalog;
use crate::domain::offers::loaded_patch::{PatchBuilder, PendingPatch};
use crate::error::Result;
use crate::policy::{MAX_CATALOG_MERCHANTS, MAX_CATALOG_OFFERS, MAX_CATALOG_PLACES};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What a patch reads, for the tests and the figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PatchStats {
    /// Entries parsed and checked (merchants read again, and the old
    /// entries a delta replaced, for the counts).
    pub entries_read: usize,
    /// Tile heads read from the store (each verified).
    pub heads_read: usize,
    /// Entries read from the store (each checked against its head).
    pub stored_entries_read: usize,
}

/// The tiles held at rest, as a load reads them.
pub(super) trait StoredTiles {
    /// The head of tile `id` as stored at `version` (refused as garbled
    /// when the store holds another version or none).
    fn head(&self, id: TileId, version: u64) -> Result<TileHead>;
    /// Entry `merchant` of tile `id` as stored, checked against `hash`
    /// (refused as garbled when it is not that entry, or missing).
    fn entry(&self, id: TileId, merchant: &str, hash: &EntryHash) -> Result<Vec<u8>>;
}

/// Reads tiles from the store for one load: each head once, verified
/// under the header and keys; entries checked against their heads.
pub(super) struct Reader<'s> {
    store: &'s dyn StoredTiles,
    header: &'s CatalogHeader,
    keys: &'s CatalogKeys,
    heads: BTreeMap<TileId, TileHead>,
    /// What was read.
    pub stats: PatchStats,
}

impl<'s> Reader<'s> {
    /// A reader of `store` checking heads under `header` and `keys`.
    pub(super) fn new(store: &'s dyn StoredTiles, header: &'s CatalogHeader, keys: &'s CatalogKeys) -> Reader<'s> {
        Reader { store, header, keys, heads: BTreeMap::new(), stats: PatchStats::default() }
    }

    /// The head of tile `id` at `version`, read and verified once.
    pub(super) fn head(&mut self, id: TileId, version: u64) -> Result<&TileHead> {
        if !self.heads.contains_key(&id) {
            let head = self.store.head(id, version)?;
            verify_held_tile(self.header, id, version, &head, self.keys).map_err(CatalogError::from)?;
            self.stats.heads_read += 1;
            self.heads.insert(id, head);
        }
        Ok(&self.heads[&id])
    }

    /// Entry `merchant` of tile `id` (at `version`), if the tile holds it:
    /// from what arrived, else from the store.
    fn entry(
        &mut self,
        id: TileId,
        version: u64,
        arrived: Option<&Arrived>,
        merchant: &str,
    ) -> Result<Option<Vec<u8>>> {
        if let Some(e) = arrived.and_then(|a| a.entries.get(merchant)) {
            return Ok(Some(e.clone()));
        }
        let hash = match arrived {
            Some(a) => a.head.manifest.get(merchant).copied(),
            None => self.head(id, version)?.manifest.get(merchant).copied(),
        };
        let Some(hash) = hash else { return Ok(None) };
        self.stats.stored_entries_read += 1;
        self.store.entry(id, merchant, &hash).map(Some)
    }

    /// The whole of tile `id` at `version`: what `arrived` (completed from
    /// the store when it was a delta), else its head and entries as stored.
    pub(super) fn body(&mut self, id: TileId, version: u64, arrived: Option<&Arrived>) -> Result<TileBody> {
        let (head, mut entries) = match arrived {
            Some(a) if a.whole => return Ok(TileBody { head: a.head.clone(), entries: a.entries.clone() }),
            Some(a) => (a.head.clone(), a.entries.clone()),
            None => (self.head(id, version)?.clone(), Entries::new()),
        };
        for (m, hash) in &head.manifest {
            if !entries.contains_key(m) {
                self.stats.stored_entries_read += 1;
                entries.insert(m.clone(), self.store.entry(id, m, hash)?);
            }
        }
        Ok(TileBody { head, entries })
    }
}

/// What a load patches the catalog in force with.
pub(super) struct PatchInput<'a> {
    /// The header in force after the load.
    pub header: &'a CatalogHeader,
    /// The catalog keys.
    pub keys: &'a CatalogKeys,
    /// The tiles held, in build order, with their versions.
    pub order: &'a [(TileId, u64)],
    /// The tiles that arrived (verified).
    pub fresh: &'a ArrivedTiles,
    /// For each tile a delta patched onto the version the catalog in force
    /// was built with: the old entries of the merchants it touched.
    pub before: &'a BTreeMap<TileId, Entries>,
    /// The merchant ids the updates touched.
    pub touched: &'a Touched,
    /// What the catalog in force was built from.
    pub prev: &'a BuiltTiles,
    /// The catalog in force.
    pub old: &'a LoadedCatalog,
}

/// A patched catalog (its new places without fence ids yet), the tiles
/// left out for the limits and what it was built from.
pub(super) struct Patched<'o> {
    /// The catalog.
    pub pending: PendingPatch<'o>,
    /// Tiles left out (over the limits), to evict.
    pub left_out: Vec<TileId>,
    /// What it was built from.
    pub taken: BuiltTiles,
    /// What was read.
    pub stats: PatchStats,
}

fn invalid(tile: TileId, e: CatalogError) -> CatalogError {
    TileError::InvalidTile { tile, reason: e.to_string() }.into()
}

/// Every entry of `body` (tile `id`), read and checked.
fn parse_all(id: TileId, body: &TileBody, stats: &mut PatchStats) -> Result<BTreeMap<String, Merchant>> {
    stats.entries_read += body.entries.len();
    let holds = |m: &str| body.entries.contains_key(m);
    let mut out = BTreeMap::new();
    for (m, e) in &body.entries {
        out.insert(m.clone(), parse_entry(e, &holds).map_err(|e| invalid(id, e))?);
    }
    Ok(out)
}

/// The counts of `merchants`.
fn counts<'m>(merchants: impl Iterator<Item = &'m Merchant>) -> TileCounts {
    merchants.fold(TileCounts::default(), |c, m| c.plus(TileCounts::of(m)))
}

/// Patches `input.old` into the catalog of `input.order`'s tiles (see the
/// module's doc), reading what it needs of the tiles at rest from `store`.
pub(super) fn patch<'o>(input: PatchInput<'o>, store: &dyn StoredTiles) -> Result<Patched<'o>> {
    let PatchInput { header, keys, order, fresh, before, touched, prev, old } = input;
    let mut reader = Reader::new(store, header, keys);
    let mut stats = PatchStats::default();
    // The tiles taken, within a catalog's limits, as `tiles_build::build`.
    let mut taken = BuiltTiles::default();
    // Merchants already read, by tile; tiles whose every merchant is read.
    let mut parsed: BTreeMap<TileId, BTreeMap<String, Merchant>> = BTreeMap::new();
    let mut whole: BTreeSet<TileId> = BTreeSet::new();
    let mut left_out = Vec::new();
    let mut total = TileCounts::default();
    for &(id, version) in order {
        if !left_out.is_empty() {
            left_out.push(id);
            continue;
        }
        let mut read_whole = false;
        let (tile, read_now) = match (fresh.get(&id), prev.tiles.get(&id), before.get(&id)) {
            (Some(arrived), Some(p), Some(old_entries)) if !arrived.whole => {
                let manifest = &arrived.head.manifest;
                let holds = |m: &str| manifest.contains_key(m);
                let mut now = BTreeMap::new();
                let mut gone = TileCounts::default();
                for m in touched.ids.get(&id).into_iter().flatten() {
                    if let Some(e) = old_entries.get(m) {
                        let was: Merchant = serde_json::from_slice(e)
                            .map_err(|e| invalid(id, CatalogError::at("merchants", e.to_string())))?;
                        gone = gone.plus(TileCounts::of(&was));
                        stats.entries_read += 1;
                    }
                    if let Some(e) = arrived.entries.get(m) {
                        now.insert(m.clone(), parse_entry(e, &holds).map_err(|e| invalid(id, e))?);
                        stats.entries_read += 1;
                    }
                }
                let c = p.counts.minus(gone).plus(counts(now.values()));
                (TileTaken::new(version, c, manifest.keys()), now)
            }
            (None, Some(p), _) if p.version == version => (p.clone(), BTreeMap::new()),
            (arrived, _, _) => {
                let body = reader.body(id, version, arrived)?;
                let all = parse_all(id, &body, &mut stats)?;
                read_whole = true;
                (TileTaken::new(version, counts(all.values()), body.entries.keys()), all)
            }
        };
        let c = tile.counts;
        let over = total.merchants + c.merchants > MAX_CATALOG_MERCHANTS
            || total.places + c.places > MAX_CATALOG_PLACES
            || total.offers + c.offers > MAX_CATALOG_OFFERS;
        if over && !taken.order.is_empty() {
            left_out.push(id);
            continue;
        }
        if over {
            return Err(super::tiles_build::alone_over_limits(id, c).into());
        }
        total = total.plus(c);
        if read_whole {
            whole.insert(id);
        }
        taken.order.push(id);
        taken.tiles.insert(id, tile);
        parsed.insert(id, read_now);
    }

    // Merchants of tiles that left the build or were read whole (their
    // earlier merchants may be gone), by hash.
    let mut hashes: HashSet<u64> = HashSet::new();
    for (id, p) in &prev.tiles {
        if !taken.tiles.contains_key(id) || whole.contains(id) {
            hashes.extend(p.merchants.iter().copied());
        }
    }
    // A merchant in several tiles kept whose relative order changed (its
    // merged form keeps the first tile's shared data): walking the tiles
    // in the new order, a tile that came before the last one holding the
    // merchant in the old order.
    let kept = |order: &[TileId]| -> Vec<TileId> {
        order
            .iter()
            .filter(|id| prev.tiles.contains_key(*id) && taken.tiles.contains_key(*id) && !whole.contains(*id))
            .copied()
            .collect()
    };
    let kept_now = kept(&taken.order);
    if kept(&prev.order) != kept_now {
        let prev_position: HashMap<TileId, usize> = prev.order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut last: HashMap<u64, usize> = HashMap::new();
        for id in &kept_now {
            let at = prev_position[id];
            for &h in taken.tiles[id].merchants.iter() {
                if last.insert(h, at).is_some_and(|before| before > at) {
                    hashes.insert(h);
                }
            }
        }
    }
    // The merchant ids to read again.
    let mut again: BTreeSet<String> = BTreeSet::new();
    for (id, ids) in &touched.ids {
        if taken.tiles.contains_key(id) || prev.tiles.contains_key(id) {
            again.extend(ids.iter().cloned());
        }
    }
    for id in &whole {
        again.extend(parsed[id].keys().cloned());
    }
    let builder = PatchBuilder::new(old);
    if !hashes.is_empty() {
        again.extend(builder.old_merchant_ids().filter(|m| hashes.contains(&merchant_hash(m))).map(str::to_owned));
    }
    let again_hashed: Vec<(u64, &str)> = again.iter().map(|m| (merchant_hash(m), m.as_str())).collect();

    // Each merchant read again, merged from every tile taken, in order.
    let mut merging = Merging::default();
    for id in &taken.order {
        let t = &taken.tiles[id];
        let mut done = parsed.remove(id).unwrap_or_default();
        for &(h, m) in &again_hashed {
            if !t.holds(h) {
                continue;
            }
            if let Some(merchant) = done.remove(m) {
                merging.add(merchant);
                continue;
            }
            if whole.contains(id) {
                continue; // every merchant it holds was read above
            }
            let arrived = fresh.get(id);
            if let Some(e) = reader.entry(*id, t.version, arrived, m)? {
                stats.entries_read += 1;
                let manifest = match arrived {
                    Some(a) => &a.head.manifest,
                    None => &reader.head(*id, t.version)?.manifest,
                };
                let holds = |m: &str| manifest.contains_key(m);
                merging.add(parse_entry(&e, &holds).map_err(|e| invalid(*id, e))?);
            }
        }
    }
    stats.heads_read = reader.stats.heads_read;
    stats.stored_entries_read = reader.stats.stored_entries_read;
    let merged: Vec<Merchant> = merging.finish().collect();

    // Every merchant in id order: copied unless read again.
    let mut builder = builder;
    let old_ids: Vec<&str> = builder.old_merchant_ids().collect();
    let mut seen: HashSet<&str> = HashSet::with_capacity(old.index.len());
    let (mut i, mut j) = (0, 0);
    while i < old_ids.len() || j < merged.len() {
        let copy = match (old_ids.get(i), merged.get(j)) {
            (Some(o), Some(m)) => *o < m.id.as_str(),
            (Some(_), None) => true,
            _ => false,
        };
        if copy {
            let mi = i;
            i += 1;
            if again.contains(old_ids[mi]) {
                continue;
            }
            if let Some(p) = builder.old_place_ids(mi).find(|p| !seen.insert(*p)) {
                return Err(super::tiles_build::place_twice(old_ids[mi], p).into());
            }
            builder.copy_merchant(mi);
        } else {
            let m = &merged[j];
            j += 1;
            if old_ids.get(i) == Some(&m.id.as_str()) {
                i += 1;
            }
            if let Some(p) = m.places.iter().find(|p| !seen.insert(p.id.as_str())) {
                return Err(super::tiles_build::place_twice(&m.id, &p.id).into());
            }
            builder.add_merchant(m);
        }
    }
    let pending = builder.finish(header.version, header.issued_at, header.expires_at);
    Ok(Patched { pending, left_out, taken, stats })
}
