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
//! in build order: from the bodies just arrived (verified as they
//! arrived), else from the store, each body read verified on its own
//! signature first. The tiles' counts for a catalog's limits come from
//! the build before, patched by the entries that changed.

use super::tiles_build::Merging;
use crate::domain::catalog::tiles::{
    merchant_hash, parse_entry, verify_held_tile, BuiltTiles, CatalogHeader, Entries, TileBodies, TileBody, TileCounts,
    TileError, TileId, TileTaken, Touched,
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
    /// Tile bodies read from the store (each verified).
    pub bodies_read: usize,
}

/// What a load patches the catalog in force with.
pub(super) struct PatchInput<'a> {
    /// The header in force after the load.
    pub header: &'a CatalogHeader,
    /// The catalog keys.
    pub keys: &'a CatalogKeys,
    /// The tiles held, in build order, with their versions.
    pub order: &'a [(TileId, u64)],
    /// The bodies of the tiles that arrived (verified).
    pub fresh: &'a TileBodies,
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
    let mut out = BTreeMap::new();
    for (m, e) in &body.entries {
        out.insert(m.clone(), parse_entry(e, &body.entries).map_err(|e| invalid(id, e))?);
    }
    Ok(out)
}

/// The counts of `merchants`.
fn counts<'m>(merchants: impl Iterator<Item = &'m Merchant>) -> TileCounts {
    merchants.fold(TileCounts::default(), |c, m| c.plus(TileCounts::of(m)))
}

/// Patches `input.old` into the catalog of `input.order`'s tiles (see the
/// module's doc); `read` reads a tile's body from the store.
pub(super) fn patch<'o>(
    input: PatchInput<'o>,
    read: &mut dyn FnMut(TileId, u64) -> Result<TileBody>,
) -> Result<Patched<'o>> {
    let PatchInput { header, keys, order, fresh, before, touched, prev, old } = input;
    let mut stats = PatchStats::default();
    let mut stored: BTreeMap<TileId, TileBody> = BTreeMap::new();
    let mut read_verified = |id: TileId, version: u64, stats: &mut PatchStats| -> Result<TileBody> {
        let body = read(id, version)?;
        verify_held_tile(header, id, version, &body, keys).map_err(CatalogError::from)?;
        stats.bodies_read += 1;
        Ok(body)
    };
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
            (Some(body), Some(p), Some(old_entries)) if !touched.whole.contains(&id) => {
                let mut now = BTreeMap::new();
                let mut gone = TileCounts::default();
                for m in touched.ids.get(&id).into_iter().flatten() {
                    if let Some(e) = old_entries.get(m) {
                        let was: Merchant = serde_json::from_slice(e)
                            .map_err(|e| invalid(id, CatalogError::at("merchants", e.to_string())))?;
                        gone = gone.plus(TileCounts::of(&was));
                        stats.entries_read += 1;
                    }
                    if let Some(e) = body.entries.get(m) {
                        now.insert(m.clone(), parse_entry(e, &body.entries).map_err(|e| invalid(id, e))?);
                        stats.entries_read += 1;
                    }
                }
                let c = p.counts.minus(gone).plus(counts(now.values()));
                (TileTaken::new(version, c, &body.entries), now)
            }
            (Some(body), _, _) => {
                let all = parse_all(id, body, &mut stats)?;
                read_whole = true;
                (TileTaken::new(version, counts(all.values()), &body.entries), all)
            }
            (None, Some(p), _) if p.version == version => (p.clone(), BTreeMap::new()),
            (None, _, _) => {
                let body = read_verified(id, version, &mut stats)?;
                let all = parse_all(id, &body, &mut stats)?;
                read_whole = true;
                let t = TileTaken::new(version, counts(all.values()), &body.entries);
                stored.insert(id, body);
                (t, all)
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
            if !fresh.contains_key(id) && !stored.contains_key(id) {
                let body = read_verified(*id, t.version, &mut stats)?;
                stored.insert(*id, body);
            }
            let body = fresh.get(id).or_else(|| stored.get(id)).expect("read above");
            if let Some(e) = body.entries.get(m) {
                stats.entries_read += 1;
                merging.add(parse_entry(e, &body.entries).map_err(|e| invalid(*id, e))?);
            }
        }
    }
    drop(stored);
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
