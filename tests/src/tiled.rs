//! A tiled catalog around one shopper's life, published by the real
//! backend on loopback, for the privacy tests of a phone holding tiles
//! (`tests/tests/at_rest.rs`, `tests/tests/erase.rs`): which tiles it
//! holds, and the places in them, must not be readable in its files.

use crate::catalog::{config, KEY_ID};
use crate::scan::Target;
use crate::{backend, Backend};
use kairos_core::catalog::{keypair_from_pkcs8, Catalog, Ed25519KeyPair};
use kairos_core::sync::SyncOptions;
use kairos_core::{Engine, LocationFix, Timestamp};
use serde_json::json;
use std::path::{Path, PathBuf};

const PRIVATE_KEY: &[u8] = include_bytes!("../catalogs/test-key.pk8");

/// The install id the engine is opened with.
pub const INSTALL: &str = "0123456789abcdef0123456789abcdef";
/// The shopper's home, in San José.
pub const HOME: Target = Target { lat: 37.330_123_4, lon: -121.940_123_4 };
/// Her work, 3 km north-east (other tiles).
pub const WORK: Target = Target { lat: 37.352_345_6, lon: -121.912_345_6 };
/// The catalog's places near home and work (coordinates with six decimals,
/// as a merchant's own data would have), and one 60 km away, in San
/// Francisco, that the phone never needs.
pub const PLACES: [(&str, Target); 3] = [
    ("corner-cafe", Target { lat: 37.331_234, lon: -121.931_234 }),
    ("office-deli", Target { lat: 37.353_456, lon: -121.913_456 }),
    ("sf-bakery", Target { lat: 37.775_123, lon: -122.419_456 }),
];

/// A merchant `id` with one 40 m circle at (`lat`, `lon`) and one enter
/// offer.
pub fn shop(id: &str, lat: f64, lon: f64) -> serde_json::Value {
    json!({
        "id": id, "name": id, "category": "food", "time_zone": "America/Los_Angeles",
        "places": [{"id": format!("{id}-place"),
                    "fence": {"type": "circle", "lat": lat, "lon": lon, "radius_m": 40}}],
        "offers": [{"id": format!("{id}-offer"), "title": format!("{id} offer"),
                    "trigger": {"type": "enter"}, "claim_window_minutes": 60}]
    })
}

/// A catalog of `merchants` at `version`, valid from 2026-11-20 to 2027-01-20.
pub fn catalog_of(version: u64, merchants: Vec<serde_json::Value>) -> Catalog {
    serde_json::from_value(json!({
        "version": version, "issued_at": "2026-11-20T00:00:00Z", "expires_at": "2027-01-20T00:00:00Z",
        "merchants": merchants
    }))
    .expect("the tiled test catalog is a catalog")
}

/// The catalog of [`PLACES`] at `version`, one merchant each.
pub fn catalog(version: u64) -> Catalog {
    catalog_of(version, PLACES.iter().map(|(id, p)| shop(id, p.lat, p.lon)).collect())
}

/// A backend on loopback with a catalog published as tiles, the key it
/// was signed with, and a fresh engine over its own directory that has
/// not synced yet.
pub struct Published {
    /// The backend.
    pub b: Backend,
    /// The catalog key (for later publications).
    pub key: Ed25519KeyPair,
    /// The engine's data directory.
    pub dir: tempfile::TempDir,
    /// The engine.
    pub e: Engine,
}

/// [`Published`] with [`catalog`] 3.
pub async fn published() -> Published {
    published_with(&catalog(3)).await
}

/// [`Published`] with `catalog`.
pub async fn published_with(catalog: &Catalog) -> Published {
    let b = backend(None).await;
    let key = keypair_from_pkcs8(PRIVATE_KEY).expect("test-key.pk8 is a key");
    kairos_backend::tile_publishing::publish(b.storage.as_ref(), catalog, KEY_ID, &key)
        .await
        .expect("the tiled catalog is published");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let e = Engine::open(config(dir.path(), INSTALL)).expect("the engine opens");
    Published { b, key, dir, e }
}

/// Sync options for the loopback backend (the catalog fetched).
pub fn options(url: &str) -> SyncOptions {
    SyncOptions { allow_insecure_loopback: true, ..SyncOptions::new(url) }
}

/// A still fix at `p`.
pub fn fix(at: Timestamp, p: Target) -> LocationFix {
    LocationFix { speed_mps: Some(0.0), ..LocationFix::new(at, p.lat, p.lon, 8.0) }
}

/// Where a tile id (`r<row>c<col>`) is readable in a file under `dir`: as
/// text, or as its row and column side by side as 32-bit integers in
/// either byte order. Returns (file, tile id, offset).
pub fn tile_id_hits(dir: &Path, ids: &[String]) -> std::io::Result<Vec<(PathBuf, String, usize)>> {
    let mut needles: Vec<(String, Vec<u8>)> = Vec::new();
    for id in ids {
        needles.extend(tile_needles(id));
    }
    find(dir, &needles)
}

/// Where the ids of the held tiles' merchants (and so of their places,
/// `<merchant>-place`) are readable as text in a file under `dir`.
pub fn merchant_id_hits(dir: &Path) -> std::io::Result<Vec<(PathBuf, String, usize)>> {
    let needles: Vec<(String, Vec<u8>)> =
        PLACES[..2].iter().map(|(id, _)| (id.to_string(), id.as_bytes().to_vec())).collect();
    find(dir, &needles)
}

/// A tile id as text and as its row and column (u32, both byte orders).
fn tile_needles(id: &str) -> Vec<(String, Vec<u8>)> {
    let mut needles = Vec::new();
    {
        needles.push((id.to_string(), id.as_bytes().to_vec()));
        let (row, col) = id[1..].split_once('c').expect("a tile id is r<row>c<col>");
        let (row, col): (u32, u32) = (row.parse().expect("a row"), col.parse().expect("a column"));
        needles.push((id.to_string(), [row.to_le_bytes(), col.to_le_bytes()].concat()));
        needles.push((id.to_string(), [row.to_be_bytes(), col.to_be_bytes()].concat()));
    }
    needles
}

/// Every file under `dir` holding one of `needles` (named), and where.
fn find(dir: &Path, needles: &[(String, Vec<u8>)]) -> std::io::Result<Vec<(PathBuf, String, usize)>> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            hits.extend(find(&path, needles)?);
            continue;
        }
        let bytes = std::fs::read(&path)?;
        for (id, needle) in needles {
            if let Some(at) = bytes.windows(needle.len()).position(|w| w == &needle[..]) {
                hits.push((path.clone(), id.clone(), at));
            }
        }
    }
    Ok(hits)
}

/// The coordinates of the held tiles' places ([`PLACES`] near home and
/// work), for [`crate::scan::Scanner`].
pub fn held_places() -> Vec<Target> {
    PLACES[..2].iter().map(|(_, p)| *p).collect()
}

/// The tile id (`r<row>c<col>`) of `p`.
pub fn tile_of(p: Target) -> String {
    kairos_core::catalog::tiles::TileId::of(p.lat, p.lon).to_string()
}

/// The ids of the region's tiles: those of the places held (near home and
/// work) and of home and work themselves (tiles without a place: the
/// server has nothing for them, and the phone remembers them as absent).
pub fn region_tiles() -> Vec<String> {
    let mut ids: Vec<String> = held_places().into_iter().chain([HOME, WORK]).map(tile_of).collect();
    ids.sort();
    ids.dedup();
    ids
}
