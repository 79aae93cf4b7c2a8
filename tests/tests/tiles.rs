//! A tiled catalog end to end (ADR 0012): published by the real backend on
//! loopback, fetched by the engine's own sync (the signed header, then
//! delta requests for the tiles it needs: whole tiles, then per-entry
//! deltas), merged into one catalog. The two
//! scenarios of issue #17: a fence on a tile border (one enter, one exit),
//! and a trip to a city whose tiles the phone does not hold (its offers
//! fire once its tiles arrive, and the timeline says when they did).

#![forbid(unsafe_code)]

use kairos_backend::storage::TileIndex;
use kairos_backend::tile_publishing::{build, publish};
use kairos_core::catalog::tiles::{decode_pack, TileId};
use kairos_core::catalog::Catalog;
use kairos_core::{Engine, Event, EventKind, LocationFix, Timestamp};
use kairos_e2e::catalog::{config, KEY_ID};
use kairos_e2e::t;
use kairos_e2e::tiled::{self, catalog_of, options, shop, Published, INSTALL};

/// San José: a shop whose fence straddles the border between two tiles
/// (longitude −121.96 is a cell edge), and a café. San Francisco, 60 km
/// away: a bakery.
fn catalog(version: u64) -> Catalog {
    catalog_of(
        version,
        vec![
            shop("border-shop", 37.3225, -121.96),
            shop("cafe", 37.33, -121.93),
            shop("sf-bakery", 37.7751, -122.4194),
        ],
    )
}

fn fix(at: Timestamp, lat: f64, lon: f64, speed: f64) -> LocationFix {
    LocationFix { speed_mps: Some(speed), ..LocationFix::new(at, lat, lon, 8.0) }
}

/// Walks from `from` to `to` at 1.3 m/s, one fix every 5 s, from `start`;
/// returns the events and the time of arrival.
fn walk(e: &Engine, start: Timestamp, from: (f64, f64), to: (f64, f64)) -> (Vec<Event>, Timestamp) {
    let metres = kairos_core::geo::distance_m(from.0, from.1, to.0, to.1);
    let steps = (metres / 6.5).ceil().max(1.0) as i64;
    let mut events = Vec::new();
    let mut at = start;
    for i in 0..=steps {
        let f = i as f64 / steps as f64;
        at = start.plus_millis(i * 5_000);
        events.extend(
            e.record_location(fix(at, from.0 + (to.0 - from.0) * f, from.1 + (to.1 - from.1) * f, 1.3)).unwrap(),
        );
    }
    (events, at)
}

fn count(events: &[Event], what: impl Fn(&EventKind) -> bool) -> usize {
    events.iter().filter(|e| what(&e.kind)).count()
}

/// The shared setup ([`tiled::published_with`]) with this file's catalog 3.
async fn published() -> Published {
    tiled::published_with(&catalog(3)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fence_on_a_tile_border_is_one_fence_entered_once_and_exited_once() {
    let Published { b, key: _key, dir: _dir, e } = published().await;
    let start = t("2026-11-24T10:00:00-08:00");
    e.record_location(fix(start, 37.3225, -121.9620, 0.0)).unwrap();
    let report = e.sync(&options(&b.server.url()), start.plus_millis(1_000)).await.unwrap();
    assert!(report.catalog_updated, "{report:?}");
    let held = e.catalog_tiles().expect("tiles held");
    let west = TileId::of(37.3225, -121.9601).to_string();
    let east = TileId::of(37.3225, -121.9599).to_string();
    assert!(held.held.contains(&west) && held.held.contains(&east), "{held:?}");
    let info = e.catalog_info().unwrap();
    assert_eq!((info.version, info.fences), (3, 2), "the border shop is one fence, not one per tile");
    // Walk west to east straight through the shop, across the tile border.
    let (events, _) = walk(&e, start.plus_millis(60_000), (37.3225, -121.9620), (37.3225, -121.9580));
    let at_shop = |k: &EventKind, enter: bool| match k {
        EventKind::FenceEntered { place_id, .. } if enter => place_id == "border-shop-place",
        EventKind::FenceExited { place_id, .. } if !enter => place_id == "border-shop-place",
        _ => false,
    };
    assert_eq!(count(&events, |k| at_shop(k, true)), 1, "{events:?}");
    assert_eq!(count(&events, |k| at_shop(k, false)), 1, "{events:?}");
    assert_eq!(count(&events, |k| matches!(k, EventKind::OfferTriggered { .. })), 1, "{events:?}");
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_header_or_a_forged_tile_is_refused_and_the_tiles_in_force_stay() {
    let Published { b, key, dir, e } = published().await;
    let start = t("2026-11-24T10:00:00-08:00");
    e.record_location(fix(start, 37.3225, -121.9620, 0.0)).unwrap();
    e.sync(&options(&b.server.url()), start.plus_millis(1_000)).await.unwrap();
    let held = e.catalog_tiles().unwrap();
    // A replayed version-2 header, validly signed.
    let old = build(&catalog(2), TileIndex::default(), KEY_ID, &key).unwrap();
    let refused = e.load_tiles(Some(&old.write.header.body), vec![], start.plus_millis(2_000)).unwrap_err();
    let why = refused.to_string();
    assert!(why.contains("after the header's version 2") || why.contains("older than"), "{refused}");
    // A tile whose entries do not match its own signature.
    let current = build(&catalog(3), TileIndex::default(), KEY_ID, &key).unwrap();
    let mut forged = decode_pack(&current.write.tiles[0].packed, 1 << 20).unwrap();
    forged[0].upserts[0] = String::from_utf8(forged[0].upserts[0].clone()).unwrap().replace("offer", "0ffer").into();
    let refused = e.load_tiles(None, forged, start.plus_millis(3_000)).unwrap_err();
    assert!(refused.to_string().contains("signature"), "{refused}");
    // The same tile at a version after the header in force.
    let later = build(&catalog(4), TileIndex::default(), KEY_ID, &key).unwrap();
    let ahead = decode_pack(&later.write.tiles[0].packed, 1 << 20).unwrap();
    let refused = e.load_tiles(None, ahead, start.plus_millis(3_000)).unwrap_err();
    assert!(refused.to_string().contains("after the header"), "{refused}");
    assert_eq!(e.catalog_tiles().unwrap(), held, "the tiles in force stay");
    // Reopened, the engine restores and re-verifies the same tiles.
    drop(e);
    let e = Engine::open(config(dir.path(), INSTALL)).unwrap();
    assert_eq!(e.catalog_tiles().unwrap().held, held.held);
    assert_eq!(e.catalog_info().unwrap().version, 3);
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_offer_arrives_as_a_per_entry_delta_and_an_unchanged_catalog_costs_a_304() {
    let Published { b, key, dir: _dir, e } = published().await;
    let start = t("2026-11-24T10:00:00-08:00");
    e.record_location(fix(start, 37.33, -121.93, 0.0)).unwrap();
    e.sync(&options(&b.server.url()), start.plus_millis(1_000)).await.unwrap();
    let day = 86_400_000;
    let report = e.sync(&options(&b.server.url()), start.plus_millis(day)).await.unwrap();
    assert!(!report.catalog_updated && report.problems.is_empty(), "nothing changed: {report:?}");
    let mut next = catalog(4);
    next.merchants[1].offers[0].title = "cafe offer, now 20% off".into();
    publish(b.storage.as_ref(), &next, KEY_ID, &key).await.unwrap();
    let report = e.sync(&options(&b.server.url()), start.plus_millis(2 * day)).await.unwrap();
    assert!(report.catalog_updated && report.problems.is_empty(), "{report:?}");
    assert_eq!((e.catalog_tiles().unwrap().header_version, e.catalog_info().unwrap().version), (4, 4));
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offers_in_a_city_whose_tiles_are_not_held_fire_once_its_tiles_arrive_at_the_next_sync() {
    let Published { b, key: _key, dir: _dir, e } = published().await;
    let home = (37.3300, -121.9400);
    let start = t("2026-11-24T08:00:00-08:00");
    e.record_location(fix(start, home.0, home.1, 0.0)).unwrap();
    e.sync(&options(&b.server.url()), start.plus_millis(1_000)).await.unwrap();
    let bakery_tile = TileId::of(37.7751, -122.4194).to_string();
    assert!(!e.catalog_tiles().unwrap().held.contains(&bakery_tile), "San Francisco is not held at home");

    // A trip to San Francisco: into the bakery's fence, with no tile for it.
    let arrive = t("2026-11-24T11:00:00-08:00");
    let (before, inside) = walk(&e, arrive, (37.7741, -122.4194), (37.7751, -122.4194));
    assert_eq!(count(&before, |k| matches!(k, EventKind::OfferTriggered { .. })), 0, "{before:?}");
    // Out again, then the next sync (here, at once) fetches the tiles entered.
    let (_, out) = walk(&e, inside.plus_millis(60_000), (37.7751, -122.4194), (37.7741, -122.4194));
    let synced_at = out.plus_millis(60_000);
    let report = e.sync(&options(&b.server.url()), synced_at).await.unwrap();
    assert!(report.catalog_updated, "{report:?}");
    assert!(e.catalog_tiles().unwrap().held.contains(&bakery_tile));
    let (after, _) = walk(&e, synced_at.plus_millis(60_000), (37.7741, -122.4194), (37.7751, -122.4194));
    let loaded: Vec<&Event> = after.iter().filter(|ev| matches!(ev.kind, EventKind::CatalogLoaded { .. })).collect();
    assert_eq!(loaded.len(), 1, "the timeline says when the tiles arrived: {after:?}");
    assert_eq!(loaded[0].at, synced_at);
    let fired: Vec<&Event> = after.iter().filter(|ev| matches!(ev.kind, EventKind::OfferTriggered { .. })).collect();
    assert_eq!(fired.len(), 1, "{after:?}");
    assert!(matches!(&fired[0].kind, EventKind::OfferTriggered { offer_id, .. } if offer_id == "sf-bakery-offer"));
    assert!(fired[0].at > synced_at);
    b.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_entered_along_the_way_are_asked_for_at_the_next_sync_even_back_home() {
    let Published { b, key: _key, dir: _dir, e } = published().await;
    let home = (37.3300, -121.9400);
    let start = t("2026-11-24T08:00:00-08:00");
    e.record_location(fix(start, home.0, home.1, 0.0)).unwrap();
    e.sync(&options(&b.server.url()), start.plus_millis(1_000)).await.unwrap();
    // A day in San Francisco, then home again before the nightly sync.
    let (_, left) = walk(&e, t("2026-11-24T11:00:00-08:00"), (37.7741, -122.4194), (37.7751, -122.4194));
    e.record_location(fix(left.plus_millis(4 * 3_600_000), home.0, home.1, 0.0)).unwrap();
    let bakery_tile = TileId::of(37.7751, -122.4194).to_string();
    assert!(!e.catalog_tiles().unwrap().held.contains(&bakery_tile));
    e.sync(&options(&b.server.url()), t("2026-11-25T02:00:00-08:00")).await.unwrap();
    assert!(e.catalog_tiles().unwrap().held.contains(&bakery_tile), "asked for at the sync, from home");
    b.server.shutdown().await.unwrap();
}
