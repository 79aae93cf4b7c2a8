//! The tiled catalog over HTTP (ADR 0012): publishing, the manifest and
//! tiles with strong ETags and 304s, and the delta request, hostile input
//! included. On SQLite, and PostgreSQL when configured.

mod common;

use chrono::{Duration, Utc};
use common::{assert_error, backends, start, Api};
use hyper::Method;
use kairos_backend::tile_publishing::{publish, stored_manifest, TilePublishError};
use kairos_core::catalog::tiles::{decode_pack, verify_manifest, TileId};
use kairos_core::catalog::{generate_keypair, keypair_from_pkcs8, Catalog, CatalogKeys, Ed25519KeyPair};
use kairos_core::time::Timestamp;
use serde_json::json;

/// Places spread over a few tiles around San José, one offer each.
fn catalog(version: u64, title_of_first: &str) -> Catalog {
    let merchants: Vec<_> = (0..6)
        .map(|i| {
            json!({
                "id": format!("m{i}"), "name": format!("Shop {i}"), "category": "food",
                "time_zone": "America/Los_Angeles",
                "places": [{"id": format!("p{i}"), "fence": {"type": "circle",
                    "lat": 37.31 + 0.05 * f64::from(i), "lon": -121.93, "radius_m": 80}}],
                "offers": [{"id": format!("o{i}"), "title": if i == 0 { title_of_first.to_owned() } else { format!("Offer {i}") },
                    "trigger": {"type": "enter"}, "claim_window_minutes": 60}]
            })
        })
        .collect();
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

#[tokio::test]
async fn the_manifest_and_each_tile_are_served_with_strong_etags_and_304s() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        assert_error(&api.send(Method::GET, "/v1/catalog/manifest", &[], vec![]).await, 404, "no_tiles");
        let (pair, keys) = key();
        let published = publish(b.storage.as_ref(), &catalog(1, "First"), "k1", &pair).await.unwrap();
        assert_eq!((published.tiles, published.changed, published.removed), (6, 6, 0), "{}", b.name);

        let reply = api.send(Method::GET, "/v1/catalog/manifest", &[], vec![]).await;
        assert_eq!(reply.status, 200, "{}", b.name);
        let (manifest, _) = verify_manifest(&reply.body, &keys, now()).unwrap();
        assert_eq!((manifest.version, manifest.tiles.len()), (1, 6));
        let tag = reply.header("etag").unwrap().to_owned();
        assert!(tag.starts_with("\"sha256-"), "{tag}");
        let again = api.send(Method::GET, "/v1/catalog/manifest", &[("if-none-match", &tag)], vec![]).await;
        assert_eq!((again.status.as_u16(), again.body.len()), (304, 0));

        let (id, entry) = manifest.tiles.iter().next().unwrap();
        let path = format!("/v1/catalog/tiles/{id}");
        let tile = api.send(Method::GET, &path, &[], vec![]).await;
        assert_eq!(tile.status, 200);
        assert!(manifest.check_tile(*id, &tile.body).is_ok(), "the tile hashes to its manifest entry");
        let tile_tag = tile.header("etag").unwrap().to_owned();
        let hex: String = entry.sha256.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(tile_tag, format!("\"sha256-{hex}\""));
        assert_eq!(api.send(Method::GET, &path, &[("if-none-match", &tile_tag)], vec![]).await.status, 304);
        assert_error(&api.send(Method::GET, "/v1/catalog/tiles/r1c1", &[], vec![]).await, 404, "unknown_tile");
        assert_error(&api.send(Method::GET, "/v1/catalog/tiles/x'1", &[], vec![]).await, 400, "invalid_tile_id");
    }
}

#[tokio::test]
async fn a_delta_request_gets_only_the_tiles_changed_since_the_versions_held_gzip_compressed() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        let (pair, keys) = key();
        publish(b.storage.as_ref(), &catalog(1, "First"), "k1", &pair).await.unwrap();
        let m1 = stored_manifest(&b.storage.tile_manifest().await.unwrap().unwrap()).unwrap();
        let ids: Vec<TileId> = m1.tiles.keys().copied().collect();
        let none_held: serde_json::Map<_, _> = ids.iter().map(|id| (id.to_string(), json!(0))).collect();
        let first = delta(&api, json!({ "tiles": none_held })).await;
        assert_eq!(first.status, 200, "{}", b.name);
        assert_eq!(first.header("content-type"), Some("application/vnd.kairos.tiles+gzip"));
        let tiles = decode_pack(&first.body, 1 << 20).unwrap();
        assert_eq!(tiles.len(), 6);
        for t in &tiles {
            assert_eq!(m1.check_tile(t.id, &t.document).unwrap().version, t.version);
        }
        let held: serde_json::Map<_, _> = ids.iter().map(|id| (id.to_string(), json!(1))).collect();
        assert_eq!(delta(&api, json!({ "tiles": held.clone() })).await.status, 304, "nothing changed");

        // Version 2 changes the first place's offer only.
        let p = publish(b.storage.as_ref(), &catalog(2, "Changed"), "k1", &pair).await.unwrap();
        assert_eq!((p.changed, p.removed), (1, 0), "{}", b.name);
        let reply = api.send(Method::GET, "/v1/catalog/manifest", &[], vec![]).await;
        let (m2, _) = verify_manifest(&reply.body, &keys, now()).unwrap();
        let changed = decode_pack(&delta(&api, json!({ "tiles": held })).await.body, 1 << 20).unwrap();
        assert_eq!(changed.len(), 1);
        assert_eq!((changed[0].id, changed[0].version), (TileId::of(37.31, -121.93), 2));
        assert!(m2.check_tile(changed[0].id, &changed[0].document).is_ok());
        assert_eq!(m2.tiles[&ids[5]].version, 1, "an unchanged tile keeps its version");
    }
}

#[tokio::test]
async fn hostile_delta_requests_are_refused_and_unknown_tiles_cost_nothing() {
    for b in backends().await {
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        let (pair, _) = key();
        publish(b.storage.as_ref(), &catalog(1, "First"), "k1", &pair).await.unwrap();
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
async fn publishing_an_older_catalog_version_than_the_tiles_published_is_refused() {
    let b = common::sqlite();
    let (pair, _) = key();
    publish(b.storage.as_ref(), &catalog(5, "First"), "k1", &pair).await.unwrap();
    let e = publish(b.storage.as_ref(), &catalog(4, "First"), "k1", &pair).await.unwrap_err();
    assert!(matches!(e, TilePublishError::Rollback { offered: 4, current: 5 }), "{e}");
}
