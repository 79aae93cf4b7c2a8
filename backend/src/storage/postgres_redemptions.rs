//! PostgreSQL: redemption keys, verified redemptions and merchant API keys
//! (`docs/protocol.md`, section 5); the same rules as
//! `sqlite_redemptions.rs`.

use super::postgres_pool::PgPool;
use super::types::{KeyOutcome, RedemptionKey, RedemptionRecord, StorageError, TokenHash};
use chrono::NaiveDate;

/// [`super::Storage::set_redemption_key`]: the install row is locked,
/// so a concurrent deletion cannot leave a key behind.
pub(super) async fn set_key(
    pool: &PgPool,
    install_id: String,
    key: RedemptionKey,
    today: NaiveDate,
) -> Result<KeyOutcome, StorageError> {
    let mut client = pool.client().await?;
    let tx = client.transaction().await?;
    if tx.query_opt("SELECT 1 FROM installs WHERE install_id = $1 FOR UPDATE", &[&install_id]).await?.is_none() {
        return Ok(KeyOutcome::UnknownInstall);
    }
    let owner = tx.query_opt("SELECT install_id FROM redemption_keys WHERE kid = $1", &[&key.kid]).await?;
    if owner.is_some_and(|row| row.get::<_, String>(0) != install_id) {
        return Ok(KeyOutcome::Taken);
    }
    tx.execute(
        "INSERT INTO redemption_keys (install_id, kid, public_key, registered_on) VALUES ($1, $2, $3, $4)
         ON CONFLICT (install_id) DO UPDATE SET kid = excluded.kid, public_key = excluded.public_key,
             registered_on = excluded.registered_on",
        &[&install_id, &key.kid, &key.public_key, &today],
    )
    .await?;
    tx.commit().await?;
    Ok(KeyOutcome::Stored)
}

/// [`super::Storage::redemption_key_owner`].
pub(super) async fn key_owner(pool: &PgPool, kid: String) -> Result<Option<String>, StorageError> {
    let row = pool.client().await?.query_opt("SELECT install_id FROM redemption_keys WHERE kid = $1", &[&kid]).await?;
    Ok(row.map(|r| r.get(0)))
}

/// [`super::Storage::redemption_key`].
pub(super) async fn public_key(pool: &PgPool, kid: String) -> Result<Option<Vec<u8>>, StorageError> {
    let row = pool.client().await?.query_opt("SELECT public_key FROM redemption_keys WHERE kid = $1", &[&kid]).await?;
    Ok(row.map(|r| r.get(0)))
}

/// [`super::Storage::add_merchant_key`].
pub(super) async fn add_merchant(
    pool: &PgPool,
    hash: TokenHash,
    merchant_id: String,
    today: NaiveDate,
) -> Result<(), StorageError> {
    pool.client()
        .await?
        .execute(
            "INSERT INTO merchant_keys (key_hash, merchant_id, issued_on) VALUES ($1, $2, $3)",
            &[&&hash[..], &merchant_id, &today],
        )
        .await?;
    Ok(())
}

/// [`super::Storage::merchant_for_key`].
pub(super) async fn merchant(pool: &PgPool, hash: TokenHash) -> Result<Option<String>, StorageError> {
    let row = pool
        .client()
        .await?
        .query_opt("SELECT merchant_id FROM merchant_keys WHERE key_hash = $1", &[&&hash[..]])
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// [`super::Storage::record_redemption`].
pub(super) async fn record(pool: &PgPool, r: RedemptionRecord, today: NaiveDate) -> Result<bool, StorageError> {
    let inserted = pool
        .client()
        .await?
        .execute(
            "INSERT INTO redemptions (kid, instance, offer_id, merchant_id, redeemed_on) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (kid, instance) DO NOTHING",
            &[&r.kid, &r.instance, &r.offer_id, &r.merchant_id, &today],
        )
        .await?;
    Ok(inserted == 1)
}

/// A full deletion: the install's key and the redemptions recorded under
/// it go with it.
pub(super) async fn forget_install(tx: &tokio_postgres::Transaction<'_>, install_id: &str) -> Result<(), StorageError> {
    tx.execute(
        "DELETE FROM redemptions WHERE kid IN (SELECT kid FROM redemption_keys WHERE install_id = $1)",
        &[&install_id],
    )
    .await?;
    tx.execute("DELETE FROM redemption_keys WHERE install_id = $1", &[&install_id]).await?;
    Ok(())
}
