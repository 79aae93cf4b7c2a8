//! What the rejection tests share: a valid base document, a signer with a
//! fresh key, and helpers to edit a document and read its error.

use super::*;
use crate::domain::time::Timestamp;
use serde_json::{json, Value};

pub(super) fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-24T10:32:00-08:00").unwrap()
}

pub(super) fn base_document() -> Value {
    json!({
        "version": 7,
        "issued_at": "2026-11-20T00:00:00Z",
        "expires_at": "2026-12-20T00:00:00Z",
        "merchants": [{
            "id": "boutique", "name": "Boutique", "category": "fashion",
            "time_zone": "America/Los_Angeles",
            "places": [{
                "id": "boutique-mall",
                "fence": {"type": "polygon", "exterior": [[37.0, -122.0], [37.0, -121.999], [37.001, -121.999]]},
                "opening_hours": [{"days": ["mon", "tue"], "open": "10:00", "close": "21:00"}]
            }],
            "offers": [{
                "id": "o1", "title": "20% off", "trigger": {"type": "enter"}, "claim_window_minutes": 180,
                "schedule": {"hours": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "18:00"}]}
            }]
        }, {
            "id": "grocer", "name": "Grocer", "category": "grocery", "time_zone": "America/Los_Angeles",
            "places": [{"id": "grocer-1", "fence": {"type": "circle", "lat": 37.01, "lon": -122.01, "radius_m": 120}}],
            "offers": []
        }]
    })
}

pub(super) struct Signer {
    pub(super) keys: CatalogKeys,
    pub(super) pair: Ed25519KeyPair,
}

pub(super) fn signer() -> Signer {
    let (pkcs8, public) = generate_keypair().unwrap();
    let mut keys = CatalogKeys::new();
    keys.insert("k1", &public).unwrap();
    Signer { keys, pair: keypair_from_pkcs8(&pkcs8).unwrap() }
}

impl Signer {
    pub(super) fn envelope(&self, doc: &Value) -> Vec<u8> {
        sign(&serde_json::to_vec(doc).unwrap(), "k1", &self.pair)
    }

    pub(super) fn verify(&self, envelope: &[u8]) -> Result<Catalog, CatalogError> {
        verify_and_parse(envelope, &self.keys, now())
    }
}

/// The document error for `doc`, as `path: reason`.
pub(super) fn document_error(doc: &Value) -> String {
    let s = signer();
    match s.verify(&s.envelope(doc)) {
        Err(CatalogError::InvalidDocument { path, reason }) => format!("{path}: {reason}"),
        other => panic!("expected an invalid document, got {other:?}"),
    }
}

pub(super) fn edit(f: impl FnOnce(&mut Value)) -> Value {
    let mut doc = base_document();
    f(&mut doc);
    doc
}
