//! The phone's region (ADR 0012, "The phone's region"): the tiles it
//! needs, ranked, and which of them fit the catalog-memory budget.
//!
//! Tiles are ranked by their distance (from the anchor to the nearest
//! point of the tile) from the current position, home, work and the
//! routine places, nearest first, the anchor's rank breaking ties (so the
//! current position's own tile always comes first); then the tiles crossed
//! in the last day, newest first. The ranked tiles are kept nearest-first
//! until the budget is full: in a dense city the region's radius shrinks,
//! in the countryside it reaches the configured radius. A needed tile
//! beyond the budget is not requested; held tiles that are no longer
//! needed keep what room is left, least recently needed first, and are
//! evicted beyond it.

use super::grid::{LatLonBox, TileId};
use crate::domain::geo::distance_m;
use crate::domain::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// What a point of the region is, in rank order: at equal distance a tile
/// near an earlier anchor comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Anchor {
    /// The current position (its own tile is never evicted).
    Position,
    /// Home.
    Home,
    /// Work.
    Work,
    /// Any other learned place (the places of the routines).
    Routine,
}

/// A point the region is drawn around.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnchorPoint {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// What the point is.
    pub anchor: Anchor,
}

/// Distance from `lat`, `lon` to the nearest point of `tile`, in metres (0
/// inside it).
fn distance_to_tile(lat: f64, lon: f64, tile: TileId) -> f64 {
    let (c_lat, c_lon) = tile.centre();
    let half = f64::from(crate::policy::TILE_CELL_MICRODEG) / 2e6;
    let near_lat = lat.clamp(c_lat - half, c_lat + half);
    // Longitudes compared across the antimeridian.
    let d_lon = (lon - c_lon + 540.0).rem_euclid(360.0) - 180.0;
    let near_lon = c_lon + d_lon.clamp(-half, half);
    distance_m(lat, lon, near_lat, near_lon)
}

/// The tiles needed, most needed first, each once: the tiles within
/// `radius_m` of each anchor ranked by (distance, anchor), then the
/// `crossed` tiles (newest first) not already ranked.
pub fn rank(anchors: &[AnchorPoint], crossed: &[TileId], radius_m: f64) -> Vec<TileId> {
    let mut best: BTreeMap<TileId, (f64, Anchor)> = BTreeMap::new();
    for a in anchors {
        for tile in LatLonBox::around(a.lat, a.lon, radius_m).tiles() {
            let d = distance_to_tile(a.lat, a.lon, tile);
            if d > radius_m {
                continue;
            }
            let key = (d, a.anchor);
            best.entry(tile)
                .and_modify(|k| {
                    if key.0.total_cmp(&k.0).then(key.1.cmp(&k.1)).is_lt() {
                        *k = key;
                    }
                })
                .or_insert(key);
        }
    }
    let mut ranked: Vec<(f64, Anchor, TileId)> = best.into_iter().map(|(t, (d, a))| (d, a, t)).collect();
    ranked.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut seen: BTreeSet<TileId> = ranked.iter().map(|r| r.2).collect();
    let mut out: Vec<TileId> = ranked.into_iter().map(|r| r.2).collect();
    out.extend(crossed.iter().filter(|t| seen.insert(**t)));
    out
}

/// A tile held, as the budget sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldCost {
    /// Its catalog-memory cost (see [`crate::policy::TILE_MEMORY_BUDGET_BYTES`]).
    pub cost: u64,
    /// When it was last needed.
    pub last_needed: Timestamp,
}

/// What the budget decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionPlan {
    /// The needed tiles that fit, most needed first (held or to request).
    pub keep: Vec<TileId>,
    /// The needed tiles that fit and are not held: what to ask for.
    pub request: Vec<TileId>,
    /// Held tiles to evict: needed ones beyond the budget, then those no
    /// longer needed, least recently needed first, beyond what room is left.
    pub evict: Vec<TileId>,
    /// The needed tiles beyond the budget (neither kept nor requested).
    pub beyond: Vec<TileId>,
}

/// Fits `ranked` tiles (most needed first) into `budget`: a held tile
/// costs what `held` says, a tile not held `guess`. The first ranked tile
/// (the current position's) is always kept, even over the budget; then
/// tiles are kept in rank order until one does not fit (nearest-first: a
/// smaller tile further out does not jump the queue, so the region stays a
/// disc). Held tiles not needed fill what room is left, most recently
/// needed first; the rest are evicted.
pub fn plan(ranked: &[TileId], held: &BTreeMap<TileId, HeldCost>, guess: u64, budget: u64) -> RegionPlan {
    let mut out = RegionPlan::default();
    let mut used: u64 = 0;
    let mut full = false;
    for (i, &tile) in ranked.iter().enumerate() {
        let cost = held.get(&tile).map_or(guess, |h| h.cost);
        if !full && (i == 0 || used.saturating_add(cost) <= budget) {
            used = used.saturating_add(cost);
            out.keep.push(tile);
            if !held.contains_key(&tile) {
                out.request.push(tile);
            }
        } else {
            full = true;
            out.beyond.push(tile);
        }
    }
    let needed: BTreeSet<TileId> = ranked.iter().copied().collect();
    out.evict.extend(out.beyond.iter().filter(|t| held.contains_key(t)));
    let mut rest: Vec<(Timestamp, TileId, u64)> =
        held.iter().filter(|(t, _)| !needed.contains(t)).map(|(t, h)| (h.last_needed, *t, h.cost)).collect();
    rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, tile, cost) in rest {
        if !full && used.saturating_add(cost) <= budget {
            used += cost;
        } else {
            full = true;
            out.evict.push(tile);
        }
    }
    out
}

/// The distance from `lat`, `lon` to the farthest of `tiles`' nearest
/// points: the region's radius around that point, in metres.
pub fn reach_m(lat: f64, lon: f64, tiles: &[TileId]) -> f64 {
    tiles.iter().map(|t| distance_to_tile(lat, lon, *t)).fold(0.0, f64::max)
}

#[cfg(test)]
#[path = "region_tests.rs"]
mod tests;
