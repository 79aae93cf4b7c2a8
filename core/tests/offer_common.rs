//! Helpers for offer tests: signed catalogs built in the test, and walks
//! through a shop's fence.
#![allow(dead_code)]

use kairos_core::catalog::{generate_keypair, keypair_from_pkcs8, sign};
use kairos_core::geo::LocalFrame;
use kairos_core::{Engine, EngineConfig, Event, EventKind, LocationFix, Timestamp};
use serde_json::{json, Value};

pub const TZ: &str = "America/Los_Angeles";

/// A test signing key: its pkcs8 and its public key.
pub struct Key {
    pub pkcs8: Vec<u8>,
    pub public: Vec<u8>,
}

pub fn key() -> Key {
    let (pkcs8, public) = generate_keypair().unwrap();
    Key { pkcs8, public }
}

/// Signs a catalog document under key id `k1`.
pub fn signed(doc: &Value, key: &Key) -> Vec<u8> {
    sign(&serde_json::to_vec(doc).unwrap(), "k1", &keypair_from_pkcs8(&key.pkcs8).unwrap())
}

pub fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// Latitude/longitude of a point `x` m east and `y` m north of the origin.
pub fn at_xy(x: f64, y: f64) -> (f64, f64) {
    LocalFrame::new(34.05, -118.25).to_lat_lon(x, y)
}

/// A circular shop place `x` m east of the origin, radius 40 m, open 10–21.
pub fn shop_place(id: &str, x: f64) -> Value {
    let (lat, lon) = at_xy(x, 0.0);
    json!({"id": id, "fence": {"type": "circle", "lat": lat, "lon": lon, "radius_m": 40.0},
           "opening_hours": [{"days": ["mon","tue","wed","thu","fri","sat","sun"], "open": "10:00", "close": "21:00"}]})
}

/// An offer with an enter trigger and a 3-hour claim window; `extra`
/// fields override.
pub fn offer(id: &str, extra: Value) -> Value {
    let mut o =
        json!({"id": id, "title": format!("{id} title"), "trigger": {"type": "enter"}, "claim_window_minutes": 180});
    if let (Value::Object(o), Value::Object(e)) = (&mut o, extra) {
        o.extend(e);
    }
    o
}

/// A merchant with one shop place at `x` and the given offers.
pub fn merchant(id: &str, x: f64, offers: Vec<Value>) -> Value {
    json!({"id": id, "name": id, "category": format!("{id}-category"), "time_zone": TZ,
           "attributes": {"friends_visited": 3}, "places": [shop_place(&format!("{id}-place"), x)], "offers": offers})
}

/// A catalog document of `version` with `merchants`.
pub fn catalog(version: u64, merchants: Vec<Value>) -> Value {
    json!({"version": version, "issued_at": "2026-11-01T00:00:00Z", "expires_at": "2027-01-01T00:00:00Z", "merchants": merchants})
}

/// An engine trusting `key`, with a fixed install id.
pub fn engine_with(dir: &std::path::Path, key: &Key) -> Engine {
    let mut cfg = EngineConfig::new(dir, TZ);
    cfg.catalog_keys = vec![("k1".into(), key.public.clone())];
    cfg.install_id = Some("install-test".into());
    Engine::open(cfg).unwrap()
}

/// A walk along the x axis from `x0` to `x1` at `speed` m/s, a fix every
/// 5 s, starting at `start`.
pub fn walk(start: Timestamp, x0: f64, x1: f64, speed: f64) -> Vec<LocationFix> {
    let secs = ((x1 - x0).abs() / speed) as i64;
    (0..=secs / 5)
        .map(|i| {
            let s = i * 5;
            let x = x0 + (x1 - x0).signum() * speed * s as f64;
            let (lat, lon) = at_xy(x, 0.0);
            let mut f = LocationFix::new(start.plus_millis(s * 1000), lat, lon, 8.0);
            f.speed_mps = Some(speed);
            f
        })
        .collect()
}

/// Standing at `x` for `minutes`, a fix every 15 s.
pub fn stand(start: Timestamp, x: f64, minutes: i64) -> Vec<LocationFix> {
    (0..=minutes * 4)
        .map(|i| {
            let (lat, lon) = at_xy(x, 0.0);
            let mut f = LocationFix::new(start.plus_millis(i * 15_000), lat, lon, 8.0);
            f.speed_mps = Some(0.0);
            f
        })
        .collect()
}

/// The offer events among `events`: `(kind name, offer id, reason)`.
pub fn offer_events(events: &[Event]) -> Vec<(String, String, String)> {
    events
        .iter()
        .filter_map(|e| {
            let v = serde_json::to_value(e).unwrap();
            let kind = v["kind"].as_str().unwrap().to_string();
            kind.starts_with("offer_").then(|| {
                (kind, v["offer_id"].as_str().unwrap_or("").to_string(), v["reason"].as_str().unwrap_or("").to_string())
            })
        })
        .collect()
}

/// The instance id of the first `offer_triggered` event.
pub fn triggered_id(events: &[Event]) -> i64 {
    events
        .iter()
        .find_map(|e| match e.kind {
            EventKind::OfferTriggered { instance_id, .. } => Some(instance_id),
            _ => None,
        })
        .expect("an offer triggered")
}
