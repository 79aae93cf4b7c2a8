//! The engine's working state (filters, the stay under way, the open visit,
//! counters), saved inside every write transaction so that a restart
//! resumes exactly where the last committed batch left off, and the few
//! plain values of `meta` that locate no one.
//!
//! The state is sealed (it holds coordinates) as a versioned envelope,
//! `{"format": N, "state": …}`. A change to the state's serialised shape
//! bumps [`STATE_FORMAT`] and appends one arm to [`upgrade`], which turns a
//! format-`N` state into a format-`N + 1` one; an envelope written by a
//! newer engine is refused with [`Error::UnknownStateFormat`], never
//! replaced by a default.

use super::meta::{self, SealedKey};
use crate::domain::privacy::seal::Sealer;
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

/// The state format this build writes. Format 1 is the state as schema
/// versions up to 6 stored it, unversioned and in clear; migration 6 -> 7
/// wrapped and sealed it.
pub const STATE_FORMAT: u32 = 1;

#[derive(Serialize)]
struct EnvelopeOut<'a, T> {
    format: u32,
    state: &'a T,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    format: u32,
    state: Value,
}

/// Wraps a state serialised by an unversioned (format 1) build into its
/// envelope, as text (for the schema migration that seals it).
pub fn wrap_format_1(raw: &str) -> String {
    format!("{{\"format\":1,\"state\":{raw}}}")
}

/// Upgrades a format-`format` state to [`STATE_FORMAT`], one format at
/// a time: each arm turns format `N` into `N + 1` and goes on from there.
fn upgrade(format: u32, state: Value) -> Result<Value> {
    match format {
        STATE_FORMAT => Ok(state),
        // When STATE_FORMAT moves to 2: `1 => upgrade(2, upgrade_from_1(state)?)`.
        // 0, or newer than this build.
        found => Err(Error::UnknownStateFormat { found, supported: STATE_FORMAT }),
    }
}

/// The engine state as its envelope `{"format": N, "state": …}` (for the
/// export).
pub fn envelope<T: Serialize>(state: &T) -> Result<Value> {
    serde_json::to_value(EnvelopeOut { format: STATE_FORMAT, state }).map_err(state_error)
}

/// The state inside an envelope read back (from an export), upgraded to
/// [`STATE_FORMAT`]; a newer format is [`Error::UnknownStateFormat`].
pub fn open_envelope(envelope: Value) -> Result<Value> {
    let envelope: EnvelopeIn = serde_json::from_value(envelope).map_err(state_error)?;
    upgrade(envelope.format, envelope.state)
}

/// The engine state does not read or write as JSON.
fn state_error(source: serde_json::Error) -> Error {
    Error::EngineState { key: SealedKey::EngineState.name().to_string(), source }
}

/// Reads the engine state, if one was ever saved.
pub fn load_engine<T: DeserializeOwned>(conn: &Connection, sealer: &Sealer) -> Result<Option<T>> {
    let Some(bytes) = meta::load_bytes(conn, sealer, SealedKey::EngineState)? else {
        return Ok(None);
    };
    let envelope: EnvelopeIn = serde_json::from_slice(&bytes).map_err(state_error)?;
    let state = upgrade(envelope.format, envelope.state)?;
    Ok(Some(read_state(state).map_err(|e| state_error(e.into_inner()))?))
}

/// Reads an upgraded state (from [`load_engine`] or [`open_envelope`]) as
/// `T`, a failure naming the JSON path of the bad value inside the state.
/// The one reading of the state for the profile and an import alike, so
/// that the library holds one copy of the state's deserialiser.
pub fn read_state<T: DeserializeOwned>(
    state: Value,
) -> std::result::Result<T, serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize(state)
}

/// Saves the engine state, sealed, in the current format.
pub fn save_engine<T: Serialize>(conn: &Connection, sealer: &Sealer, state: &T) -> Result<()> {
    let bytes = serde_json::to_vec(&EnvelopeOut { format: STATE_FORMAT, state }).map_err(state_error)?;
    meta::save_bytes(conn, sealer, SealedKey::EngineState, &bytes)
}

/// Reads the plain value stored under `key` in `meta`, if any (only values
/// that locate and identify no one: see `docs/privacy.md`).
pub fn load<T: DeserializeOwned>(conn: &Connection, key: &str) -> Result<Option<T>> {
    let raw: Option<String> =
        conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?;
    Ok(match raw {
        Some(s) => Some(serde_json::from_str(&s).map_err(|source| Error::EngineState { key: key.into(), source })?),
        None => None,
    })
}

/// Stores the plain `value` under `key` in `meta`.
pub fn save<T: Serialize>(conn: &Connection, key: &str, value: &T) -> Result<()> {
    let s = serde_json::to_string(value).map_err(|source| Error::EngineState { key: key.into(), source })?;
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(rusqlite::params![key, s])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (Connection, Sealer) {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE sealed_meta (key TEXT PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;")
            .unwrap();
        (c, Sealer::new(&[3; 32]).unwrap())
    }

    #[test]
    fn the_state_round_trips_sealed_in_its_envelope() {
        let (c, s) = db();
        save_engine(&c, &s, &serde_json::json!({"lat": 34.0523})).unwrap();
        let raw = meta::load_bytes(&c, &s, SealedKey::EngineState).unwrap().unwrap();
        assert_eq!(String::from_utf8(raw).unwrap(), r#"{"format":1,"state":{"lat":34.0523}}"#);
        let back: Value = load_engine(&c, &s).unwrap().unwrap();
        assert_eq!(back["lat"], 34.0523);
    }

    #[test]
    fn a_state_from_a_newer_engine_is_a_typed_error_naming_its_format() {
        let (c, s) = db();
        meta::save_bytes(&c, &s, SealedKey::EngineState, br#"{"format":2,"state":{}}"#).unwrap();
        let e = load_engine::<Value>(&c, &s).unwrap_err();
        assert!(matches!(e, Error::UnknownStateFormat { found: 2, supported: STATE_FORMAT }), "{e:?}");
        assert!(e.to_string().contains("format 2"), "{e}");
    }

    #[test]
    fn an_unreadable_state_keeps_the_json_cause() {
        let (c, s) = db();
        meta::save_bytes(&c, &s, SealedKey::EngineState, br#"{"state":{}}"#).unwrap();
        let e = load_engine::<Value>(&c, &s).unwrap_err();
        let Error::EngineState { source, .. } = &e else { panic!("{e:?}") };
        assert!(source.to_string().contains("missing field `format`"), "{source}");
        assert!(std::error::Error::source(&e).is_some(), "the cause is chained");
    }

    #[test]
    fn an_unversioned_state_is_wrapped_as_format_1() {
        let (c, s) = db();
        meta::save_bytes(&c, &s, SealedKey::EngineState, wrap_format_1(r#"{"clock":5}"#).as_bytes()).unwrap();
        let back: Value = load_engine(&c, &s).unwrap().unwrap();
        assert_eq!(back["clock"], 5);
    }
}
