//! The PostgreSQL schema, versioned in the table `kairos_schema`. Tables
//! are created in the connection's `search_path` schema, so one database
//! can hold several independent servers (or tests) side by side.

use super::StorageError;
use tokio_postgres::Client;

/// The schema version this server writes.
pub const SCHEMA_VERSION: i32 = 1;

/// Serialises migrations of servers starting at once (any value unique to
/// Kairos would do: "KAIROS" in ASCII).
const MIGRATION_LOCK: i64 = 0x4b41_4952_4f53;

/// Version 1. Mirrors the SQLite schema with native types.
const SCHEMA_V1: &str = "
CREATE TABLE kairos_schema (version INTEGER NOT NULL);
INSERT INTO kairos_schema (version) VALUES (1);
CREATE TABLE installs (
    install_id      TEXT PRIMARY KEY,
    token_hash      BYTEA NOT NULL UNIQUE,
    registered_on   DATE NOT NULL,
    token_issued_on DATE NOT NULL
);
CREATE TABLE activity_days (
    install_id TEXT NOT NULL,
    day        DATE NOT NULL,
    steps      INTEGER NOT NULL,
    goal_met   BOOLEAN NOT NULL,
    PRIMARY KEY (install_id, day)
);
CREATE TABLE merchant_visits (
    install_id  TEXT NOT NULL,
    day         DATE NOT NULL,
    merchant_id TEXT NOT NULL,
    visits      INTEGER NOT NULL,
    minutes     INTEGER NOT NULL,
    PRIMARY KEY (install_id, day, merchant_id)
);
CREATE INDEX merchant_visits_by_cell ON merchant_visits (day, merchant_id);
CREATE TABLE offer_outcomes (
    install_id TEXT NOT NULL,
    day        DATE NOT NULL,
    offer_id   TEXT NOT NULL,
    triggered  INTEGER NOT NULL,
    presented  INTEGER NOT NULL,
    redeemed   INTEGER NOT NULL,
    dismissed  INTEGER NOT NULL,
    held_out   INTEGER NOT NULL,
    PRIMARY KEY (install_id, day, offer_id)
);
CREATE TABLE idempotency_keys (
    install_id  TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint BYTEA,
    stored      INTEGER NOT NULL,
    received_on DATE NOT NULL,
    PRIMARY KEY (install_id, key)
);
CREATE INDEX idempotency_keys_by_day ON idempotency_keys (received_on);
CREATE TABLE deletion_requests (
    id           BIGSERIAL PRIMARY KEY,
    install_id   TEXT NOT NULL,
    purpose      TEXT,
    rows_deleted BIGINT NOT NULL,
    received_on  DATE NOT NULL
);
CREATE INDEX deletion_requests_by_install ON deletion_requests (install_id);
CREATE TABLE catalog (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL,
    etag    TEXT NOT NULL,
    body    BYTEA NOT NULL
);
";

/// Brings the schema to [`SCHEMA_VERSION`], under an advisory lock so
/// that servers starting together do not race.
pub async fn migrate(client: &mut Client) -> Result<(), StorageError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    let exists: bool = tx.query_one("SELECT to_regclass('kairos_schema') IS NOT NULL", &[]).await?.get(0);
    if exists {
        let version: i32 = tx.query_one("SELECT max(version) FROM kairos_schema", &[]).await?.get(0);
        if version > SCHEMA_VERSION {
            return Err(StorageError::Corrupt(format!(
                "schema version {version} is newer than this server's {SCHEMA_VERSION}; upgrade the server"
            )));
        }
    } else {
        tx.batch_execute(SCHEMA_V1).await?;
    }
    tx.commit().await?;
    Ok(())
}
