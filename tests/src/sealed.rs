//! Reading the engine's sealed working state straight from a profile
//! database, for harnesses that check the files after a crash without
//! opening an engine (which would change them).
//!
//! The layouts are the core's: every sealed value is `nonce (12 bytes) ||
//! ciphertext || tag (16 bytes)`, AES-256-GCM under the profile key with a
//! label as associated data. The row `engine_state` of `sealed_meta`
//! (`core/src/store/meta.rs`, `state.rs`) is labelled `meta/engine_state`
//! around `{"format": N, "state": …}`; a visit's `sealed` column
//! (`core/src/store/profile.rs`, schema version 8) is labelled `visits`
//! around four little-endian `f64`: latitude, longitude, arrival and
//! departure in milliseconds (`NaN` while the visit is under way).

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

/// The label the state is sealed under.
const LABEL: &[u8] = b"meta/engine_state";

/// The label visits are sealed under.
const VISITS: &[u8] = b"visits";

/// Opens one sealed value under `label`; `what` names it in errors.
fn open(key: &[u8; 32], label: &[u8], sealed: &[u8], what: &str) -> Result<Vec<u8>, String> {
    if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Err(format!("{what} is {} bytes sealed, too short", sealed.len()));
    }
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).map_err(|_| "unusable key".to_string())?);
    let nonce = Nonce::try_assume_unique_for_key(&sealed[..NONCE_LEN]).map_err(|_| "bad nonce".to_string())?;
    let mut buf = sealed[NONCE_LEN..].to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(label), &mut buf)
        .map_err(|_| format!("{what} does not open with this key"))?;
    Ok(plain.to_vec())
}

/// One stored visit, its sealed times opened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VisitRow {
    /// The row id.
    pub id: i64,
    /// The place visited.
    pub place_id: i64,
    /// Arrival, milliseconds since the epoch.
    pub arrived_ms: i64,
    /// Departure, milliseconds since the epoch; `None` while under way.
    pub departed_ms: Option<i64>,
}

/// Every visit stored in `conn`'s profile, by id, opened with `key`.
pub fn visits(conn: &Connection, key: &[u8; 32]) -> Result<Vec<VisitRow>, String> {
    let rows: Vec<(i64, i64, Vec<u8>)> = conn
        .prepare("SELECT id, place_id, sealed FROM visits ORDER BY id")
        .and_then(|mut st| st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect())
        .map_err(|e| format!("reading the visits: {e}"))?;
    rows.into_iter()
        .map(|(id, place_id, sealed)| {
            let plain = open(key, VISITS, &sealed, &format!("visit {id}"))?;
            let values: Vec<f64> =
                plain.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
            let [_, _, arrived, departed] = values[..] else {
                return Err(format!("visit {id} holds {} values, not 4", values.len()));
            };
            Ok(VisitRow {
                id,
                place_id,
                arrived_ms: arrived as i64,
                departed_ms: (!departed.is_nan()).then_some(departed as i64),
            })
        })
        .collect()
}

/// The engine state saved in `conn`'s profile, opened with `key`: `Null`
/// when none was ever saved; an error when it does not open or parse.
pub fn engine_state(conn: &Connection, key: &[u8; 32]) -> Result<Value, String> {
    let sealed: Option<Vec<u8>> = conn
        .query_row("SELECT sealed FROM sealed_meta WHERE key = 'engine_state'", [], |r| r.get(0))
        .optional()
        .map_err(|e| format!("reading the sealed engine state: {e}"))?;
    let Some(sealed) = sealed else { return Ok(Value::Null) };
    let plain = open(key, LABEL, &sealed, "the engine state")?;
    let envelope: Value = serde_json::from_slice(&plain).map_err(|e| format!("the engine state is not JSON: {e}"))?;
    match envelope.get("state") {
        Some(state) => Ok(state.clone()),
        None => Err(format!("the engine state has no envelope: format {:?}", envelope.get("format"))),
    }
}
