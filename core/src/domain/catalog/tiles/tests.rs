//! The tile model's rules, end to end on small catalogs.

use super::*;
use crate::domain::catalog::test_fixtures::{now, signer, Signer};
use crate::domain::catalog::{parse_document, Catalog};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Two merchants: a shop whose circle straddles the border between two
/// tiles (lon −121.96 is a cell edge), a chain with a place in each of two
/// far tiles and an offer naming only the far place, whose targeting names
/// the shop.
fn catalog() -> Catalog {
    let doc = json!({
        "version": 7, "issued_at": "2026-11-20T00:00:00Z", "expires_at": "2026-12-20T00:00:00Z",
        "merchants": [{
            "id": "shop", "name": "Shop", "category": "fashion", "time_zone": "America/Los_Angeles",
            "places": [{"id": "shop-border", "fence": {"type": "circle", "lat": 37.33, "lon": -121.9601, "radius_m": 60}}],
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
    for lon in [-121.9602, -121.9599] {
        let t = tile_of(&tiles, 37.33, lon);
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
        tiles.range(TileId::of(37.33, -121.9602)..=TileId::of(37.33, -121.9599)).map(|(_, t)| t).collect();
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

/// Every tile of `c` whole at `version`, signed with `s`'s key.
fn whole(s: &Signer, tiles: &BTreeMap<TileId, Catalog>, version: u64) -> Vec<TileUpdate> {
    tiles
        .iter()
        .map(|(id, t)| {
            let entries = tile_entries(t);
            let signature = sign_tile(*id, version, &entries, "k1", &s.pair);
            TileUpdate {
                id: *id,
                version,
                base: 0,
                upserts: entries.into_values().collect(),
                removed: vec![],
                signature,
            }
        })
        .collect()
}

fn header(version: u64) -> CatalogHeader {
    let c = catalog();
    CatalogHeader::new(version, c.issued_at, c.expires_at)
}

/// Every tile of the catalog held at `version`, and their bodies (what
/// the engine keeps in the store).
fn holding(s: &Signer, version: u64) -> (BTreeMap<TileId, Catalog>, HeldTiles, TileBodies) {
    let tiles = cut(&catalog()).unwrap();
    let mut held = HeldTiles::default();
    let arrived = held
        .apply(&header(version), b"h".to_vec(), whole(s, &tiles, version), &[], &s.keys, now(), &no_heads())
        .unwrap();
    let bodies = arrived
        .into_iter()
        .map(|(id, a)| {
            assert!(a.whole);
            (id, TileBody { head: a.head, entries: a.entries })
        })
        .collect();
    (tiles, held, bodies)
}

/// No tile held (what a first sync reads from the store).
fn no_heads() -> BTreeMap<TileId, TileHead> {
    BTreeMap::new()
}

/// The heads of `bodies` (what the engine reads from the store).
fn heads_of(bodies: &TileBodies) -> BTreeMap<TileId, TileHead> {
    bodies.iter().map(|(id, b)| (*id, b.head.clone())).collect()
}

#[test]
fn whole_tiles_are_taken_only_when_their_own_signature_holds_and_never_after_the_header() {
    let s = signer();
    let tiles = cut(&catalog()).unwrap();
    let mut held = HeldTiles::default();
    let bodies = no_heads();
    let mut forged = whole(&s, &tiles, 7);
    let first = forged[0].id;
    forged[0].upserts[0] = forged[0].upserts[0].replace_str("Shop", "Sh0p");
    assert_eq!(
        held.apply(&header(7), vec![], forged, &[], &s.keys, now(), &bodies),
        Err(TileError::BadSignature { tile: first })
    );
    assert!(held.tiles.is_empty(), "all or none");
    let mut moved = whole(&s, &tiles, 7);
    moved[0].id = TileId { row: 1, col: 1 };
    assert!(matches!(
        held.apply(&header(7), vec![], moved, &[], &s.keys, now(), &bodies),
        Err(TileError::BadSignature { .. })
    ));
    let e = held.apply(&header(6), vec![], whole(&s, &tiles, 7), &[], &s.keys, now(), &bodies);
    assert!(matches!(e, Err(TileError::AfterHeader { version: 7, header: 6, .. })), "{e:?}");
    let other = signer();
    let e = held.apply(&header(7), vec![], whole(&other, &tiles, 7), &[], &s.keys, now(), &bodies);
    assert!(matches!(e, Err(TileError::BadSignature { .. })), "another key under the same id: {e:?}");
    let arrived = held.apply(&header(7), vec![1], whole(&s, &tiles, 7), &[], &s.keys, now(), &bodies).unwrap();
    assert_eq!((held.tiles.len(), arrived.len()), (tiles.len(), tiles.len()));
}

trait ReplaceStr {
    fn replace_str(&self, from: &str, to: &str) -> Vec<u8>;
}

impl ReplaceStr for Vec<u8> {
    fn replace_str(&self, from: &str, to: &str) -> Vec<u8> {
        String::from_utf8(self.clone()).unwrap().replace(from, to).into_bytes()
    }
}

/// A delta of tile `id` from version 7 to 8: the shop's entry changed,
/// the chain removed, both as the backend would sign them.
fn delta(s: &Signer, bodies: &TileBodies, id: TileId) -> TileUpdate {
    let mut entries = bodies[&id].entries.clone();
    let shop = entries["shop"].replace_str("Shop", "Shop & Co");
    entries.insert("shop".into(), shop.clone());
    let removed: Vec<String> = entries.keys().filter(|m| *m != "shop").cloned().collect();
    for m in &removed {
        entries.remove(m);
    }
    let signature = sign_tile(id, 8, &entries, "k1", &s.pair);
    TileUpdate { id, version: 8, base: 7, upserts: vec![shop], removed, signature }
}

#[test]
fn a_delta_of_changed_entries_rebuilds_the_tile_whose_signature_then_holds() {
    let s = signer();
    let (_, mut held, bodies) = holding(&s, 7);
    let far = TileId::of(37.775, -122.425);
    assert_eq!(bodies[&far].entries.keys().collect::<Vec<_>>(), ["chain", "shop"]);
    let d = delta(&s, &bodies, far);
    assert_eq!(held.bases(std::slice::from_ref(&d)), [far], "the head to read from the store");
    let heads = BTreeMap::from([(far, bodies[&far].head.clone())]);
    let arrived = held.apply(&header(8), vec![], vec![d], &[], &s.keys, now(), &heads).unwrap();
    let (t, a) = (&held.tiles[&far], &arrived[&far]);
    assert_eq!((t.version, a.head.manifest.keys().map(String::as_str).collect::<Vec<_>>()), (8, vec!["shop"]));
    assert_eq!(a.entries.keys().collect::<Vec<_>>(), ["shop"], "only the entry that came");
    assert!(!a.whole);
    assert!(String::from_utf8_lossy(&a.entries["shop"]).contains("Shop & Co"));
    assert_eq!((t.bytes, t.key_id.as_str()), (a.entries["shop"].len() as u64, "k1"), "the size and key kept in memory");
    // Without the head it patches, a delta is refused (the store lost it).
    let mut held_again = holding(&s, 7).1;
    let e = held_again.apply(&header(8), vec![], vec![delta(&s, &bodies, far)], &[], &s.keys, now(), &no_heads());
    assert_eq!(e, Err(TileError::BadStored));
}

#[test]
fn a_tampered_delta_or_one_onto_another_version_is_refused_and_the_tiles_held_stay() {
    let s = signer();
    let (_, mut held, bodies) = holding(&s, 7);
    let before = held.clone();
    let heads = heads_of(&bodies);
    let far = TileId::of(37.775, -122.425);
    let mut tampered = delta(&s, &bodies, far);
    tampered.upserts[0] = tampered.upserts[0].replace_str("Shop & Co", "Shop & Cie");
    assert_eq!(
        held.apply(&header(8), vec![], vec![tampered], &[], &s.keys, now(), &heads),
        Err(TileError::BadSignature { tile: far })
    );
    let mut kept = delta(&s, &bodies, far);
    kept.removed.clear();
    assert_eq!(
        held.apply(&header(8), vec![], vec![kept], &[], &s.keys, now(), &heads),
        Err(TileError::BadSignature { tile: far })
    );
    let mut other_base = delta(&s, &bodies, far);
    other_base.base = 6;
    assert_eq!(
        held.apply(&header(8), vec![], vec![other_base], &[], &s.keys, now(), &heads),
        Err(TileError::DeltaBase { tile: far, base: 6, held: 7 })
    );
    let mut unheld = delta(&s, &bodies, far);
    unheld.id = TileId { row: 1, col: 1 };
    assert!(matches!(
        held.apply(&header(8), vec![], vec![unheld], &[], &s.keys, now(), &heads),
        Err(TileError::DeltaBase { held: 0, .. })
    ));
    assert_eq!(held, before);
}

#[test]
fn a_tile_older_than_the_one_held_is_refused_as_a_rollback() {
    let s = signer();
    let (tiles, mut held, bodies) = holding(&s, 7);
    // An old tile replayed, validly signed at its version.
    let e = held.apply(&header(7), vec![], whole(&s, &tiles, 5), &[], &s.keys, now(), &heads_of(&bodies));
    assert!(matches!(e, Err(TileError::Rollback { offered: 5, held: 7, .. })), "{e:?}");
}

#[test]
fn tiles_asked_are_confirmed_current_or_absent_so_the_next_sync_asks_only_what_is_new() {
    let s = signer();
    let (tiles, mut held, _) = holding(&s, 7);
    let ids: Vec<TileId> = tiles.keys().copied().collect();
    let nothing_there = TileId { row: 10, col: 10 };
    let needed = BTreeSet::from([ids[0], ids[1], nothing_there]);
    assert_eq!(held.wanted(&needed, 7), [(nothing_there, 0)], "held tiles are current at their own version");
    assert_eq!(held.wanted(&needed, 8), [(nothing_there, 0), (ids[0], 7), (ids[1], 7)], "a new header: ask again");
    held.confirm(&[ids[0], ids[1], nothing_there], 8);
    assert!(held.wanted(&needed, 8).is_empty(), "nothing changed since");
    assert_eq!(held.wanted(&needed, 9).len(), 3);
}

#[test]
fn held_tiles_keep_each_tile_s_size_not_its_body_and_evict_what_the_region_names() {
    let s = signer();
    let (tiles, mut held, bodies) = holding(&s, 7);
    let ids: Vec<TileId> = tiles.keys().copied().collect();
    let entry_bytes: usize = bodies[&ids[0]].entries.values().map(Vec::len).sum();
    assert_eq!((held.tiles[&ids[0]].bytes, bodies[&ids[0]].head.byte_size()), (entry_bytes as u64, entry_bytes as u64));
    assert_eq!(held.costs()[&ids[1]].cost, held.tiles[&ids[1]].bytes);
    let later = crate::domain::time::Timestamp(now().0 + 1_000);
    held.mark_needed(&[ids[1]], later);
    assert_eq!(held.tiles[&ids[1]].last_needed, later);
    assert_eq!(held.evict(&[ids[0], TileId { row: 1, col: 1 }]), [ids[0]], "only what was held");
    assert_eq!(held.tiles.len(), ids.len() - 1);
}

#[test]
fn held_tiles_and_heads_read_back_as_stored_and_a_garbled_or_earlier_format_store_is_refused() {
    let s = signer();
    let (tiles, mut held, bodies) = holding(&s, 7);
    held.confirm(&[*tiles.keys().next().unwrap(), TileId { row: 10, col: 10 }], 8);
    let blob = held.encode();
    assert_eq!(HeldTiles::decode(&blob), Some(Ok(held)));
    assert_eq!(HeldTiles::decode(&blob[..blob.len() - 1]), Some(Err(TileError::BadStored)));
    assert_eq!(HeldTiles::decode(b"\0KTILES1\0\0\0\0"), Some(Err(TileError::BadStored)));
    assert_eq!(HeldTiles::decode(b"\0KTILES2\0\0\0\0"), Some(Err(TileError::BadStored)), "entries inline");
    assert_eq!(HeldTiles::decode(b"\0KTILES3\0\0\0\0"), Some(Err(TileError::BadStored)), "signed over entries");
    for body in bodies.values() {
        let blob = body.head.encode();
        assert_eq!(TileHead::decode(&blob).as_ref(), Ok(&body.head));
        assert_eq!(TileHead::decode(&blob[..blob.len() - 1]), Err(TileError::BadStored));
    }
    assert_eq!(HeldTiles::decode(b"{\"key_id\": 1}"), None);
}

#[test]
fn a_signed_header_verifies_and_its_tiles_check_and_a_forged_or_foreign_one_is_refused() {
    let s = signer();
    let c = catalog();
    let tiles = cut(&c).unwrap();
    let h = header(7);
    let envelope = sign_header(&h, "k1", &s.pair);
    let (verified, stored) = verify_header(&envelope, &s.keys, now()).unwrap();
    assert_eq!(verified, h);
    let mut held = HeldTiles::default();
    let arrived = held.apply(&verified, stored, whole(&s, &tiles, 7), &[], &s.keys, now(), &no_heads()).unwrap();
    for (id, t) in &held.tiles {
        let head = &arrived[id].head;
        verify_held_tile(&verified, *id, t.version, head, &s.keys).unwrap();
        // Restored under other keys, or after an older header, it no longer verifies.
        assert!(verify_held_tile(&verified, *id, t.version, head, &signer().keys).is_err());
        let mut tampered = head.clone();
        tampered.manifest.values_mut().next().unwrap().sha256[0] ^= 1;
        assert_eq!(
            verify_held_tile(&verified, *id, t.version, &tampered, &s.keys),
            Err(TileError::BadSignature { tile: *id }),
            "a manifest whose hash of one entry changed"
        );
        assert!(matches!(
            verify_held_tile(&header(6), *id, t.version, head, &s.keys),
            Err(TileError::AfterHeader { .. })
        ));
    }

    let mut other_grid = h.clone();
    other_grid.cell_microdeg = 100_000;
    let e = verify_header(&sign_header(&other_grid, "k1", &s.pair), &s.keys, now());
    assert!(matches!(e, Err(CatalogError::Tile(TileError::OtherGrid { cell_microdeg: 100_000 }))), "{e:?}");
    let mut tampered: serde_json::Value = serde_json::from_slice(&envelope).unwrap();
    tampered["payload"] = json!(base64_of(&h.to_json()[1..]));
    let e = verify_header(&serde_json::to_vec(&tampered).unwrap(), &s.keys, now());
    assert!(matches!(e, Err(CatalogError::BadSignature { .. })), "{e:?}");
    // A catalog envelope is not a header.
    let catalog_envelope = crate::domain::catalog::sign(&tile_document(&c), "k1", &s.pair);
    assert!(matches!(verify_header(&catalog_envelope, &s.keys, now()), Err(CatalogError::InvalidDocument { .. })));
}

fn base64_of(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

use crate::domain::catalog::CatalogError;

#[test]
fn a_tiles_entries_make_a_valid_catalog_document_whatever_the_catalog_dates() {
    let c = catalog();
    let tiles = cut(&c).unwrap();
    for (id, tile) in &tiles {
        let bytes = entries_document(9, &tile_entries(tile));
        let back = parse_document(&bytes).unwrap_or_else(|e| panic!("tile {id}: {e}"));
        assert_eq!((back.version, back.merchants), (9, by_id(tile.clone()).merchants));
    }
}
