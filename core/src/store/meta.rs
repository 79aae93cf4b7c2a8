//! Sealed single values: what the engine keeps beside its tables that can
//! locate or identify the shopper (its working state, the install id, the
//! sync token, the device's time zone, erasures waiting to be sent, the
//! redemption key).
//!
//! Each value is one row of `sealed_meta`, sealed with the profile key under
//! the label `meta/<name>`, so a value cannot be moved to another key
//! unnoticed. The plain `meta` table keeps only what locates no one (the
//! key check, which is itself sealed, and the catalog's fetch bookkeeping);
//! `docs/privacy.md` lists both.

use crate::domain::privacy::seal::Sealer;
use crate::domain::time::Timestamp;
use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// The values kept sealed in `sealed_meta`: a closed set, one name each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedKey {
    /// The engine's working state (`store::state`): fixes, the stay under
    /// way, the open visit, the home centre.
    EngineState,
    /// The install's pseudonym, sent to the backend at registration.
    InstallId,
    /// The bearer token the backend issued for the install id.
    SyncToken,
    /// The install id sync registers under once it gave up the engine's
    /// (401, 409 `install_id_taken`): a pseudonym too.
    SyncInstallId,
    /// The IANA zone the routines' instants were last computed in.
    RoutinesZone,
    /// Deletion requests queued by an erase, with the credentials of the
    /// pseudonym they must be sent under.
    Erasures,
    /// The install's Ed25519 redemption key (PKCS#8) and whether the
    /// backend has its public half (`store::redemption`).
    RedemptionKey,
    /// The friends' visit counts of the last sync (purpose `social`).
    FriendCounts,
}

impl SealedKey {
    /// Every key, for re-sealing under a new key.
    pub const ALL: [SealedKey; 8] = [
        SealedKey::EngineState,
        SealedKey::InstallId,
        SealedKey::SyncToken,
        SealedKey::SyncInstallId,
        SealedKey::RoutinesZone,
        SealedKey::Erasures,
        SealedKey::RedemptionKey,
        SealedKey::FriendCounts,
    ];

    /// The row key (also the name earlier schemas stored the value under,
    /// in clear, in `meta`).
    pub fn name(self) -> &'static str {
        match self {
            SealedKey::EngineState => "engine_state",
            SealedKey::InstallId => "install_id",
            SealedKey::SyncToken => "sync_token",
            SealedKey::SyncInstallId => "sync_install_id",
            SealedKey::RoutinesZone => "routines_zone",
            SealedKey::Erasures => "erasures",
            SealedKey::RedemptionKey => "redemption_key",
            SealedKey::FriendCounts => "friend_counts",
        }
    }

    fn label(self) -> Vec<u8> {
        format!("meta/{}", self.name()).into_bytes()
    }
}

/// The opened bytes stored under `key`, if any.
pub fn load_bytes(conn: &Connection, sealer: &Sealer, key: SealedKey) -> Result<Option<Vec<u8>>> {
    let sealed: Option<Vec<u8>> = conn
        .prepare_cached("SELECT sealed FROM sealed_meta WHERE key = ?1")?
        .query_row([key.name()], |r| r.get(0))
        .optional()?;
    sealed.map(|s| sealer.open(&key.label(), &s)).transpose()
}

/// Seals `plain` and stores it under `key`, replacing any earlier value.
pub fn save_bytes(conn: &Connection, sealer: &Sealer, key: SealedKey, plain: &[u8]) -> Result<()> {
    let sealed = sealer.seal(&key.label(), plain)?;
    conn.prepare_cached(
        "INSERT INTO sealed_meta (key, sealed) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET sealed = excluded.sealed",
    )?
    .execute(params![key.name(), sealed])?;
    Ok(())
}

/// The JSON value stored under `key`, if any.
pub fn load<T: DeserializeOwned>(conn: &Connection, sealer: &Sealer, key: SealedKey) -> Result<Option<T>> {
    match load_bytes(conn, sealer, key)? {
        Some(b) => Ok(Some(serde_json::from_slice(&b).map_err(|source| json_error(key, source))?)),
        None => Ok(None),
    }
}

/// Stores `value` as sealed JSON under `key`.
pub fn save<T: Serialize>(conn: &Connection, sealer: &Sealer, key: SealedKey, value: &T) -> Result<()> {
    save_bytes(conn, sealer, key, &serde_json::to_vec(value).map_err(|source| json_error(key, source))?)
}

/// Forgets the value under `key`.
pub fn delete(conn: &Connection, key: SealedKey) -> Result<()> {
    conn.prepare_cached("DELETE FROM sealed_meta WHERE key = ?1")?.execute([key.name()])?;
    Ok(())
}

/// Re-seals every value under `new` (key rotation, inside its transaction).
pub fn reseal(conn: &Connection, old: &Sealer, new: &Sealer) -> Result<()> {
    for key in SealedKey::ALL {
        if let Some(plain) = load_bytes(conn, old, key)? {
            save_bytes(conn, new, key, &plain)?;
        }
    }
    Ok(())
}

/// Moves the value a version-6 database kept in clear in `meta` under
/// `key`'s name into `sealed_meta`, passing its text through `wrap` first
/// (schema migration 6 -> 7); the clear row is deleted.
pub fn seal_plain_row(
    conn: &Connection,
    sealer: &Sealer,
    key: SealedKey,
    wrap: impl FnOnce(&str) -> String,
) -> Result<()> {
    let plain: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key.name()], |r| r.get(0))
        .optional()?;
    if let Some(plain) = plain {
        save_bytes(conn, sealer, key, wrap(&plain).as_bytes())?;
        conn.prepare_cached("DELETE FROM meta WHERE key = ?1")?.execute([key.name()])?;
    }
    Ok(())
}

/// A deletion of everything, queued by an erase, waiting to be sent under
/// the pseudonym it forgets (`engine::sync::erasure`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Erasure {
    /// The forgotten install id.
    pub install_id: String,
    /// Its bearer token, if the install had registered (or once it has
    /// registered again to be forgotten).
    pub token: Option<String>,
    /// The outbox row of the deletion request.
    pub outbox_id: i64,
    /// When the shopper erased.
    pub erased_at: Timestamp,
}

/// The payload of an erasure's deletion request: everything, every purpose.
pub const ERASE_EVERYTHING: &str = "{}";

/// The erasures not yet delivered, oldest first.
pub fn erasures(conn: &Connection, sealer: &Sealer) -> Result<Vec<Erasure>> {
    Ok(load(conn, sealer, SealedKey::Erasures)?.unwrap_or_default())
}

/// Replaces the erasures not yet delivered.
pub fn set_erasures(conn: &Connection, sealer: &Sealer, erasures: &[Erasure]) -> Result<()> {
    if erasures.is_empty() {
        delete(conn, SealedKey::Erasures)
    } else {
        save(conn, sealer, SealedKey::Erasures, &erasures)
    }
}

/// Inside an erase's transaction, after the profile's rows (the outbox
/// included) are deleted: queues the deletion of everything held under
/// `install_id` with the stored token, queues again the deletion requests
/// of earlier erasures not yet delivered, and forgets the token.
pub fn queue_erasure(conn: &Connection, sealer: &Sealer, install_id: &str, now: Timestamp) -> Result<()> {
    let token: Option<String> = load(conn, sealer, SealedKey::SyncToken)?;
    let mut all = erasures(conn, sealer)?;
    all.push(Erasure { install_id: install_id.to_string(), token, outbox_id: 0, erased_at: now });
    for e in &mut all {
        super::privacy::enqueue(
            conn,
            crate::domain::privacy::OutboxKind::Deletion,
            None,
            None,
            ERASE_EVERYTHING,
            e.erased_at,
        )?;
        e.outbox_id = conn.last_insert_rowid();
    }
    set_erasures(conn, sealer, &all)?;
    delete(conn, SealedKey::SyncToken)
}

/// A sealed value that does not read or write as JSON, named by its key.
fn json_error(key: SealedKey, source: serde_json::Error) -> Error {
    Error::EngineState { key: key.name().to_string(), source }
}
