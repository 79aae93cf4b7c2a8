//! SQLite: redemption keys, verified redemptions and merchant API keys
//! (`docs/protocol.md`, section 5), each function inside the caller's
//! transaction.

use super::types::{KeyOutcome, RedemptionKey, RedemptionRecord, StorageError};
use rusqlite::{params, OptionalExtension, Transaction};

/// [`super::Storage::set_redemption_key`].
pub fn set_key(
    tx: &Transaction<'_>,
    install_id: &str,
    key: &RedemptionKey,
    today: &str,
) -> Result<KeyOutcome, StorageError> {
    if tx.query_row("SELECT 1 FROM installs WHERE install_id = ?1", [install_id], |_| Ok(())).optional()?.is_none() {
        return Ok(KeyOutcome::UnknownInstall);
    }
    if key_owner(tx, &key.kid)?.is_some_and(|owner| owner != install_id) {
        return Ok(KeyOutcome::Taken);
    }
    tx.execute(
        "INSERT INTO redemption_keys (install_id, kid, public_key, registered_on) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (install_id) DO UPDATE SET kid = excluded.kid, public_key = excluded.public_key,
             registered_on = excluded.registered_on",
        params![install_id, key.kid, key.public_key, today],
    )?;
    Ok(KeyOutcome::Stored)
}

/// [`super::Storage::redemption_key_owner`].
pub fn key_owner(tx: &Transaction<'_>, kid: &str) -> Result<Option<String>, StorageError> {
    Ok(tx.query_row("SELECT install_id FROM redemption_keys WHERE kid = ?1", [kid], |r| r.get(0)).optional()?)
}

/// [`super::Storage::redemption_key`].
pub fn public_key(tx: &Transaction<'_>, kid: &str) -> Result<Option<Vec<u8>>, StorageError> {
    Ok(tx.query_row("SELECT public_key FROM redemption_keys WHERE kid = ?1", [kid], |r| r.get(0)).optional()?)
}

/// [`super::Storage::add_merchant_key`].
pub fn add_merchant_key(tx: &Transaction<'_>, hash: &[u8], merchant_id: &str, today: &str) -> Result<(), StorageError> {
    tx.execute(
        "INSERT INTO merchant_keys (key_hash, merchant_id, issued_on) VALUES (?1, ?2, ?3)",
        params![hash, merchant_id, today],
    )?;
    Ok(())
}

/// [`super::Storage::merchant_for_key`].
pub fn merchant_for_key(tx: &Transaction<'_>, hash: &[u8]) -> Result<Option<String>, StorageError> {
    Ok(tx.query_row("SELECT merchant_id FROM merchant_keys WHERE key_hash = ?1", [hash], |r| r.get(0)).optional()?)
}

/// [`super::Storage::record_redemption`].
pub fn record(tx: &Transaction<'_>, r: &RedemptionRecord, today: &str) -> Result<bool, StorageError> {
    let inserted = tx.execute(
        "INSERT INTO redemptions (kid, instance, offer_id, merchant_id, redeemed_on) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (kid, instance) DO NOTHING",
        params![r.kid, r.instance, r.offer_id, r.merchant_id, today],
    )?;
    Ok(inserted == 1)
}

/// A full deletion: the install's key and the redemptions recorded under
/// it go with it.
pub fn forget_install(tx: &Transaction<'_>, install_id: &str) -> Result<(), StorageError> {
    tx.execute(
        "DELETE FROM redemptions WHERE kid IN (SELECT kid FROM redemption_keys WHERE install_id = ?1)",
        [install_id],
    )?;
    tx.execute("DELETE FROM redemption_keys WHERE install_id = ?1", [install_id])?;
    Ok(())
}
