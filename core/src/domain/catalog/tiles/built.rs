//! What the catalog in force was built from (ADR 0012, "Revised:
//! incremental load"), so that a sync's load patches it instead of
//! rebuilding it from every tile held: the tiles taken, in build order,
//! each with its version, its counts (for a catalog's limits) and the
//! hashes of its merchants' ids (which merchants a tile that leaves or is
//! replaced takes with it, and which tiles hold a merchant that changed).
//! Eight bytes a merchant a tile; no merchant's JSON or parsed form is
//! kept.
//!
//! Also what a load needs beside it: the merchant ids an update touches
//! ([`touched`]) and one entry read and checked on its own
//! ([`parse_entry`]).

use super::grid::TileId;
use super::pack::TileUpdate;
use super::signed::entry_merchant_id;
use crate::domain::catalog::doc_path::DocPath;
use crate::domain::catalog::validate::{check_id, check_merchant, check_offer, PlaceIndex};
use crate::domain::catalog::{CatalogError, Merchant};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hash::BuildHasher;

/// The hash a merchant id is known by in [`TileTaken::merchants`] (a
/// collision only makes a merchant be read again, never left out).
pub fn merchant_hash(id: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0).hash_one(id)
}

/// Counts of a tile's entries (the build's limits add them up).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TileCounts {
    /// Merchants (entries).
    pub merchants: usize,
    /// Places, over its merchants.
    pub places: usize,
    /// Offers, over its merchants.
    pub offers: usize,
}

impl TileCounts {
    /// The counts of merchant `m`, one entry.
    pub fn of(m: &Merchant) -> TileCounts {
        TileCounts { merchants: 1, places: m.places.len(), offers: m.offers.len() }
    }

    /// `self` with `other` added.
    pub fn plus(self, other: TileCounts) -> TileCounts {
        TileCounts {
            merchants: self.merchants + other.merchants,
            places: self.places + other.places,
            offers: self.offers + other.offers,
        }
    }

    /// `self` without `other` (saturating: never below zero).
    pub fn minus(self, other: TileCounts) -> TileCounts {
        TileCounts {
            merchants: self.merchants.saturating_sub(other.merchants),
            places: self.places.saturating_sub(other.places),
            offers: self.offers.saturating_sub(other.offers),
        }
    }
}

/// One tile the catalog in force was built with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileTaken {
    /// Its version.
    pub version: u64,
    /// Its counts.
    pub counts: TileCounts,
    /// The hashes of its merchants' ids ([`merchant_hash`]), sorted.
    pub merchants: Box<[u64]>,
}

impl TileTaken {
    /// A tile at `version` with `counts` and the merchants `merchant_ids`.
    pub fn new<'a>(version: u64, counts: TileCounts, merchant_ids: impl IntoIterator<Item = &'a String>) -> TileTaken {
        let mut merchants: Vec<u64> = merchant_ids.into_iter().map(|m| merchant_hash(m)).collect();
        merchants.sort_unstable();
        TileTaken { version, counts, merchants: merchants.into_boxed_slice() }
    }

    /// Whether it (may) hold the merchant of hash `hash`.
    pub fn holds(&self, hash: u64) -> bool {
        self.merchants.binary_search(&hash).is_ok()
    }
}

/// The tiles the catalog in force was built with, in build order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuiltTiles {
    /// The tiles, in the order they were taken.
    pub order: Vec<TileId>,
    /// Each tile taken.
    pub tiles: BTreeMap<TileId, TileTaken>,
}

impl BuiltTiles {
    /// Heap bytes held (counted in the catalog's memory).
    pub fn heap_bytes(&self) -> usize {
        self.order.capacity() * std::mem::size_of::<TileId>()
            + self.tiles.len() * (std::mem::size_of::<(TileId, TileTaken)>() + 16)
            + self.tiles.values().map(|t| t.merchants.len() * 8).sum::<usize>()
    }
}

/// The merchant ids `updates` touch: per tile, the ids a delta upserts or
/// removes, or, for a whole tile, every id it holds (whether a tile came
/// whole is `Arrived::whole`: the merchants of the version it replaces are
/// touched too).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// Merchant ids, by tile.
    pub ids: BTreeMap<TileId, BTreeSet<String>>,
}

/// What `updates` touch (an entry whose id cannot be read is skipped: the
/// update is refused when applied).
pub fn touched(updates: &[TileUpdate]) -> Touched {
    let mut t = Touched::default();
    for u in updates {
        let ids = t.ids.entry(u.id).or_default();
        ids.extend(u.upserts.iter().filter_map(|e| entry_merchant_id(u.id, e).ok()));
        ids.extend(u.removed.iter().cloned());
    }
    t
}

/// Reads entry `entry` (one merchant's JSON) of a tile that holds the
/// merchants for which `tile_holds` is true, with the checks a catalog load makes of one merchant:
/// its id, fields, places and offers, the uniqueness of its own place and
/// offer ids, and that every merchant its targeting names is in the tile.
/// (Place ids repeated across merchants are refused over the whole merged
/// catalog by the build; offer ids repeated across merchants of one tile
/// are refused by the full build at every open.)
pub fn parse_entry(entry: &[u8], tile_holds: &dyn Fn(&str) -> bool) -> Result<Merchant, CatalogError> {
    let m: Merchant = serde_json::from_slice(entry).map_err(|e| CatalogError::at("merchants", e.to_string()))?;
    let path = DocPath::Root.key("merchants");
    let path = path.item(0);
    check_id(&m.id, &path.key("id"))?;
    if m.id == "self" {
        return Err(CatalogError::at(
            path.key("id"),
            "\"self\" is reserved (it names the offer's own merchant in targeting)",
        ));
    }
    check_merchant(&m, &path)?;
    let mut places = HashSet::with_capacity(m.places.len());
    if let Some(p) = m.places.iter().find(|p| !places.insert(p.id.as_str())) {
        return Err(CatalogError::at(path.key("places"), format!("duplicate place id {:?}", p.id)));
    }
    let place_index = PlaceIndex::new(&m);
    let offer_paths = path.key("offers");
    let mut offers = HashSet::with_capacity(m.offers.len());
    for (j, o) in m.offers.iter().enumerate() {
        let path = offer_paths.item(j);
        if !offers.insert(o.id.as_str()) {
            return Err(CatalogError::at(path.key("id"), format!("duplicate offer id {:?}", o.id)));
        }
        check_offer(o, &m, &place_index, &mut |id| tile_holds(id), &path)?;
    }
    Ok(m)
}
