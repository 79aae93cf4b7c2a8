//! The incremental load of tiles (ADR 0012, "Revised: incremental load",
//! "entries at rest one row each"): a sync's load patches the catalog in
//! force, reads and writes only what changed, gives the catalog a whole
//! build gives, and still checks everything it reads from the store.

use super::tiles_patch::PatchStats;
use super::{Engine, EngineConfig};
use crate::domain::catalog::tiles::{sign_header, sign_tile, CatalogHeader, Entries, TileId, TileUpdate};
use crate::domain::catalog::{generate_keypair, keypair_from_pkcs8, Ed25519KeyPair};
use crate::domain::time::Timestamp;
use serde_json::json;

/// 2026-06-01T00:00:00Z.
const NOW: i64 = 1_780_272_000_000;

struct Fixture {
    dir: tempfile::TempDir,
    public: Vec<u8>,
    key: Ed25519KeyPair,
}

impl Fixture {
    fn new() -> Fixture {
        let (pkcs8, public) = generate_keypair().unwrap();
        Fixture { dir: tempfile::tempdir().unwrap(), public, key: keypair_from_pkcs8(&pkcs8).unwrap() }
    }

    fn open(&self) -> Engine {
        let mut cfg = EngineConfig::new(self.dir.path().join("engine"), "UTC");
        cfg.catalog_keys = vec![("k1".into(), self.public.clone())];
        Engine::open(cfg).unwrap()
    }

    /// The signed header at `version`.
    fn header(&self, version: u64) -> Vec<u8> {
        let h = CatalogHeader::new(version, Timestamp(NOW - 86_400_000), Timestamp(NOW + 100 * 86_400_000));
        sign_header(&h, "k1", &self.key)
    }

    /// Tile `id` whole at `version`.
    fn whole(&self, id: TileId, version: u64, entries: &Entries) -> TileUpdate {
        TileUpdate {
            id,
            version,
            base: 0,
            upserts: entries.values().cloned().collect(),
            removed: Vec::new(),
            signature: sign_tile(id, version, entries, "k1", &self.key),
        }
    }

    /// A delta of tile `id` from `base` to `version`, whose entries become
    /// `after` (`upserts` changed, `removed` gone).
    fn delta(
        &self,
        id: TileId,
        base: u64,
        version: u64,
        after: &Entries,
        upserts: &[&str],
        removed: &[&str],
    ) -> TileUpdate {
        TileUpdate {
            id,
            version,
            base,
            upserts: upserts.iter().map(|m| after[*m].clone()).collect(),
            removed: removed.iter().map(|m| m.to_string()).collect(),
            signature: sign_tile(id, version, after, "k1", &self.key),
        }
    }
}

/// Merchant `id`'s entry: named `name`, one place per `(place, lat, lon)`,
/// one enter offer.
fn merchant(id: &str, name: &str, places: &[(&str, f64, f64)]) -> Vec<u8> {
    let places: Vec<_> = places
        .iter()
        .map(|(p, lat, lon)| json!({"id": p, "fence": {"type": "circle", "lat": lat, "lon": lon, "radius_m": 40}}))
        .collect();
    serde_json::to_vec(&json!({
        "id": id, "name": name, "category": "food", "time_zone": "UTC", "places": places,
        "offers": [{"id": format!("{id}-offer"), "title": format!("{name} offer"), "trigger": {"type": "enter"},
                    "claim_window_minutes": 60}]
    }))
    .unwrap()
}

/// Tile A (around 39.01, -98.01) and tile B (around 39.03, -98.01): 20
/// merchants each, and merchant "both" with a place in each.
fn tiles() -> (TileId, Entries, TileId, Entries) {
    let (a, b) = (TileId::of(39.01, -98.01), TileId::of(39.03, -98.01));
    assert_ne!(a, b);
    let mut ea = Entries::new();
    let mut eb = Entries::new();
    for i in 0..20 {
        let lat = 39.005 + i as f64 * 0.0005;
        ea.insert(format!("a{i:02}"), merchant(&format!("a{i:02}"), "A", &[(&format!("a{i:02}-p"), lat, -98.01)]));
        let lat = 39.025 + i as f64 * 0.0005;
        eb.insert(format!("b{i:02}"), merchant(&format!("b{i:02}"), "B", &[(&format!("b{i:02}-p"), lat, -98.01)]));
    }
    ea.insert("both".into(), merchant("both", "Both", &[("both-a", 39.011, -98.012)]));
    eb.insert("both".into(), merchant("both", "Both", &[("both-b", 39.031, -98.012)]));
    (a, ea, b, eb)
}

/// The catalog in force, whole, as text (every table and the index).
fn catalog_of(e: &Engine) -> String {
    format!("{:?}", e.lock().catalog.clone().expect("a catalog in force"))
}

#[test]
fn a_delta_of_one_merchant_reads_only_that_merchant_and_gives_the_catalog_a_whole_build_gives() {
    let f = Fixture::new();
    let e = f.open();
    let (a, ea, b, eb) = tiles();
    e.load_tiles(Some(&f.header(1)), vec![f.whole(a, 1, &ea), f.whole(b, 1, &eb)], Timestamp(NOW)).unwrap();
    assert_eq!(e.tile_patch_stats(), None, "the first load builds the catalog whole");
    let mut ea2 = ea.clone();
    ea2.insert("a03".into(), merchant("a03", "A changed", &[("a03-p", 39.0065, -98.01)]));
    let info =
        e.load_tiles(Some(&f.header(2)), vec![f.delta(a, 1, 2, &ea2, &["a03"], &[])], Timestamp(NOW + 1)).unwrap();
    assert_eq!((info.version, info.fences), (2, 42));
    assert_eq!(
        e.tile_patch_stats(),
        Some(PatchStats { entries_read: 2, heads_read: 0, stored_entries_read: 0 }),
        "the old and the new entry of the one merchant changed; no other entry, nothing else from the store"
    );
    let patched = catalog_of(&e);
    assert!(patched.contains("A changed offer"));
    drop(e);
    // At open the catalog is built whole from the stored tiles.
    let e = f.open();
    assert_eq!(e.tile_patch_stats(), None);
    assert!(catalog_of(&e) == patched, "the patched catalog is the one a whole build gives");
}

#[test]
fn a_merchant_in_two_tiles_changed_in_one_is_merged_again_from_both_and_a_removed_one_leaves() {
    let f = Fixture::new();
    let e = f.open();
    let (a, ea, b, eb) = tiles();
    e.load_tiles(Some(&f.header(1)), vec![f.whole(a, 1, &ea), f.whole(b, 1, &eb)], Timestamp(NOW)).unwrap();
    let mut ea2 = ea.clone();
    ea2.insert("both".into(), merchant("both", "Both", &[("both-a", 39.011, -98.012), ("both-a2", 39.012, -98.012)]));
    ea2.remove("a05");
    let delta = f.delta(a, 1, 2, &ea2, &["both"], &["a05"]);
    let info = e.load_tiles(Some(&f.header(2)), vec![delta], Timestamp(NOW + 1)).unwrap();
    assert_eq!(info.fences, 42, "one place more for the merchant in both tiles, one merchant less");
    let stats = e.tile_patch_stats().expect("patched");
    assert_eq!(
        (stats.heads_read, stats.stored_entries_read),
        (1, 1),
        "tile B's head, and its entry of the merchant in both, alone: {stats:?}"
    );
    let patched = catalog_of(&e);
    drop(e);
    let e = f.open();
    assert!(catalog_of(&e) == patched, "the patched catalog is the one a whole build gives");
}

#[test]
fn a_tampered_stored_entry_read_by_a_patch_refuses_the_load_and_the_catalog_in_force_stays() {
    let f = Fixture::new();
    let e = f.open();
    let (a, ea, b, eb) = tiles();
    e.load_tiles(Some(&f.header(1)), vec![f.whole(a, 1, &ea), f.whole(b, 1, &eb)], Timestamp(NOW)).unwrap();
    let before = catalog_of(&e);
    // Tile B's stored entry of the merchant in both tiles, changed at rest
    // (sealed with the profile's key: an older row put back, or a writer
    // holding the key).
    {
        let inner = e.lock();
        let forged = merchant("both", "Forged", &[("both-b", 39.031, -98.012)]);
        crate::store::tiles::put_entry(&inner.conn, &inner.sealer, &b.to_string(), "both", &forged).unwrap();
    }
    let mut ea2 = ea.clone();
    ea2.insert("both".into(), merchant("both", "Both", &[("both-a", 39.0111, -98.012)]));
    let delta = f.delta(a, 1, 2, &ea2, &["both"], &[]);
    let refused = e.load_tiles(Some(&f.header(2)), vec![delta], Timestamp(NOW + 1)).unwrap_err();
    assert!(refused.to_string().contains("garbled"), "{refused}");
    assert!(catalog_of(&e) == before, "the catalog in force stays");
    drop(e);
    // And at open, where every stored entry is checked, the tiles are not used.
    let e = f.open();
    assert!(e.lock().catalog.is_none(), "a tampered stored entry is refused at open too");
}

#[test]
fn a_merchant_in_two_tiles_whose_order_changed_is_merged_again_in_the_new_order() {
    let f = Fixture::new();
    let e = f.open();
    let (a, ea, b, mut eb) = tiles();
    // Tile B's entry of the merchant in both tiles carries other shared
    // data (a tile not refreshed yet): the first tile in build order wins.
    eb.insert("both".into(), merchant("both", "Both in B", &[("both-b", 39.031, -98.012)]));
    e.load_tiles(Some(&f.header(1)), vec![f.whole(a, 1, &ea), f.whole(b, 1, &eb)], Timestamp(NOW)).unwrap();
    let first = catalog_of(&e);
    assert!(first.contains("Both offer") && !first.contains("Both in B"), "tile A first: its merchant's data");
    // A delta of tile B alone, not touching that merchant: B was needed
    // last, so it now comes first.
    let mut eb2 = eb.clone();
    eb2.insert("b03".into(), merchant("b03", "B changed", &[("b03-p", 39.0265, -98.01)]));
    e.load_tiles(Some(&f.header(2)), vec![f.delta(b, 1, 2, &eb2, &["b03"], &[])], Timestamp(NOW + 1)).unwrap();
    let stats = e.tile_patch_stats().expect("patched");
    assert_eq!(stats.entries_read, 2 + 2, "b03 old and new, and the merchant in both from each tile: {stats:?}");
    let patched = catalog_of(&e);
    assert!(patched.contains("Both in B offer") && !patched.contains("Both offer"), "tile B first now");
    drop(e);
    let e = f.open();
    assert!(catalog_of(&e) == patched, "the patched catalog is the one a whole build gives");
}

/// Every row of the tiles at rest, sealed, by table and keyed id.
fn rows_at_rest(e: &Engine) -> std::collections::BTreeMap<(String, Vec<u8>), Vec<u8>> {
    let inner = e.lock();
    let mut out = std::collections::BTreeMap::new();
    for (table, key) in [("catalog_tiles", "tile"), ("catalog_tile_entries", "entry")] {
        let mut stmt = inner.conn.prepare(&format!("SELECT {key}, sealed FROM {table}")).unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))).unwrap();
        for row in rows {
            let (id, sealed) = row.unwrap();
            out.insert((table.to_owned(), id), sealed);
        }
    }
    out
}

#[test]
fn a_delta_of_one_merchant_writes_its_entry_and_its_tile_s_head_and_leaves_every_other_row_as_it_was() {
    let f = Fixture::new();
    let e = f.open();
    let (a, ea, b, eb) = tiles();
    e.load_tiles(Some(&f.header(1)), vec![f.whole(a, 1, &ea), f.whole(b, 1, &eb)], Timestamp(NOW)).unwrap();
    let before = rows_at_rest(&e);
    assert_eq!(before.len(), 2 + 21 + 21, "a head a tile, a row an entry");
    let mut ea2 = ea.clone();
    ea2.insert("a03".into(), merchant("a03", "A changed", &[("a03-p", 39.0065, -98.01)]));
    ea2.remove("a07");
    e.load_tiles(Some(&f.header(2)), vec![f.delta(a, 1, 2, &ea2, &["a03"], &["a07"])], Timestamp(NOW + 1)).unwrap();
    let after = rows_at_rest(&e);
    let rewritten: Vec<&(String, Vec<u8>)> = after.keys().filter(|k| before.get(*k) != Some(&after[*k])).collect();
    let gone = before.keys().filter(|k| !after.contains_key(*k)).count();
    // Sealing draws a fresh nonce: a row written again never reads the same.
    assert_eq!(
        (
            rewritten.iter().filter(|k| k.0 == "catalog_tiles").count(),
            rewritten.iter().filter(|k| k.0 != "catalog_tiles").count(),
            gone
        ),
        (1, 1, 1),
        "tile A's head and merchant a03's entry rewritten, a07's row gone, nothing else touched"
    );
    drop(e);
    let e = f.open();
    let c = catalog_of(&e);
    assert!(c.contains("A changed offer") && c.contains("a06-offer") && !c.contains("a07-offer"), "built at open");
}
