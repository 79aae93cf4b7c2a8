//! The SQLite schema, versioned with `PRAGMA user_version`.

use super::StorageError;
use rusqlite::Connection;

/// The schema version this server writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Version 1. Days are `YYYY-MM-DD` text; token hashes and fingerprints are
/// 32-byte blobs. Nothing finer than a day is stored anywhere.
const SCHEMA_V1: &str = "
CREATE TABLE installs (
    install_id      TEXT PRIMARY KEY,
    token_hash      BLOB NOT NULL UNIQUE,
    registered_on   TEXT NOT NULL,
    token_issued_on TEXT NOT NULL
) STRICT;
CREATE TABLE activity_days (
    install_id TEXT NOT NULL,
    day        TEXT NOT NULL,
    steps      INTEGER NOT NULL,
    goal_met   INTEGER NOT NULL,
    PRIMARY KEY (install_id, day)
) STRICT, WITHOUT ROWID;
CREATE TABLE merchant_visits (
    install_id  TEXT NOT NULL,
    day         TEXT NOT NULL,
    merchant_id TEXT NOT NULL,
    visits      INTEGER NOT NULL,
    minutes     INTEGER NOT NULL,
    PRIMARY KEY (install_id, day, merchant_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX merchant_visits_by_cell ON merchant_visits (day, merchant_id);
CREATE TABLE offer_outcomes (
    install_id TEXT NOT NULL,
    day        TEXT NOT NULL,
    offer_id   TEXT NOT NULL,
    triggered  INTEGER NOT NULL,
    presented  INTEGER NOT NULL,
    redeemed   INTEGER NOT NULL,
    dismissed  INTEGER NOT NULL,
    held_out   INTEGER NOT NULL,
    PRIMARY KEY (install_id, day, offer_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE idempotency_keys (
    install_id  TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint BLOB,
    stored      INTEGER NOT NULL,
    received_on TEXT NOT NULL,
    PRIMARY KEY (install_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_day ON idempotency_keys (received_on);
CREATE TABLE deletion_requests (
    id           INTEGER PRIMARY KEY,
    install_id   TEXT NOT NULL,
    purpose      TEXT,
    rows_deleted INTEGER NOT NULL,
    received_on  TEXT NOT NULL
) STRICT;
CREATE INDEX deletion_requests_by_install ON deletion_requests (install_id);
CREATE TABLE catalog (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    etag    TEXT NOT NULL,
    body    BLOB NOT NULL
) STRICT;
";

/// Sets the connection up (WAL, `synchronous = NORMAL`, a busy timeout)
/// and brings the schema to [`SCHEMA_VERSION`]. Safe when several
/// processes open a new file at once: the check and the creation happen in
/// one immediate (write-locked) transaction.
pub fn prepare(conn: &mut Connection) -> Result<(), StorageError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StorageError::Corrupt(format!("the database refused WAL mode (journal_mode = {mode})")));
    }
    conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    match version {
        0 => {
            tx.execute_batch(SCHEMA_V1)?;
            tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))?;
        }
        SCHEMA_VERSION => {}
        newer => {
            return Err(StorageError::Corrupt(format!(
                "schema version {newer} is newer than this server's {SCHEMA_VERSION}; upgrade the server"
            )))
        }
    }
    tx.commit()?;
    Ok(())
}
