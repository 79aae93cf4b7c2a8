//! Reading the engine's sealed working state straight from a profile
//! database, for harnesses that check the files after a crash without
//! opening an engine (which would change them).
//!
//! The layout is the core's (`core/src/store/meta.rs`, `state.rs`): the row
//! `engine_state` of `sealed_meta` holds `nonce (12 bytes) || ciphertext ||
//! tag (16 bytes)`, AES-256-GCM under the profile key with the associated
//! data `meta/engine_state`, around `{"format": N, "state": …}`.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

/// The label the state is sealed under.
const LABEL: &[u8] = b"meta/engine_state";

/// The engine state saved in `conn`'s profile, opened with `key`: `Null`
/// when none was ever saved; an error when it does not open or parse.
pub fn engine_state(conn: &Connection, key: &[u8; 32]) -> Result<Value, String> {
    let sealed: Option<Vec<u8>> = conn
        .query_row("SELECT sealed FROM sealed_meta WHERE key = 'engine_state'", [], |r| r.get(0))
        .optional()
        .map_err(|e| format!("reading the sealed engine state: {e}"))?;
    let Some(sealed) = sealed else { return Ok(Value::Null) };
    if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Err(format!("the sealed engine state is {} bytes, too short", sealed.len()));
    }
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).map_err(|_| "unusable key".to_string())?);
    let nonce = Nonce::try_assume_unique_for_key(&sealed[..NONCE_LEN]).map_err(|_| "bad nonce".to_string())?;
    let mut buf = sealed[NONCE_LEN..].to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(LABEL), &mut buf)
        .map_err(|_| "the engine state does not open with this key".to_string())?;
    let envelope: Value = serde_json::from_slice(plain).map_err(|e| format!("the engine state is not JSON: {e}"))?;
    match envelope.get("state") {
        Some(state) => Ok(state.clone()),
        None => Err(format!("the engine state has no envelope: format {:?}", envelope.get("format"))),
    }
}
