//! The scenario's catalog: a document signed at run time (with the
//! TEST-ONLY key by default), or an envelope signed beforehand.

use super::file::CatalogFile;
use base64::Engine as _;
use kairos_core::catalog::{
    keypair_from_pkcs8, parse_document, public_key_base64, sign, verify_and_parse, Catalog, CatalogKeys, Ed25519KeyPair,
};
use std::path::Path;

/// The TEST-ONLY signing key of `tests/catalogs/` (never a production key).
const TEST_KEY_PK8: &[u8] = include_bytes!("../../../tests/catalogs/test-key.pk8");
/// Its public key, base64.
const TEST_KEY_PUB: &str = include_str!("../../../tests/catalogs/test-key.pub");
/// Its key id.
pub const TEST_KEY_ID: &str = "test-key";

/// A catalog ready to hand to the engine.
#[derive(Debug, Clone)]
pub struct CatalogPlan {
    /// The signed envelope.
    pub envelope: Vec<u8>,
    /// The key id the engine trusts.
    pub key_id: String,
    /// The raw Ed25519 public key the engine trusts.
    pub public_key: Vec<u8>,
    /// The document inside, parsed (for place lookups and the map).
    pub catalog: Catalog,
    /// Where it came from, for the header.
    pub source: String,
    /// Explicit load time, if given.
    pub load_at: Option<kairos_core::Timestamp>,
    /// `tiles = true`: the PKCS#8 key the embedded backend signs each tile
    /// with (the document's signing key); the engine loads nothing whole.
    pub tiles: Option<Vec<u8>>,
}

fn read(dir: &Path, name: &str) -> Result<(Vec<u8>, String), String> {
    let path = dir.join(name);
    let shown = path.display().to_string();
    std::fs::read(&path).map(|b| (b, shown.clone())).map_err(|e| format!("{shown}: {e}"))
}

/// Reads and prepares `[catalog]`, paths relative to `dir`.
pub fn resolve(c: &CatalogFile, dir: &Path, load_at: Option<kairos_core::Timestamp>) -> Result<CatalogPlan, String> {
    let key_id = c.key_id.clone().unwrap_or_else(|| TEST_KEY_ID.to_string());
    if c.tiles && c.load_at.is_some() {
        return Err("[catalog] load_at does not apply with tiles = true: the tiles arrive at the [[sync]]s".into());
    }
    if c.tiles && c.envelope.is_some() {
        return Err("[catalog] tiles = true needs document (and its signing_key): each tile is signed on its own, \
                    and a signed envelope cannot be cut into tiles"
            .into());
    }
    match (&c.document, &c.envelope) {
        (Some(doc), None) => {
            if c.public_key.is_some() {
                return Err("[catalog] public_key goes with envelope, not with document".into());
            }
            let (bytes, shown) = read(dir, doc)?;
            let catalog = parse_document(&bytes).map_err(|e| format!("{shown}: {e}"))?;
            let pk8 = match &c.signing_key {
                Some(k) => read(dir, k)?.0,
                None => TEST_KEY_PK8.to_vec(),
            };
            let pair: Ed25519KeyPair = keypair_from_pkcs8(&pk8).map_err(|e| format!("[catalog] signing_key: {e}"))?;
            let envelope = sign(&bytes, &key_id, &pair);
            let public_key = decode_key(&public_key_base64(&pair))?;
            let source = match c.tiles {
                true => format!("{shown} (served as tiles, each signed at run time with key {key_id})"),
                false => format!("{shown} (signed at run time with key {key_id})"),
            };
            let tiles = c.tiles.then_some(pk8);
            Ok(CatalogPlan { envelope, key_id, public_key, catalog, source, load_at, tiles })
        }
        (None, Some(env)) => {
            if c.signing_key.is_some() {
                return Err("[catalog] signing_key goes with document, not with envelope".into());
            }
            let (envelope, shown) = read(dir, env)?;
            let public_b64 = match &c.public_key {
                Some(k) => String::from_utf8_lossy(&read(dir, k)?.0).trim().to_string(),
                None => TEST_KEY_PUB.trim().to_string(),
            };
            let public_key = decode_key(&public_b64)?;
            let catalog = open_envelope(&envelope, &key_id, &public_key).map_err(|e| format!("{shown}: {e}"))?;
            Ok(CatalogPlan { envelope, key_id, public_key, catalog, source: shown, load_at, tiles: None })
        }
        _ => Err("[catalog] needs exactly one of document (signed at run time) or envelope (already signed)".into()),
    }
}

fn decode_key(b64: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("[catalog] public_key is not base64: {e}"))
}

/// Verifies an envelope's signature and reads its document, whatever its
/// dates (the engine judges them at load time).
pub fn open_envelope(envelope: &[u8], key_id: &str, public_key: &[u8]) -> Result<Catalog, String> {
    #[derive(serde::Deserialize)]
    struct Payload {
        payload: String,
    }
    let p: Payload = serde_json::from_slice(envelope).map_err(|e| format!("not a signed envelope: {e}"))?;
    let doc = base64::engine::general_purpose::STANDARD
        .decode(p.payload.trim())
        .map_err(|e| format!("payload is not base64: {e}"))?;
    let catalog = parse_document(&doc).map_err(|e| e.to_string())?;
    let mut keys = CatalogKeys::new();
    keys.insert(key_id, public_key).map_err(|e| format!("public key: {e}"))?;
    verify_and_parse(envelope, &keys, catalog.issued_at).map_err(|e| e.to_string())?;
    Ok(catalog)
}

/// The centre of a catalog place: a circle's centre, or the mean of a
/// polygon's exterior vertices. Longitudes are unwrapped first (each vertex
/// taken within 180° of the one before), as the engine's covering circle
/// does, so a fence across the antimeridian has its centre on it, not on
/// the other side of the Earth.
pub fn place_centre(catalog: &Catalog, place_id: &str) -> Option<(f64, f64)> {
    use kairos_core::fences::FenceShape;
    let place = catalog.merchants.iter().find_map(|m| m.place(place_id))?;
    Some(match &place.fence {
        FenceShape::Circle { lat, lon, .. } => (*lat, *lon),
        FenceShape::Polygon { exterior, .. } => ring_centre(exterior),
    })
}

/// The mean of a ring's vertices (`[lat, lon]`, closing vertex or not),
/// longitudes unwrapped, the result back within ±180°.
fn ring_centre(ring: &[[f64; 2]]) -> (f64, f64) {
    let mut ring = ring;
    if ring.len() > 1 && ring.first() == ring.last() {
        ring = &ring[..ring.len() - 1];
    }
    let n = ring.len().max(1) as f64;
    let mut prev: Option<f64> = None;
    let mut lon_sum = 0.0;
    for p in ring {
        let lon = match prev {
            Some(q) => q + (p[1] - q + 540.0).rem_euclid(360.0) - 180.0,
            None => p[1],
        };
        lon_sum += lon;
        prev = Some(lon);
    }
    let lon = (lon_sum / n + 540.0).rem_euclid(360.0) - 180.0;
    (ring.iter().map(|p| p[0]).sum::<f64>() / n, lon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_polygon_across_the_antimeridian_has_its_centre_on_it() {
        let ring = [[-17.0, 179.9], [-17.0, -179.9], [-16.9, -179.9], [-16.9, 179.9], [-17.0, 179.9]];
        let (lat, lon) = ring_centre(&ring);
        assert!((lat + 16.95).abs() < 1e-9, "{lat}");
        assert!(lon.abs() > 179.99, "the centre is at ±180°, not in the Atlantic: {lon}");
    }

    #[test]
    fn an_ordinary_polygon_keeps_its_mean() {
        let (lat, lon) = ring_centre(&[[1.0, 2.0], [1.0, 4.0], [3.0, 4.0], [3.0, 2.0]]);
        assert!((lat - 2.0).abs() < 1e-12 && (lon - 3.0).abs() < 1e-12, "{lat} {lon}");
    }
}
