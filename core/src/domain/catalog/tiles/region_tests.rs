//! The region's rules on a synthetic grid (whatever the cell size).

use super::*;

/// One cell's side north–south, in metres.
fn cell_m() -> f64 {
    f64::from(crate::policy::TILE_CELL_MICRODEG) / 1e6 * 111_320.0
}

const POS: (f64, f64) = (39.0123, -98.0123);

fn at(p: (f64, f64), anchor: Anchor) -> AnchorPoint {
    AnchorPoint { lat: p.0, lon: p.1, anchor }
}

fn held_all(tiles: &[TileId], cost: u64) -> BTreeMap<TileId, HeldCost> {
    tiles.iter().map(|t| (*t, HeldCost { cost, last_needed: Timestamp(0) })).collect()
}

#[test]
fn the_current_position_s_tile_ranks_first_then_home_s_own_tile_before_the_rings_around_them() {
    let home = (POS.0 + 10.0 * cell_m() / 111_320.0, POS.1);
    let ranked = rank(&[at(home, Anchor::Home), at(POS, Anchor::Position)], &[], 2.0 * cell_m());
    assert_eq!(ranked[0], TileId::of(POS.0, POS.1));
    assert_eq!(ranked[1], TileId::of(home.0, home.1));
    let crossed = TileId::of(POS.0 + 1.0, POS.1);
    let with_crossed = rank(&[at(POS, Anchor::Position)], &[crossed, ranked[0]], 2.0 * cell_m());
    assert_eq!(with_crossed.last(), Some(&crossed), "a crossed tile comes after the region, once");
    assert_eq!(with_crossed.iter().filter(|t| **t == ranked[0]).count(), 1);
}

#[test]
fn in_a_dense_city_the_budget_shrinks_the_radius() {
    let radius = 3.0 * cell_m();
    let ranked = rank(&[at(POS, Anchor::Position)], &[], radius);
    // Every tile as heavy as a quarter of the budget: four fit.
    let p = plan(&ranked, &held_all(&ranked, 1_000), 1_000, 4_000);
    assert_eq!(p.keep, ranked[..4]);
    assert!(!p.beyond.is_empty());
    assert!(reach_m(POS.0, POS.1, &p.keep) < radius / 2.0, "{}", reach_m(POS.0, POS.1, &p.keep));
    assert_eq!(p.evict, p.beyond, "the held tiles beyond the budget are evicted");
    // Not held: beyond the budget is not requested.
    let p = plan(&ranked, &BTreeMap::new(), 1_000, 4_000);
    assert_eq!(p.request, ranked[..4]);
}

#[test]
fn in_the_countryside_the_region_reaches_the_configured_radius() {
    let radius = 3.0 * cell_m();
    let ranked = rank(&[at(POS, Anchor::Position)], &[], radius);
    let p = plan(&ranked, &BTreeMap::new(), 10, 4_000);
    assert_eq!(p.keep, ranked);
    assert!(p.beyond.is_empty() && p.evict.is_empty());
    let reach = reach_m(POS.0, POS.1, &p.keep);
    assert!(reach > radius - cell_m() && reach <= radius, "reach {reach} of {radius}");
}

#[test]
fn the_current_position_s_tile_is_never_evicted_even_over_the_budget() {
    let ranked = rank(&[at(POS, Anchor::Position)], &[], cell_m());
    let p = plan(&ranked, &held_all(&ranked, 1_000_000), 1_000_000, 0);
    assert_eq!(p.keep, [ranked[0]]);
    assert!(!p.evict.contains(&ranked[0]));
    assert_eq!(p.evict.len(), ranked.len() - 1);
}

#[test]
fn tiles_no_longer_needed_keep_the_room_left_most_recently_needed_first() {
    let ranked = rank(&[at(POS, Anchor::Position)], &[], 0.1);
    let far = |k: u32| TileId { row: 10 + k, col: 10 };
    let mut held = held_all(&ranked, 10);
    for (k, seen) in [(0, 5), (1, 9), (2, 1)] {
        held.insert(far(k), HeldCost { cost: 10, last_needed: Timestamp(seen) });
    }
    let used = 10 * ranked.len() as u64;
    let p = plan(&ranked, &held, 10, used + 20);
    assert_eq!(p.keep, ranked);
    assert_eq!(p.evict, [far(2)], "the least recently needed goes first");
}
