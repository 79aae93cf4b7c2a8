//! The tiled catalog over HTTP (ADR 0012, revised): publishing, the small
//! signed header and whole tiles with strong ETags and 304s, the delta
//! request (whole tiles, per-entry deltas, tombstones, 304), hostile input
//! and replayed or tampered answers included. On SQLite, and PostgreSQL
//! when configured.

mod common;

use chrono::{Duration, Utc};
use common::{assert_error, backends, start, Api};
use hyper::Method;
use kairos_backend::tile_publishing::{publish, TilePublishError};
use kairos_core::catalog::tiles::{
    decode_pack, verify_header, CatalogHeader, HeldTiles, TileBodies, TileBody, TileError, TileId, TileUpdate,
};
use kairos_core::catalog::{generate_keypair, keypair_from_pkcs8, Catalog, CatalogKeys, Ed25519KeyPair};
use kairos_core::time::Timestamp;
use serde_json::json;

/// Places spread over six tiles around San José, one offer each; `extra`
/// adds a second merchant in the first place's tile.
fn catalog(version: u64, title_of_first: &str, extra: bool) -> Catalog {
    let shop = |i: usize, lat: f64, title: String| {
        json!({
            "id": format!("m{i}"), "name": format!("Shop {i}"), "category": "food",
            "time_zone": "America/Los_Angeles",
            "places": [{"id": format!("p{i}"), "fence": {"type": "circle", "lat": lat, "lon": -121.93, "radius_m": 80}}],
            "offers": [{"id": format!("o{i}"), "title": title, "trigger": {"type": "enter"}, "claim_window_minutes": 60}]
        })
    };
    let mut merchants: Vec<_> = (0..6)
        .map(|i| {
            let title = if i == 0 { title_of_first.to_owned() } else { format!("Offer {i}") };
            shop(i, 37.315 + 0.05 * i as f64, title)
        })
        .collect();
    if extra {
        merchants.push(shop(9, 37.316, "Extra".into()));
    }
    let doc = json!({
        "version": version,
        "issued_at": (Utc::now() - Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "expires_at": (Utc::now() + Duration::days(30)).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "merchants": merchants,
    });
    serde_json::from_value(doc).unwrap()
}

fn key() -> (Ed25519KeyPair, CatalogKeys) {
    let (pkcs8, public) = generate_keypair().unwrap();
    let mut keys = CatalogKeys::new();
    keys.insert("k1", &public).unwrap();
    (keypair_from_pkcs8(&pkcs8).unwrap(), keys)
}

fn now() -> Timestamp {
    Timestamp::from_millis(Utc::now().timestamp_millis())
}

async fn delta(api: &Api, body: serde_json::Value) -> kairos_backend::client::Reply {
    api.send(Method::POST, "/v1/catalog/tiles", &[("content-type", "application/json")], body.to_string().into_bytes())
        .await
}

/// The header in force, verified.
async fn header(api: &Api, keys: &CatalogKeys) -> (CatalogHeader, Vec<u8>) {
    let reply = api.send(Method::GET, "/v1/catalog/header", &[], vec![]).await;
    assert_eq!(reply.status, 200);
    verify_header(&reply.body, keys, now()).unwrap()
}

/// The first place's tile.
fn first() -> TileId {
    TileId::of(37.315, -121.93)
}

/// A phone: the tiles it holds and their bodies (which the engine keeps in
/// its store).
#[derive(Debug, Clone, Default, PartialEq)]
struct Phone {
    held: HeldTiles,
    bodies: TileBodies,
}

impl Phone {
    fn apply(
        &mut self,
        h: &CatalogHeader,
        stored: Vec<u8>,
        updates: Vec<TileUpdate>,
        ids: &[TileId],
        keys: &CatalogKeys,
    ) -> Result<(), TileError> {
        let heads = self.bodies.iter().map(|(id, b)| (*id, b.head.clone())).collect();
        for (id, arrived) in self.held.apply(h, stored, updates, ids, keys, now(), &heads)? {
            let body = self
                .bodies
                .entry(id)
                .or_insert_with(|| TileBody { head: arrived.head.clone(), entries: Default::default() });
            if arrived.whole {
                body.entries.clear();
            }
            body.entries.retain(|m, _| arrived.head.manifest.contains_key(m));
            body.entries.extend(arrived.entries);
            body.head = arrived.head;
        }
        Ok(())
    }
}

/// A phone's view: asks for `ids` with what it holds, applies the answer.
async fn sync(api: &Api, keys: &CatalogKeys, phone: &mut Phone, ids: &[TileId]) -> Vec<TileUpdate> {
    let (h, stored) = header(api, keys).await;
    let wanted: serde_json::Map<_, _> =
        ids.iter().map(|id| (id.to_string(), json!(phone.held.tiles.get(id).map_or(0, |t| t.version)))).collect();
    let reply = delta(api, json!({ "tiles": wanted })).await;
    let updates = match reply.status.as_u16() {
        304 => Vec::new(),
        200 => {
            assert_eq!(reply.header("content-type"), Some("application/vnd.kairos.tiles+gzip"));
            decode_pack(&reply.body, 1 << 20).unwrap()
        }
        other => panic!("delta answered {other}"),
    };
    phone.apply(&h, stored, updates.clone(), ids, keys).unwrap();
    updates
}

#[tokio::test]
async fn the_header_and_each_whole_tile_are_served_with_strong_etags_and_304s() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        assert_error(&api.send(Method::GET, "/v1/catalog/header", &[], vec![]).await, 404, "no_tiles");
        let (pair, keys) = key();
        let published = publish(b.storage.as_ref(), &catalog(1, "First", false), "k1", &pair).await.unwrap();
        assert_eq!((published.tiles, published.changed, published.removed), (6, 6, 0), "{}", b.name);

        let reply = api.send(Method::GET, "/v1/catalog/header", &[], vec![]).await;
        assert_eq!(reply.status, 200, "{}", b.name);
        assert!(reply.body.len() < 1_024, "the header lists no tiles: {} bytes", reply.body.len());
        let (h, stored) = verify_header(&reply.body, &keys, now()).unwrap();
        assert_eq!(h.version, 1);
        let tag = reply.header("etag").unwrap().to_owned();
        assert!(tag.starts_with("\"sha256-"), "{tag}");
        let again = api.send(Method::GET, "/v1/catalog/header", &[("if-none-match", &tag)], vec![]).await;
        assert_eq!((again.status.as_u16(), again.body.len()), (304, 0));

        let path = format!("/v1/catalog/tiles/{}", first());
        let tile = api.send(Method::GET, &path, &[], vec![]).await;
        assert_eq!(tile.status, 200);
        assert_eq!(tile.header("content-type"), Some("application/vnd.kairos.tiles+gzip"));
        let whole = decode_pack(&tile.body, 1 << 20).unwrap();
        assert_eq!((whole.len(), whole[0].id, whole[0].version, whole[0].base), (1, first(), 1, 0));
        let mut held = Phone::default();
        held.apply(&h, stored, whole, &[], &keys).expect("the tile's own signature holds");
        let tile_tag = tile.header("etag").unwrap().to_owned();
        assert_eq!(api.send(Method::GET, &path, &[("if-none-match", &tile_tag)], vec![]).await.status, 304);
        assert_error(&api.send(Method::GET, "/v1/catalog/tiles/r1c1", &[], vec![]).await, 404, "unknown_tile");
        assert_error(&api.send(Method::GET, "/v1/catalog/tiles/x'1", &[], vec![]).await, 400, "invalid_tile_id");
    }
}

#[tokio::test]
async fn a_delta_request_gets_whole_tiles_first_then_only_the_entries_changed_or_removed_and_304_when_nothing_did() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        let (pair, keys) = key();
        publish(b.storage.as_ref(), &catalog(1, "First", true), "k1", &pair).await.unwrap();
        let ids: Vec<TileId> = (0..6).map(|i| TileId::of(37.315 + 0.05 * f64::from(i), -121.93)).collect();
        let mut held = Phone::default();
        let first_sync = sync(&api, &keys, &mut held, &ids).await;
        assert_eq!(first_sync.len(), 6, "{}", b.name);
        assert!(first_sync.iter().all(|u| u.base == 0));
        assert_eq!(held.bodies[&first()].entries.len(), 2);
        assert!(sync(&api, &keys, &mut held, &ids).await.is_empty(), "nothing changed: 304");

        // Version 2 changes the first offer and removes the extra merchant.
        let p = publish(b.storage.as_ref(), &catalog(2, "Changed", false), "k1", &pair).await.unwrap();
        assert_eq!((p.changed, p.removed), (1, 0), "{}", b.name);
        let d = sync(&api, &keys, &mut held, &ids).await;
        assert_eq!(d.len(), 1, "{}", b.name);
        assert_eq!((d[0].id, d[0].version, d[0].base, d[0].upserts.len()), (first(), 2, 1, 1));
        assert_eq!(d[0].removed, ["m9"], "a tombstone");
        let (t, body) = (&held.held.tiles[&first()], &held.bodies[&first()]);
        assert_eq!((t.version, body.entries.keys().map(String::as_str).collect::<Vec<_>>()), (2, vec!["m0"]));
        assert_eq!(held.held.tiles[&ids[5]].version, 1, "an unchanged tile keeps its version");
    }
}

#[tokio::test]
async fn a_tile_that_became_empty_arrives_signed_and_empty_and_an_empty_tile_never_held_costs_nothing() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        let (pair, keys) = key();
        publish(b.storage.as_ref(), &catalog(1, "First", false), "k1", &pair).await.unwrap();
        let far = TileId::of(37.315 + 0.25, -121.93);
        let mut held = Phone::default();
        sync(&api, &keys, &mut held, &[far]).await;
        let mut smaller = catalog(2, "First", false);
        smaller.merchants.retain(|m| m.id != "m5");
        let p = publish(b.storage.as_ref(), &smaller, "k1", &pair).await.unwrap();
        assert_eq!((p.tiles, p.changed, p.removed), (5, 1, 1), "{}", b.name);
        let d = sync(&api, &keys, &mut held, &[far]).await;
        assert_eq!((d[0].version, d[0].upserts.len(), d[0].removed.clone()), (2, 0, vec!["m5".to_owned()]));
        assert!(held.bodies[&far].entries.is_empty(), "{}", b.name);
        assert_eq!(delta(&api, json!({"tiles": {far.to_string(): 0}})).await.status, 304, "empty, never held");
    }
}

#[tokio::test]
async fn a_client_older_than_the_delta_history_gets_the_whole_tile() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        let (pair, keys) = key();
        publish(b.storage.as_ref(), &catalog(1, "First", true), "k1", &pair).await.unwrap();
        let (mut at_1, mut at_2) = (Phone::default(), Phone::default());
        sync(&api, &keys, &mut at_1, &[first()]).await;
        publish(b.storage.as_ref(), &catalog(2, "First", false), "k1", &pair).await.unwrap();
        sync(&api, &keys, &mut at_2, &[first()]).await;
        // Far past the history kept: the tombstone of version 2 is pruned
        // with the tile's next change.
        let later = 2 + kairos_backend::limits::TILE_DELTA_HISTORY_VERSIONS + 1;
        publish(b.storage.as_ref(), &catalog(later, "Much later", false), "k1", &pair).await.unwrap();
        let whole = sync(&api, &keys, &mut at_1, &[first()]).await;
        assert_eq!((whole[0].base, whole[0].version), (0, later), "held 1, before the floor: whole ({})", b.name);
        let d = sync(&api, &keys, &mut at_2, &[first()]).await;
        assert_eq!((d[0].base, d[0].upserts.len(), d[0].removed.len()), (2, 1, 0), "held 2: a delta ({})", b.name);
        assert_eq!(at_1.bodies[&first()].entries, at_2.bodies[&first()].entries);
    }
}

#[tokio::test]
async fn a_tampered_delta_a_forged_tile_or_a_replayed_old_tile_is_refused_by_the_phone() {
    let b = common::sqlite();
    let server = start(&b.storage, None).await;
    let api = Api::register(server.addr()).await;
    let (pair, keys) = key();
    publish(b.storage.as_ref(), &catalog(1, "First", true), "k1", &pair).await.unwrap();
    let old = api.send(Method::GET, &format!("/v1/catalog/tiles/{}", first()), &[], vec![]).await.body;
    let mut held = Phone::default();
    sync(&api, &keys, &mut held, &[first()]).await;
    publish(b.storage.as_ref(), &catalog(2, "Changed", false), "k1", &pair).await.unwrap();
    let (h, stored) = header(&api, &keys).await;
    let answer = delta(&api, json!({"tiles": {first().to_string(): 1}})).await;
    let good = decode_pack(&answer.body, 1 << 20).unwrap();
    let before = held.clone();

    let mut tampered = good.clone();
    tampered[0].upserts[0] =
        String::from_utf8(tampered[0].upserts[0].clone()).unwrap().replace("Changed", "Free!").into();
    let e = held.apply(&h, stored.clone(), tampered, &[], &keys);
    assert_eq!(e, Err(TileError::BadSignature { tile: first() }));
    let mut kept = good.clone();
    kept[0].removed.clear();
    assert_eq!(held.apply(&h, stored.clone(), kept, &[], &keys), Err(TileError::BadSignature { tile: first() }));
    let (forger, _) = key();
    let mut forged = decode_pack(&old, 1 << 20).unwrap();
    forged[0].signature =
        kairos_core::catalog::tiles::sign_tile(first(), 1, &held.bodies[&first()].entries, "k1", &forger);
    assert_eq!(held.apply(&h, stored.clone(), forged, &[], &keys), Err(TileError::BadSignature { tile: first() }));
    assert_eq!(held, before, "refused whole");

    held.apply(&h, stored.clone(), good, &[], &keys).unwrap();
    let replayed = decode_pack(&old, 1 << 20).unwrap();
    let e = held.apply(&h, stored, replayed, &[], &keys);
    assert_eq!(e, Err(TileError::Rollback { tile: first(), offered: 1, held: 2 }));
}

#[tokio::test]
async fn hostile_delta_requests_are_refused_and_unknown_tiles_cost_nothing() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        let (pair, _) = key();
        publish(b.storage.as_ref(), &catalog(1, "First", false), "k1", &pair).await.unwrap();
        // A valid tile id where nothing is published: nothing to send.
        assert_eq!(delta(&api, json!({"tiles": {"r1c1": 0, "r2c2": 0}})).await.status, 304);
        let too_many: serde_json::Map<_, _> = (0..257).map(|i| (format!("r100c{i}"), json!(0))).collect();
        assert_error(&delta(&api, json!({ "tiles": too_many })).await, 400, "too_many_tiles");
        assert_error(&delta(&api, json!({"tiles": {"../etc": 0}})).await, 400, "invalid_tile_id");
        assert_error(&delta(&api, json!({"tiles": {"r99999c1": 0}})).await, 400, "invalid_tile_id");
        assert_error(&delta(&api, json!({"tiles": {"r1c1": -1}})).await, 400, "invalid_value");
        assert_error(&delta(&api, json!({"tiles": {}, "lat": 37.3})).await, 400, "unknown_field");
        assert_error(&delta(&api, json!(["r1c1"])).await, 400, "invalid_json");
        let big = vec![b' '; 17 * 1024];
        let reply = api.send(Method::POST, "/v1/catalog/tiles", &[("content-type", "application/json")], big).await;
        assert_eq!(reply.status, 413);
        let anonymous = kairos_backend::client::send_once(
            server.addr(),
            Method::POST,
            "/v1/catalog/tiles",
            &[("content-type", "application/json")],
            "{\"tiles\": {}}".to_owned(),
        )
        .await
        .unwrap();
        assert_eq!(anonymous.status, 401);
    }
}

#[tokio::test]
async fn publishing_an_older_version_or_other_content_at_the_same_version_is_refused() {
    let b = common::sqlite();
    let (pair, _) = key();
    publish(b.storage.as_ref(), &catalog(5, "First", false), "k1", &pair).await.unwrap();
    let e = publish(b.storage.as_ref(), &catalog(4, "First", false), "k1", &pair).await.unwrap_err();
    assert!(matches!(e, TilePublishError::Rollback { offered: 4, current: 5 }), "{e}");
    let e = publish(b.storage.as_ref(), &catalog(5, "Other", false), "k1", &pair).await.unwrap_err();
    assert!(matches!(e, TilePublishError::Rollback { offered: 5, current: 5 }), "{e}");
    let same = publish(b.storage.as_ref(), &catalog(5, "First", false), "k1", &pair).await.unwrap();
    assert_eq!(same.changed, 0, "the same content again changes nothing");
}

#[tokio::test]
async fn a_catalog_with_invalid_tiles_is_refused_whole_naming_its_first_invalid_tile_in_id_order() {
    let b = common::sqlite();
    let (pair, _) = key();
    let mut invalid = catalog(1, "First", false);
    // The second and third places' tiles (in id order, as in the catalog).
    for i in [1, 2] {
        invalid.merchants[i].name = String::new();
    }
    let tile_of = |i: usize| TileId::of(37.315 + 0.05 * i as f64, -121.93);
    assert!(tile_of(0) < tile_of(1) && tile_of(1) < tile_of(2));
    for _ in 0..5 {
        let e = publish(b.storage.as_ref(), &invalid, "k1", &pair).await.unwrap_err();
        assert!(matches!(&e, TilePublishError::InvalidTile { tile, .. } if *tile == tile_of(1)), "{e}");
    }
    assert_eq!(b.storage.tile_index().await.unwrap(), Default::default(), "nothing was published");
}
