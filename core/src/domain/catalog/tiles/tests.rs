//! The tile model's rules, end to end on small catalogs.

use super::*;
use crate::domain::catalog::test_fixtures::{now, signer};
use crate::domain::catalog::{parse_document, Catalog};
use serde_json::json;

/// Two merchants: a shop whose circle straddles the border between two
/// tiles (lon −121.95 is a cell edge), a chain with a place in each of two
/// far tiles and an offer naming only the far place, whose targeting names
/// the shop.
fn catalog() -> Catalog {
    let doc = json!({
        "version": 7, "issued_at": "2026-11-20T00:00:00Z", "expires_at": "2026-12-20T00:00:00Z",
        "merchants": [{
            "id": "shop", "name": "Shop", "category": "fashion", "time_zone": "America/Los_Angeles",
            "places": [{"id": "shop-border", "fence": {"type": "circle", "lat": 37.32, "lon": -121.9501, "radius_m": 60}}],
            "offers": [{"id": "shop-enter", "title": "10%", "trigger": {"type": "enter"}, "claim_window_minutes": 60}]
        }, {
            "id": "chain", "name": "Chain", "category": "grocery", "time_zone": "America/Los_Angeles",
            "places": [
                {"id": "chain-near", "fence": {"type": "circle", "lat": 37.325, "lon": -121.875, "radius_m": 80}},
                {"id": "chain-far", "fence": {"type": "circle", "lat": 37.775, "lon": -122.425, "radius_m": 80}}
            ],
            "offers": [{"id": "chain-far-only", "title": "Far", "trigger": {"type": "enter"}, "claim_window_minutes": 60,
                        "places": ["chain-far"],
                        "targeting": {"visits": {"merchant": "shop", "within_days": 30, "min": 1}}}]
        }]
    });
    parse_document(&serde_json::to_vec(&doc).unwrap()).unwrap()
}

/// `c` in the order a merge gives: merchants, places and offers by id.
fn by_id(mut c: Catalog) -> Catalog {
    c.merchants.sort_by(|a, b| a.id.cmp(&b.id));
    for m in &mut c.merchants {
        m.places.sort_by(|a, b| a.id.cmp(&b.id));
        m.offers.sort_by(|a, b| a.id.cmp(&b.id));
    }
    c
}

fn tile_of(tiles: &std::collections::BTreeMap<TileId, Catalog>, lat: f64, lon: f64) -> &Catalog {
    &tiles[&TileId::of(lat, lon)]
}

#[test]
fn a_place_on_a_tile_border_travels_in_both_tiles_with_its_merchant_and_offers() {
    let tiles = cut(&catalog()).unwrap();
    for lon in [-121.9502, -121.9499] {
        let t = tile_of(&tiles, 37.32, lon);
        let shop = t.merchants.iter().find(|m| m.id == "shop").unwrap();
        assert_eq!((shop.places[0].id.as_str(), shop.offers[0].id.as_str()), ("shop-border", "shop-enter"));
        assert_eq!(shop.name, "Shop");
    }
    assert_eq!(tiles.len(), 4, "{:?}", tiles.keys().collect::<Vec<_>>());
}

#[test]
fn an_offer_naming_places_keeps_in_a_tile_only_the_places_it_holds_and_named_merchants_come_as_stubs() {
    let tiles = cut(&catalog()).unwrap();
    let near = tile_of(&tiles, 37.325, -121.875);
    let chain = near.merchants.iter().find(|m| m.id == "chain").unwrap();
    assert!(chain.offers.is_empty(), "the far-only offer has no place here");
    let far = tile_of(&tiles, 37.775, -122.425);
    let chain = far.merchants.iter().find(|m| m.id == "chain").unwrap();
    assert_eq!(chain.offers[0].places, ["chain-far"]);
    let stub = far.merchants.iter().find(|m| m.id == "shop").expect("the merchant targeting names");
    assert!(stub.places.is_empty() && stub.offers.is_empty());
}

#[test]
fn every_tile_is_a_valid_catalog_and_merging_every_tile_gives_the_catalog_back() {
    let c = catalog();
    let tiles = cut(&c).unwrap();
    for (id, t) in &tiles {
        parse_document(&tile_document(t)).unwrap_or_else(|e| panic!("tile {id}: {e}"));
    }
    let merged = merge(tiles.values(), c.version, c.issued_at, c.expires_at);
    assert_eq!(merged, by_id(c.clone()));
    // Two tiles sharing the border place: one place, one offer.
    let two: Vec<&Catalog> =
        tiles.range(TileId::of(37.32, -121.9502)..=TileId::of(37.32, -121.9499)).map(|(_, t)| t).collect();
    let merged = merge(two, 1, c.issued_at, c.expires_at);
    let shop = merged.merchants.iter().find(|m| m.id == "shop").unwrap();
    assert_eq!((shop.places.len(), shop.offers.len()), (1, 1));
}

#[test]
fn a_catalog_repeating_a_place_id_is_refused_before_cutting() {
    let mut c = catalog();
    let dup = c.merchants[0].places[0].clone();
    c.merchants[1].places.push(dup);
    assert_eq!(cut(&c), Err(TileError::DuplicateId { what: "place", id: "shop-border".into() }));
}

fn manifest_of(c: &Catalog, tiles: &std::collections::BTreeMap<TileId, Catalog>) -> TileManifest {
    TileManifest {
        format: MANIFEST_FORMAT.into(),
        version: c.version,
        cell_microdeg: crate::policy::TILE_CELL_MICRODEG,
        issued_at: c.issued_at,
        expires_at: c.expires_at,
        tiles: tiles
            .iter()
            .map(|(id, t)| (*id, TileEntry { version: c.version, sha256: sha256(&tile_document(t)) }))
            .collect(),
    }
}

fn packed(tiles: &std::collections::BTreeMap<TileId, Catalog>, version: u64) -> Vec<PackedTile> {
    tiles.iter().map(|(id, t)| PackedTile { id: *id, version, document: tile_document(t) }).collect()
}

#[test]
fn tiles_are_accepted_only_when_listed_hashing_to_the_manifest_and_at_its_version() {
    let c = catalog();
    let tiles = cut(&c).unwrap();
    let m = manifest_of(&c, &tiles);
    let mut held = HeldTiles::default();
    let mut forged = packed(&tiles, 7);
    forged[0].document[5] ^= 1;
    let e = held.accept(&m, vec![], forged, now());
    assert_eq!(e, Err(TileError::HashMismatch { tile: *tiles.keys().next().unwrap() }));
    assert!(held.tiles.is_empty(), "all or none");
    let mut unknown = packed(&tiles, 7);
    unknown[0].id = TileId { row: 1, col: 1 };
    assert!(matches!(held.accept(&m, vec![], unknown, now()), Err(TileError::NotInManifest { .. })));
    assert!(matches!(held.accept(&m, vec![], packed(&tiles, 6), now()), Err(TileError::VersionMismatch { .. })));
    held.accept(&m, vec![1], packed(&tiles, 7), now()).unwrap();
    assert_eq!(held.tiles.len(), tiles.len());
}

#[test]
fn a_tile_older_than_the_one_held_is_refused_as_a_rollback() {
    let c = catalog();
    let tiles = cut(&c).unwrap();
    let mut held = HeldTiles::default();
    held.accept(&manifest_of(&c, &tiles), vec![], packed(&tiles, 7), now()).unwrap();
    // An old manifest replayed with its old tiles (its signature is the
    // engine's check; here, the tile's own rule).
    let old = Catalog { version: 5, ..c.clone() };
    let old_tiles = cut(&old).unwrap();
    let e = held.accept(&manifest_of(&old, &old_tiles), vec![], packed(&old_tiles, 5), now());
    assert!(matches!(e, Err(TileError::Rollback { offered: 5, held: 7, .. })), "{e:?}");
}

#[test]
fn held_tiles_keep_each_tile_s_size_not_its_bytes_and_evict_what_the_region_names() {
    let c = catalog();
    let tiles = cut(&c).unwrap();
    let mut held = HeldTiles::default();
    let taken = held.accept(&manifest_of(&c, &tiles), vec![], packed(&tiles, 7), now()).unwrap();
    assert_eq!(taken, packed(&tiles, 7), "the bytes go back to the caller, for the store");
    let ids: Vec<TileId> = tiles.keys().copied().collect();
    assert_eq!(held.tiles[&ids[0]].bytes, tile_document(&tiles[&ids[0]]).len() as u64);
    assert_eq!(held.costs()[&ids[1]].cost, held.tiles[&ids[1]].bytes);
    let later = crate::domain::time::Timestamp(now().0 + 1_000);
    held.mark_needed(&[ids[1]], later);
    assert_eq!(held.tiles[&ids[1]].last_needed, later);
    assert_eq!(held.evict(&[ids[0], TileId { row: 1, col: 1 }]), [ids[0]], "only what was held");
    assert_eq!(held.tiles.len(), ids.len() - 1);
}

#[test]
fn held_tiles_read_back_as_stored_and_a_garbled_store_is_refused() {
    let c = catalog();
    let tiles = cut(&c).unwrap();
    let mut held = HeldTiles::default();
    held.accept(&manifest_of(&c, &tiles), b"manifest".to_vec(), packed(&tiles, 7), now()).unwrap();
    let blob = held.encode();
    assert_eq!(HeldTiles::decode(&blob), Some(Ok(held)));
    assert_eq!(HeldTiles::decode(&blob[..blob.len() - 1]), Some(Err(TileError::BadStored)));
    assert_eq!(HeldTiles::decode(b"{\"key_id\": 1}"), None);
}

#[test]
fn a_signed_manifest_verifies_and_merges_its_tiles_and_a_forged_or_foreign_one_is_refused() {
    let s = signer();
    let c = catalog();
    let tiles = cut(&c).unwrap();
    let m = manifest_of(&c, &tiles);
    let envelope = sign_manifest(&m, "k1", &s.pair);
    let (verified, stored) = verify_manifest(&envelope, &s.keys, now()).unwrap();
    assert_eq!(verified, m);
    let mut held = HeldTiles::default();
    held.accept(&verified, stored, packed(&tiles, 7), now()).unwrap();
    assert_eq!(held.tiles.len(), tiles.len());

    let mut other_grid = m.clone();
    other_grid.cell_microdeg = 100_000;
    let e = verify_manifest(&sign_manifest(&other_grid, "k1", &s.pair), &s.keys, now());
    assert!(matches!(e, Err(CatalogError::Tile(TileError::OtherGrid { cell_microdeg: 100_000 }))), "{e:?}");
    let mut tampered: serde_json::Value = serde_json::from_slice(&envelope).unwrap();
    tampered["payload"] = json!(base64_of(&m.to_json()[1..]));
    let e = verify_manifest(&serde_json::to_vec(&tampered).unwrap(), &s.keys, now());
    assert!(matches!(e, Err(CatalogError::BadSignature { .. })), "{e:?}");
    // A catalog envelope is not a manifest.
    let catalog_envelope = crate::domain::catalog::sign(&tile_document(&c), "k1", &s.pair);
    assert!(matches!(verify_manifest(&catalog_envelope, &s.keys, now()), Err(CatalogError::InvalidDocument { .. })));
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

use crate::domain::catalog::CatalogError;

#[test]
fn a_published_tile_reads_back_with_its_version_and_fixed_dates_whatever_the_catalog_dates() {
    let c = catalog();
    let tiles = cut(&c).unwrap();
    let (_, tile) = tiles.iter().next().unwrap();
    let bytes = tile_document_at(tile, 9);
    let back = parse_document(&bytes).unwrap();
    assert_eq!((back.version, &back.merchants), (9, &tile.merchants));
    let later = Catalog { issued_at: crate::domain::time::Timestamp(c.issued_at.0 + 1), ..tile.clone() };
    assert_eq!(tile_document_at(&later, 9), bytes, "the catalog's dates do not change a tile's bytes");
}
