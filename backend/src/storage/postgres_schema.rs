//! The PostgreSQL schema, versioned in the table `kairos_schema`. Tables
//! are created in the connection's `search_path` schema, so one database
//! can hold several independent servers (or tests) side by side.
//!
//! Every database, new or old, is built the same way: [`SCHEMA_V1`], then
//! each step of [`MIGRATIONS`] it lacks (each recorded in `kairos_schema`),
//! so a migrated database and a new one cannot differ.

use super::StorageError;
use tokio_postgres::Client;

/// The schema version this server writes.
pub const SCHEMA_VERSION: i32 = 1 + MIGRATIONS.len() as i32;

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

/// Step `i` brings a database from version `i + 1` to `i + 2`.
const MIGRATIONS: &[&str] = &[
    // 1 -> 2: the epsilon of a noised summary (`data.noise`), on each of its
    // rows; NULL when the counts are exact (and for every earlier row).
    "ALTER TABLE activity_days ADD COLUMN epsilon DOUBLE PRECISION;
    ALTER TABLE merchant_visits ADD COLUMN epsilon DOUBLE PRECISION;
    ALTER TABLE offer_outcomes ADD COLUMN epsilon DOUBLE PRECISION;",
    // 2 -> 3 (abuse limits): as SQLite's.
    "ALTER TABLE installs ADD COLUMN upload_days INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE installs ADD COLUMN last_upload_on DATE;
    CREATE TABLE catalog_ids (
        kind       TEXT NOT NULL,
        id         TEXT NOT NULL,
        retired_on DATE,
        PRIMARY KEY (kind, id)
    );",
    // 3 -> 4 (redemption tokens): as SQLite's.
    "CREATE TABLE redemption_keys (
        install_id    TEXT PRIMARY KEY,
        kid           TEXT NOT NULL UNIQUE,
        public_key    BYTEA NOT NULL,
        registered_on DATE NOT NULL
    );
    CREATE TABLE redemptions (
        kid         TEXT NOT NULL,
        instance    BIGINT NOT NULL,
        offer_id    TEXT NOT NULL,
        merchant_id TEXT NOT NULL,
        redeemed_on DATE NOT NULL,
        PRIMARY KEY (kid, instance)
    );
    CREATE TABLE merchant_keys (
        key_hash    BYTEA PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        issued_on   DATE NOT NULL
    );",
    // 4 -> 5 (social proof): as SQLite's.
    "CREATE TABLE social_members (
        install_id   TEXT PRIMARY KEY,
        consented_on DATE NOT NULL
    );
    CREATE TABLE social_invites (
        code_hash  BYTEA PRIMARY KEY,
        install_id TEXT NOT NULL,
        expires_on DATE NOT NULL,
        accepted   BOOLEAN NOT NULL
    );
    CREATE INDEX social_invites_by_install ON social_invites (install_id);
    CREATE TABLE friend_links (
        install_a TEXT NOT NULL,
        install_b TEXT NOT NULL,
        linked_on DATE NOT NULL,
        PRIMARY KEY (install_a, install_b)
    );
    CREATE INDEX friend_links_by_b ON friend_links (install_b);",
    // 5 -> 6 (catalog tiles): as SQLite's.
    "CREATE TABLE tile_manifest (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version BIGINT NOT NULL,
        etag    TEXT NOT NULL,
        body    BYTEA NOT NULL
    );
    CREATE TABLE catalog_tiles (
        tile_id TEXT PRIMARY KEY,
        version BIGINT NOT NULL,
        sha256  BYTEA NOT NULL,
        body    BYTEA NOT NULL
    );",
    // 6 -> 7 (tiles signed on their own, per-entry deltas): as SQLite's.
    "DROP TABLE tile_manifest;
    DROP TABLE catalog_tiles;
    CREATE TABLE tile_header (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version BIGINT NOT NULL,
        etag    TEXT NOT NULL,
        body    BYTEA NOT NULL
    );
    CREATE TABLE catalog_tiles (
        tile_id   TEXT PRIMARY KEY,
        version   BIGINT NOT NULL,
        floor     BIGINT NOT NULL,
        entries   INTEGER NOT NULL,
        key_id    TEXT NOT NULL,
        signature BYTEA NOT NULL,
        etag      TEXT NOT NULL,
        packed    BYTEA NOT NULL
    );
    CREATE TABLE tile_entries (
        tile_id     TEXT NOT NULL,
        merchant_id TEXT NOT NULL,
        version     BIGINT NOT NULL,
        sha256      BYTEA,
        body        BYTEA,
        PRIMARY KEY (tile_id, merchant_id)
    );",
    // 7 -> 8 (tiles signed over their manifest, `KTILE3`): as SQLite's.
    "DELETE FROM tile_entries;
    DELETE FROM catalog_tiles;
    DELETE FROM tile_header;",
];

/// Brings the schema to [`SCHEMA_VERSION`], under an advisory lock so
/// that servers starting together do not race.
pub async fn migrate(client: &mut Client) -> Result<(), StorageError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    let exists: bool = tx.query_one("SELECT to_regclass('kairos_schema') IS NOT NULL", &[]).await?.get(0);
    let version: i32 = if exists {
        tx.query_one("SELECT max(version) FROM kairos_schema", &[]).await?.get(0)
    } else {
        tx.batch_execute(SCHEMA_V1).await?;
        1
    };
    if version > SCHEMA_VERSION {
        return Err(StorageError::Corrupt(format!(
            "schema version {version} is newer than this server's {SCHEMA_VERSION}; upgrade the server"
        )));
    }
    for (step, next) in MIGRATIONS.iter().zip(2i32..).skip(version.max(1) as usize - 1) {
        tx.batch_execute(step).await?;
        tx.execute("INSERT INTO kairos_schema (version) VALUES ($1)", &[&next]).await?;
    }
    tx.commit().await?;
    Ok(())
}
