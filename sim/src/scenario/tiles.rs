//! Tiled catalogs and syncs during the replay (`[catalog] tiles = true`,
//! `[[sync]]`; ADR 0012). The embedded backend publishes the catalog as
//! tiles; the engine loads nothing whole and fetches its region's tiles at
//! each `[[sync]]` (a `tiles_loaded` line says when they arrived). While
//! the replay goes on, a `tile_not_held` line marks each time the phone
//! enters a tile it does not hold in which the catalog has places: the
//! reason nothing fires there until a sync brings it.

use super::catalog::CatalogPlan;
use super::file::SyncFile;
use super::resolver::Resolver;
use super::Scenario;
use crate::timeline::Line;
use kairos_core::catalog::tiles::{LatLonBox, TileId};
use kairos_core::{Engine, Timestamp};
use serde_json::{json, Map};
use std::collections::BTreeMap;

/// The kind of the simulator's line for a tile entered and not held.
pub const NOT_HELD_KIND: &str = "tile_not_held";

/// Why a scenario of a tiled catalog is replayed dense only.
pub const DENSE_ONLY: &str = "its catalog is served as tiles ([catalog] tiles = true), and the adaptive replay's \
                              sensing plan is computed with the catalog loaded whole";

/// `[[sync]]`, resolved and in time order; a tiled catalog needs one at
/// least (its tiles arrive only at a sync).
pub(super) fn syncs(
    entries: &[SyncFile],
    r: &Resolver<'_>,
    catalog: Option<&CatalogPlan>,
) -> Result<Vec<Timestamp>, String> {
    let mut at = Vec::with_capacity(entries.len());
    for (i, s) in entries.iter().enumerate() {
        at.push(r.time(&s.at).map_err(|e| format!("[[sync]] {}: at: {e}", i + 1))?);
    }
    at.sort();
    if catalog.is_some_and(|c| c.tiles.is_some()) && at.is_empty() {
        return Err("[catalog] tiles = true needs at least one [[sync]]: the phone receives its tiles at a sync".into());
    }
    Ok(at)
}

/// Watches the fixes of a tiled run for tiles entered and not held.
pub struct TileWatch {
    /// Each tile the catalog has places in (a place's fence's box), with
    /// the ids of those places.
    places: BTreeMap<TileId, Vec<String>>,
    /// Each fix's tile, by delivery time.
    fixes: Vec<(Timestamp, Timestamp, TileId)>,
    /// The next fix to look at.
    next: usize,
    /// The tile of the last fix looked at.
    last: Option<TileId>,
}

impl TileWatch {
    /// A watch for `sc`, or `None` when its catalog is not tiled.
    pub fn new(sc: &Scenario) -> Option<TileWatch> {
        let plan = sc.catalog.as_ref().filter(|c| c.tiles.is_some())?;
        let mut places: BTreeMap<TileId, Vec<String>> = BTreeMap::new();
        for p in plan.catalog.merchants.iter().flat_map(|m| &m.places) {
            for tile in LatLonBox::of_fence(&p.fence, 0.0).tiles() {
                places.entry(tile).or_default().push(p.id.clone());
            }
        }
        let mut fixes: Vec<(Timestamp, Timestamp, TileId)> = sc
            .fixes
            .iter()
            .zip(&sc.fix_delivery)
            .map(|(f, delivered)| (*delivered, f.at, TileId::of(f.lat, f.lon)))
            .collect();
        fixes.sort_by_key(|(delivered, at, _)| (*delivered, *at));
        Some(TileWatch { places, fixes, next: 0, last: None })
    }

    /// A `tile_not_held` line for each tile with catalog places that the
    /// fixes delivered up to `t` entered while `engine` did not hold it.
    pub fn lines(&mut self, engine: &Engine, t: Timestamp) -> Vec<Line> {
        let mut out = Vec::new();
        while let Some(&(delivered, at, tile)) = self.fixes.get(self.next) {
            if delivered > t {
                break;
            }
            self.next += 1;
            if self.last == Some(tile) {
                continue;
            }
            self.last = Some(tile);
            let Some(places) = self.places.get(&tile) else { continue };
            let held = engine.catalog_tiles().map(|h| h.held).unwrap_or_default();
            let id = tile.to_string();
            if held.contains(&id) {
                continue;
            }
            let mut fields = Map::new();
            fields.insert("tile".into(), json!(id));
            fields.insert("places".into(), json!(places.join(",")));
            fields.insert("tiles_held".into(), json!(held.len()));
            out.push(Line::sim(at, NOT_HELD_KIND, fields));
        }
        out
    }
}
