//! The catalog the engine evaluates, built straight from the tiles held
//! (ADR 0012, "The phone's region"): each tile's own signature is checked
//! on the canonical bytes of its manifest (`verify_held_tile`; every entry
//! is the one its manifest hashes: hashed as it arrived, or checked as it
//! was read from the store), then its entries (each one merchant's JSON, joined into the tile's
//! document without re-serialising anything) are read merchant by merchant
//! with the checks of a catalog load (the streaming reader, falling back
//! to the whole-document parser, which gives the precise error); the
//! merchants of every tile are merged as they come (a fence in two tiles
//! is one fence, as `tiles::merge` does) and fed to the evaluation tables
//! directly. No merged document is written out and read back, and the
//! tiles' bodies are read from the store one at a time (the engine keeps
//! none of them in memory).
//!
//! The tiles are taken in rank order (most needed first) while the merged
//! catalog stays within a catalog's own limits
//! ([`MAX_CATALOG_MERCHANTS`], [`MAX_CATALOG_PLACES`],
//! [`MAX_CATALOG_OFFERS`], counted per tile: an upper bound of the merged
//! counts); the tiles beyond are left out, to be evicted. The first tile
//! (the current position's) is always taken: alone over the limits, the
//! load is refused as a single catalog over them would be.

use crate::domain::catalog::tiles::{
    entries_document, verify_held_tile, BuiltTiles, CatalogHeader, TileBody, TileCounts, TileError, TileId, TileTaken,
};
use crate::domain::catalog::{parse_document, read_merchants, CatalogError, CatalogKeys, Merchant};
use crate::domain::offers::loaded::{PendingCatalog, TableBuilder};
use crate::error::Result;
use crate::policy::{MAX_CATALOG_MERCHANTS, MAX_CATALOG_OFFERS, MAX_CATALOG_PLACES};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// The tables of the merged tiles, and the tiles left out for the limits.
pub(super) struct Built {
    /// The catalog's tables, its places not yet given fence ids.
    pub pending: PendingCatalog,
    /// Tiles left out (over the limits), to evict.
    pub left_out: Vec<TileId>,
    /// What it was built from (for the next load's patch).
    pub taken: BuiltTiles,
}

/// The refusal of tile `id`, first in rank order, alone over a catalog's
/// limits with `c`.
pub(super) fn alone_over_limits(id: TileId, c: TileCounts) -> CatalogError {
    let (m, p, o) = (c.merchants, c.places, c.offers);
    CatalogError::at(
        "merchants",
        format!(
            "tile {id} alone holds {m} merchants, {p} places, {o} offers: more than a catalog's limits \
             ({MAX_CATALOG_MERCHANTS}, {MAX_CATALOG_PLACES}, {MAX_CATALOG_OFFERS})"
        ),
    )
}

/// The refusal of place `place` found under merchant `merchant` and an
/// earlier one (each tile is valid on its own; a place in two tiles is one
/// place of one merchant).
pub(super) fn place_twice(merchant: &str, place: &str) -> CatalogError {
    CatalogError::at(
        format!("merchants[{merchant:?}].places"),
        format!("place id {place:?} appears under two merchants in the tiles held"),
    )
}

/// Checks tile `id` at `version` (its signature under `header` and
/// `keys`) and reads its merchants.
fn read_tile(
    header: &CatalogHeader,
    keys: &CatalogKeys,
    id: TileId,
    version: u64,
    body: &TileBody,
) -> std::result::Result<Vec<Merchant>, CatalogError> {
    verify_held_tile(header, id, version, &body.head, keys)?;
    let bytes = entries_document(version, &body.entries);
    let mut merchants = Vec::new();
    if read_merchants(&bytes, &AtomicBool::new(false), |m| merchants.push(m.clone())).is_some() {
        return Ok(merchants);
    }
    let tile = parse_document(&bytes).map_err(|e| TileError::InvalidTile { tile: id, reason: e.to_string() })?;
    Ok(tile.merchants)
}

/// Merchants of several tiles merged by id: one merchant, place and offer
/// per id (the first seen kept), an offer's places the union of its places
/// in each tile; merchants, places and offers come out in id order (as
/// `tiles::merge` gives them).
#[derive(Default)]
pub(super) struct Merging {
    merchants: BTreeMap<String, Merchant>,
}

impl Merging {
    /// Adds one tile's merchant.
    pub(super) fn add(&mut self, m: Merchant) {
        match self.merchants.get_mut(&m.id) {
            None => {
                self.merchants.insert(m.id.clone(), m);
            }
            Some(held) => {
                held.places.extend(m.places);
                held.offers.extend(m.offers);
            }
        }
    }

    /// The merged merchants, in id order.
    pub(super) fn finish(self) -> impl Iterator<Item = Merchant> {
        self.merchants.into_values().map(|mut m| {
            m.places.sort_by(|a, b| a.id.cmp(&b.id));
            m.places.dedup_by(|a, b| a.id == b.id);
            m.offers.sort_by(|a, b| a.id.cmp(&b.id));
            m.offers.dedup_by(|later, first| {
                let same = later.id == first.id;
                if same {
                    first.places.append(&mut later.places);
                }
                same
            });
            for o in &mut m.offers {
                o.places.sort_unstable();
                o.places.dedup();
            }
            m
        })
    }
}

/// Builds the evaluated catalog of `tiles` (id, version, body; most
/// needed first), each checked under `header` and `keys`, under the
/// header's version and dates.
pub(super) fn build(
    header: &CatalogHeader,
    keys: &CatalogKeys,
    tiles: impl IntoIterator<Item = Result<(TileId, u64, TileBody)>>,
) -> Result<Built> {
    let (mut merchants, mut places, mut offers) = (0, 0, 0);
    let mut merging = Merging::default();
    let mut left_out = Vec::new();
    let mut taken = BuiltTiles::default();
    for tile in tiles {
        let (id, version, body) = tile?;
        if !left_out.is_empty() {
            left_out.push(id);
            continue;
        }
        let tile = read_tile(header, keys, id, version, &body)?;
        let m = tile.len();
        let p: usize = tile.iter().map(|m| m.places.len()).sum();
        let o: usize = tile.iter().map(|m| m.offers.len()).sum();
        let over =
            merchants + m > MAX_CATALOG_MERCHANTS || places + p > MAX_CATALOG_PLACES || offers + o > MAX_CATALOG_OFFERS;
        if over && !taken.order.is_empty() {
            left_out.push(id);
            continue;
        }
        let counts = TileCounts { merchants: m, places: p, offers: o };
        if over {
            return Err(alone_over_limits(id, counts).into());
        }
        (merchants, places, offers) = (merchants + m, places + p, offers + o);
        taken.order.push(id);
        taken.tiles.insert(id, TileTaken::new(version, counts, body.entries.keys()));
        drop(body);
        tile.into_iter().for_each(|m| merging.add(m));
    }
    let mut tables = TableBuilder::new();
    let mut seen = std::collections::HashSet::new();
    for m in merging.finish() {
        if let Some(p) = m.places.iter().find(|p| !seen.insert(p.id.clone())) {
            return Err(place_twice(&m.id, &p.id).into());
        }
        tables.add_merchant(&m);
    }
    Ok(Built { pending: tables.finish(header.version, header.issued_at, header.expires_at), left_out, taken })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::tiles::{cut, merge};
    use serde_json::json;

    #[test]
    fn merging_tiles_merchant_by_merchant_gives_what_merging_whole_tiles_gives() {
        let doc = json!({
            "version": 7, "issued_at": "2026-11-20T00:00:00Z", "expires_at": "2026-12-20T00:00:00Z",
            "merchants": [{
                "id": "shop", "name": "Shop", "category": "fashion", "time_zone": "America/Los_Angeles",
                "places": [{"id": "shop-border", "fence": {"type": "circle", "lat": 37.32, "lon": -121.9501, "radius_m": 60}}],
                "offers": [{"id": "shop-enter", "title": "10%", "trigger": {"type": "enter"}, "claim_window_minutes": 60}]
            }, {
                "id": "chain", "name": "Chain", "category": "grocery", "time_zone": "America/Los_Angeles",
                "places": [
                    {"id": "chain-far", "fence": {"type": "circle", "lat": 37.775, "lon": -122.425, "radius_m": 80}},
                    {"id": "chain-near", "fence": {"type": "circle", "lat": 37.325, "lon": -121.875, "radius_m": 80}},
                    {"id": "chain-near2", "fence": {"type": "circle", "lat": 37.3, "lon": -121.6, "radius_m": 80}}
                ],
                "offers": [{"id": "b", "title": "Both", "trigger": {"type": "enter"}, "claim_window_minutes": 60,
                            "places": ["chain-near2", "chain-far"]},
                           {"id": "a", "title": "All", "trigger": {"type": "enter"}, "claim_window_minutes": 60}]
            }]
        });
        let c = parse_document(&serde_json::to_vec(&doc).unwrap()).unwrap();
        let tiles = cut(&c).unwrap();
        assert!(tiles.len() >= 4);
        let whole = merge(tiles.values(), c.version, c.issued_at, c.expires_at);
        let mut merging = Merging::default();
        for t in tiles.values().rev() {
            t.merchants.iter().cloned().for_each(|m| merging.add(m));
        }
        assert_eq!(merging.finish().collect::<Vec<_>>(), whole.merchants);
    }

    /// Keys holding a fresh key `k1`, and a signer of version-1 tiles with it.
    fn signer() -> (
        CatalogKeys,
        impl Fn(TileId, &crate::domain::catalog::tiles::Entries) -> crate::domain::catalog::tiles::TileSignature,
    ) {
        use crate::domain::catalog::{generate_keypair, keypair_from_pkcs8};
        let (pkcs8, public) = generate_keypair().unwrap();
        let mut keys = CatalogKeys::new();
        keys.insert("k1", &public).unwrap();
        let pair = keypair_from_pkcs8(&pkcs8).unwrap();
        (keys, move |id, entries| crate::domain::catalog::tiles::sign_tile(id, 1, entries, "k1", &pair))
    }

    /// A version-1 header valid from 2000 to 2100.
    fn header() -> CatalogHeader {
        CatalogHeader::new(
            1,
            crate::domain::time::Timestamp(946_684_800_000),
            crate::domain::time::Timestamp(4_102_444_800_000),
        )
    }

    /// The entries of merchants `from..from + n`, one place each.
    fn entries(from: usize, n: usize) -> crate::domain::catalog::tiles::Entries {
        (from..from + n)
            .map(|i| {
                let m = json!({"id": format!("m{i}"), "name": "M", "category": "c", "time_zone": "UTC",
                       "places": [{"id": format!("p{i}"), "fence": {"type": "circle", "lat": 39.0, "lon": -98.0, "radius_m": 50}}]});
                (format!("m{i}"), serde_json::to_vec(&m).unwrap())
            })
            .collect()
    }

    #[test]
    fn tiles_beyond_a_catalog_s_limits_are_left_out_in_rank_order_and_the_first_is_always_taken() {
        let (keys, sign) = signer();
        let body =
            |id: TileId, entries: crate::domain::catalog::tiles::Entries| TileBody::new(sign(id, &entries), entries);
        let big = MAX_CATALOG_MERCHANTS / 2 + 1;
        let ids = [TileId { row: 1, col: 1 }, TileId { row: 1, col: 2 }, TileId { row: 1, col: 3 }];
        let bodies =
            [body(ids[0], entries(0, big)), body(ids[1], entries(big, big)), body(ids[2], entries(2 * big, 3))];
        let header = header();
        let built = build(&header, &keys, ids.iter().zip(bodies.clone()).map(|(id, b)| Ok((*id, 1, b)))).unwrap();
        assert_eq!(built.left_out, ids[1..], "the second would pass the merchant limit; the rest follow it out");
        assert_eq!(built.pending.place_ids().count(), big);
        // A first tile alone over the limits is refused, as one catalog would be.
        let huge = body(ids[0], entries(0, MAX_CATALOG_MERCHANTS + 1));
        assert!(matches!(build(&header, &keys, [Ok((ids[0], 1, huge))]), Err(crate::error::Error::Catalog(_))));
    }

    #[test]
    fn a_tile_whose_stored_manifest_no_longer_matches_its_signature_is_refused() {
        let (keys, sign) = signer();
        let id = TileId { row: 1, col: 1 };
        let mut body = TileBody::new(sign(id, &entries(0, 2)), entries(0, 2));
        let header = header();
        assert!(build(&header, &keys, [Ok((id, 1, body.clone()))]).is_ok());
        body.head.manifest.remove("m1");
        body.entries.remove("m1");
        let e = build(&header, &keys, [Ok((id, 1, body))]).err();
        assert!(
            matches!(e, Some(crate::error::Error::Catalog(CatalogError::Tile(TileError::BadSignature { .. })))),
            "{e:?}"
        );
    }
}
