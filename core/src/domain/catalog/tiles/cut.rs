//! Cutting a catalog into tiles (the backend's side) and merging tiles back
//! into one catalog (the phone's side).
//!
//! A place belongs to every tile its fence's bounding box touches, grown by
//! the largest `nearby` radius of its offers (so an on-the-way offer fires
//! from the next tile too). Its merchant's shared data (name, category,
//! zone, attributes) and the offers that may fire there travel with it; an
//! offer naming places keeps, in a tile, only the places the tile holds. A
//! merchant that targeting names (`visits`, `routine_overdue`) is carried
//! as a stub without places or offers, so every tile is a valid catalog on
//! its own. Merging undoes the cut: one merchant, place and offer per id.

use super::grid::{LatLonBox, TileId};
use super::TileError;
use crate::domain::catalog::document::{Catalog, Merchant, Offer, Trigger};
use crate::domain::catalog::rule::{Rule, ScopeRef};
use crate::domain::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Cuts `catalog` (of any size: a national catalog exceeds one document's
/// limits, each tile must not) into tile documents, each with the
/// catalog's version and dates. Refuses ids repeated across the catalog
/// (each tile is validated on its own, so this is checked here).
pub fn cut(catalog: &Catalog) -> Result<BTreeMap<TileId, Catalog>, TileError> {
    check_unique_ids(catalog)?;
    let by_id: HashMap<&str, &Merchant> = catalog.merchants.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut tiles: BTreeMap<TileId, Catalog> = BTreeMap::new();
    for m in &catalog.merchants {
        let mut places_by_tile: BTreeMap<TileId, Vec<usize>> = BTreeMap::new();
        for (j, p) in m.places.iter().enumerate() {
            let reach = m
                .offers
                .iter()
                .filter(|o| o.places.is_empty() || o.places.contains(&p.id))
                .filter_map(|o| match o.trigger {
                    Trigger::Nearby { radius_m } => Some(radius_m),
                    _ => None,
                })
                .fold(0.0, f64::max);
            for t in LatLonBox::of_fence(&p.fence, reach).tiles() {
                places_by_tile.entry(t).or_default().push(j);
            }
        }
        for (t, places) in places_by_tile {
            let held: HashSet<&str> = places.iter().map(|&j| m.places[j].id.as_str()).collect();
            let offers: Vec<Offer> = m
                .offers
                .iter()
                .filter_map(|o| {
                    if o.places.is_empty() {
                        return Some(o.clone());
                    }
                    let kept: Vec<String> = o.places.iter().filter(|p| held.contains(p.as_str())).cloned().collect();
                    (!kept.is_empty()).then(|| Offer { places: kept, ..o.clone() })
                })
                .collect();
            let tile = tiles.entry(t).or_insert_with(|| Catalog { merchants: Vec::new(), ..catalog.clone_head() });
            tile.merchants.push(Merchant {
                places: places.iter().map(|&j| m.places[j].clone()).collect(),
                offers,
                ..m.head()
            });
        }
    }
    for tile in tiles.values_mut() {
        add_named_merchants(tile, &by_id);
    }
    Ok(tiles)
}

impl Catalog {
    /// The catalog without its merchants.
    fn clone_head(&self) -> Catalog {
        Catalog { version: self.version, issued_at: self.issued_at, expires_at: self.expires_at, merchants: Vec::new() }
    }
}

impl Merchant {
    /// The merchant's shared data, without places or offers.
    fn head(&self) -> Merchant {
        Merchant {
            id: self.id.clone(),
            name: self.name.clone(),
            category: self.category.clone(),
            time_zone: self.time_zone,
            attributes: self.attributes.clone(),
            places: Vec::new(),
            offers: Vec::new(),
        }
    }
}

fn check_unique_ids(catalog: &Catalog) -> Result<(), TileError> {
    let (mut merchants, mut places, mut offers) = (HashSet::new(), HashSet::new(), HashSet::new());
    for m in &catalog.merchants {
        if !merchants.insert(m.id.as_str()) {
            return Err(TileError::DuplicateId { what: "merchant", id: m.id.clone() });
        }
        if let Some(p) = m.places.iter().find(|p| !places.insert(p.id.as_str())) {
            return Err(TileError::DuplicateId { what: "place", id: p.id.clone() });
        }
        if let Some(o) = m.offers.iter().find(|o| !offers.insert(o.id.as_str())) {
            return Err(TileError::DuplicateId { what: "offer", id: o.id.clone() });
        }
    }
    Ok(())
}

/// Adds a stub of every merchant the tile's targeting names but the tile
/// does not hold.
fn add_named_merchants(tile: &mut Catalog, by_id: &HashMap<&str, &Merchant>) {
    let mut named = BTreeSet::new();
    for o in tile.merchants.iter().flat_map(|m| &m.offers) {
        named_merchants(&o.targeting, &mut named);
    }
    let held: HashSet<String> = tile.merchants.iter().map(|m| m.id.clone()).collect();
    for id in named.into_iter().filter(|id| !held.contains(id)) {
        // A name that is no merchant is left for the tile's validation to refuse.
        if let Some(m) = by_id.get(id.as_str()) {
            tile.merchants.push(m.head());
        }
    }
}

fn named_merchants(rule: &Rule, out: &mut BTreeSet<String>) {
    match rule {
        Rule::All(rules) | Rule::Any(rules) => rules.iter().for_each(|r| named_merchants(r, out)),
        Rule::Not(r) => named_merchants(r, out),
        Rule::Visits(v) => scope(&v.scope, out),
        Rule::RoutineOverdue(r) => scope(&r.scope, out),
        Rule::StepsToday(_)
        | Rule::LocalTime(_)
        | Rule::DaysOfWeek(_)
        | Rule::Speed(_)
        | Rule::Attribute(_)
        | Rule::FriendsVisited(_) => {}
    }
}

fn scope(s: &ScopeRef, out: &mut BTreeSet<String>) {
    if let ScopeRef::Merchant(id) = s {
        out.insert(id.clone());
    }
}

/// Merges tiles (each already verified and validated) into one catalog of
/// `version`, valid from `issued_at` to `expires_at` (the manifest's): a
/// merchant, place or offer present in several tiles is kept once, an
/// offer's places are the union of its places in every tile. Merchants
/// come out in id order, their places and offers in id order too, so the
/// same tiles always merge to the same catalog.
pub fn merge<'a>(
    tiles: impl IntoIterator<Item = &'a Catalog>,
    version: u64,
    issued_at: Timestamp,
    expires_at: Timestamp,
) -> Catalog {
    let mut merchants: BTreeMap<&str, Merchant> = BTreeMap::new();
    let mut places: BTreeMap<&str, BTreeMap<&str, &crate::domain::catalog::MerchantPlace>> = BTreeMap::new();
    let mut offers: BTreeMap<&str, BTreeMap<&str, (Offer, BTreeSet<String>)>> = BTreeMap::new();
    for tile in tiles {
        for m in &tile.merchants {
            merchants.entry(&m.id).or_insert_with(|| m.head());
            let ps = places.entry(&m.id).or_default();
            for p in &m.places {
                ps.entry(&p.id).or_insert(p);
            }
            let os = offers.entry(&m.id).or_default();
            for o in &m.offers {
                let (_, named) = os.entry(&o.id).or_insert_with(|| (o.clone(), BTreeSet::new()));
                named.extend(o.places.iter().cloned());
            }
        }
    }
    let merchants = merchants
        .into_iter()
        .map(|(id, mut m)| {
            m.places = places.remove(id).unwrap_or_default().into_values().cloned().collect();
            m.offers = offers
                .remove(id)
                .unwrap_or_default()
                .into_values()
                .map(|(o, named)| Offer { places: named.into_iter().collect(), ..o })
                .collect();
            m
        })
        .collect();
    Catalog { version, issued_at, expires_at, merchants }
}
