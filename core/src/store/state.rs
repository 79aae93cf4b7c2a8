//! The engine's working state (filters, open stay, counters), persisted as
//! one JSON value in `meta` inside every write transaction, so that a
//! restart resumes exactly where the last committed batch left off.

use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension};
use serde::{de::DeserializeOwned, Serialize};

/// Reads the value stored under `key`, if any.
pub fn load<T: DeserializeOwned>(conn: &Connection, key: &str) -> Result<Option<T>> {
    let raw: Option<String> =
        conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?;
    Ok(match raw {
        Some(s) => Some(serde_json::from_str(&s).map_err(|source| Error::EngineState { key: key.into(), source })?),
        None => None,
    })
}

/// Stores `value` under `key`.
pub fn save<T: Serialize>(conn: &Connection, key: &str, value: &T) -> Result<()> {
    let s = serde_json::to_string(value).map_err(|source| Error::EngineState { key: key.into(), source })?;
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute(rusqlite::params![key, s])?;
    Ok(())
}
