//! The SQLite schema, versioned with `PRAGMA user_version`.
//!
//! Every database, new or old, is built the same way: [`SCHEMA_V1`], then
//! each step of [`MIGRATIONS`] it lacks, so a migrated database and a new
//! one cannot differ. To change the schema: append one migration.

use super::StorageError;
use rusqlite::Connection;

/// The schema version this server writes.
pub const SCHEMA_VERSION: i64 = 1 + MIGRATIONS.len() as i64;

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

/// Step `i` brings a database from version `i + 1` to `i + 2`.
const MIGRATIONS: &[&str] = &[
    // 1 -> 2: the epsilon of a noised summary (`data.noise`), on each of its
    // rows; NULL when the counts are exact (and for every earlier row).
    "ALTER TABLE activity_days ADD COLUMN epsilon REAL;
    ALTER TABLE merchant_visits ADD COLUMN epsilon REAL;
    ALTER TABLE offer_outcomes ADD COLUMN epsilon REAL;",
    // 2 -> 3 (abuse limits): the distinct days each install uploaded on
    // (the report's sybil rule), and the merchant and offer ids of the
    // catalogs published, with the day each left the current catalog.
    "ALTER TABLE installs ADD COLUMN upload_days INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE installs ADD COLUMN last_upload_on TEXT;
    CREATE TABLE catalog_ids (
        kind       TEXT NOT NULL,
        id         TEXT NOT NULL,
        retired_on TEXT,
        PRIMARY KEY (kind, id)
    ) STRICT, WITHOUT ROWID;",
    // 3 -> 4 (redemption tokens): each install's redemption key (one, by
    // its key id), the redemptions verified (once per key and instance;
    // the day only), and the merchants' API keys (SHA-256 only).
    "CREATE TABLE redemption_keys (
        install_id    TEXT PRIMARY KEY,
        kid           TEXT NOT NULL UNIQUE,
        public_key    BLOB NOT NULL,
        registered_on TEXT NOT NULL
    ) STRICT;
    CREATE TABLE redemptions (
        kid         TEXT NOT NULL,
        instance    INTEGER NOT NULL,
        offer_id    TEXT NOT NULL,
        merchant_id TEXT NOT NULL,
        redeemed_on TEXT NOT NULL,
        PRIMARY KEY (kid, instance)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE merchant_keys (
        key_hash    BLOB PRIMARY KEY,
        merchant_id TEXT NOT NULL,
        issued_on   TEXT NOT NULL
    ) STRICT;",
    // 4 -> 5 (social proof, purpose `social`): installs that stated they
    // hold it, invite codes (SHA-256 only), and friend links in both
    // directions.
    "CREATE TABLE social_members (
        install_id   TEXT PRIMARY KEY,
        consented_on TEXT NOT NULL
    ) STRICT;
    CREATE TABLE social_invites (
        code_hash  BLOB PRIMARY KEY,
        install_id TEXT NOT NULL,
        expires_on TEXT NOT NULL,
        accepted   INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX social_invites_by_install ON social_invites (install_id);
    CREATE TABLE friend_links (
        install_a TEXT NOT NULL,
        install_b TEXT NOT NULL,
        linked_on TEXT NOT NULL,
        PRIMARY KEY (install_a, install_b)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX friend_links_by_b ON friend_links (install_b);",
    // 5 -> 6 (catalog tiles, ADR 0012): the signed tile manifest in force
    // and the current tiles, each with its version and SHA-256 (a tile's
    // document is tens to hundreds of KB: a rowid table keeps it off the
    // key's B-tree pages).
    "CREATE TABLE tile_manifest (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        etag    TEXT NOT NULL,
        body    BLOB NOT NULL
    ) STRICT;
    CREATE TABLE catalog_tiles (
        tile_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        sha256  BLOB NOT NULL,
        body    BLOB NOT NULL
    ) STRICT;",
    // 6 -> 7 (ADR 0012 revised: tiles signed on their own, per-entry
    // deltas): the manifest gives way to a small signed header; each tile
    // keeps its version, delta floor, signature and its whole form
    // precompressed (served as stored); each entry its version and SHA-256
    // (NULL body: a tombstone). Version-6 tiles cannot be re-signed here
    // (the server holds no key): they are dropped, and `publish-tiles`
    // publishes them again.
    "DROP TABLE tile_manifest;
    DROP TABLE catalog_tiles;
    CREATE TABLE tile_header (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        etag    TEXT NOT NULL,
        body    BLOB NOT NULL
    ) STRICT;
    CREATE TABLE catalog_tiles (
        tile_id   TEXT PRIMARY KEY,
        version   INTEGER NOT NULL,
        floor     INTEGER NOT NULL,
        entries   INTEGER NOT NULL,
        key_id    TEXT NOT NULL,
        signature BLOB NOT NULL,
        etag      TEXT NOT NULL,
        packed    BLOB NOT NULL
    ) STRICT;
    CREATE TABLE tile_entries (
        tile_id     TEXT NOT NULL,
        merchant_id TEXT NOT NULL,
        version     INTEGER NOT NULL,
        sha256      BLOB,
        body        BLOB,
        PRIMARY KEY (tile_id, merchant_id)
    ) STRICT;",
    // 7 -> 8 (ADR 0012, tiles signed over their manifest, `KTILE3`, and
    // packed as `KTP3`): the tiles published under the earlier scheme
    // (signed over their whole entries) would not verify on a phone, and
    // the server holds no key to sign them again: they are dropped, with
    // the header, and `publish-tiles` publishes them again (phones that
    // asked in between are told the server has no tiles, and keep what
    // they hold).
    "DELETE FROM tile_entries;
    DELETE FROM catalog_tiles;
    DELETE FROM tile_header;",
];

/// Sets a connection's per-connection options: a busy timeout, and
/// `secure_delete` (deleted content is overwritten with zeros, not left in
/// free space for a file reader to find).
pub fn configure(conn: &Connection) -> Result<(), StorageError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA secure_delete = ON;")?;
    Ok(())
}

/// Sets the connection up (WAL, `synchronous = NORMAL`, `secure_delete`, a busy timeout)
/// and brings the schema to [`SCHEMA_VERSION`]. Safe when several
/// processes open a new file at once: the check and the creation happen in
/// one immediate (write-locked) transaction.
pub fn prepare(conn: &mut Connection) -> Result<(), StorageError> {
    configure(conn)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StorageError::Corrupt(format!("the database refused WAL mode (journal_mode = {mode})")));
    }
    conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if !(0..=SCHEMA_VERSION).contains(&version) {
        return Err(StorageError::Corrupt(format!(
            "schema version {version} is newer than this server's {SCHEMA_VERSION}; upgrade the server"
        )));
    }
    if version == 0 {
        tx.execute_batch(SCHEMA_V1)?;
    }
    for step in MIGRATIONS.iter().skip(version.max(1) as usize - 1) {
        tx.execute_batch(step)?;
    }
    if version != SCHEMA_VERSION {
        tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(conn: &Connection, table: &str) -> Vec<(String, String, bool)> {
        let mut s = conn.prepare(&format!("PRAGMA table_info({table})")).unwrap();
        s.query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
    }

    /// A file of schema `version` in `dir`, built by the steps up to it,
    /// holding `rows`.
    fn file_at(dir: &std::path::Path, version: usize, rows: &str) -> std::path::PathBuf {
        let path = dir.join(format!("v{version}.db"));
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA_V1).unwrap();
        for step in &MIGRATIONS[..version - 1] {
            conn.execute_batch(step).unwrap();
        }
        conn.execute_batch(&format!("PRAGMA user_version = {version};")).unwrap();
        conn.execute_batch(rows).unwrap();
        path
    }

    #[test]
    fn a_version_1_file_is_migrated_keeping_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA_V1).unwrap();
            conn.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO activity_days VALUES ('i', '2026-11-24', 1400, 1);
                 INSERT INTO merchant_visits VALUES ('i', '2026-11-24', 'm', 1, 30);",
            )
            .unwrap();
        }
        let mut old = Connection::open(&path).unwrap();
        prepare(&mut old).unwrap();
        let mut new = Connection::open(dir.path().join("new.db")).unwrap();
        prepare(&mut new).unwrap();
        for conn in [&old, &new] {
            assert_eq!(conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).unwrap(), SCHEMA_VERSION);
        }
        let tables: Vec<String> = new
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for table in &tables {
            assert_eq!(columns(&old, table), columns(&new, table), "{table}");
        }
        assert!(columns(&new, "offer_outcomes").contains(&("epsilon".into(), "REAL".into(), false)));
        let kept: (i64, Option<f64>) =
            old.query_row("SELECT steps, epsilon FROM activity_days", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(kept, (1400, None));
        // Opening again changes nothing.
        prepare(&mut old).unwrap();
        assert_eq!(old.query_row("SELECT COUNT(*) FROM merchant_visits", [], |r| r.get::<_, i64>(0)).unwrap(), 1);
    }

    #[test]
    fn a_version_6_file_with_manifest_tiles_is_migrated_to_the_tables_of_a_new_one_without_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_at(
            dir.path(),
            6,
            "INSERT INTO tile_manifest VALUES (1, 3, '\"e\"', x'00');
             INSERT INTO catalog_tiles VALUES ('r1c1', 3, x'00', x'00');",
        );
        let mut old = Connection::open(&path).unwrap();
        prepare(&mut old).unwrap();
        let mut new = Connection::open(dir.path().join("new.db")).unwrap();
        prepare(&mut new).unwrap();
        let tables = |conn: &Connection| -> Vec<String> {
            conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(tables(&old), tables(&new));
        assert!(!tables(&new).contains(&"tile_manifest".to_owned()));
        for table in &tables(&new) {
            assert_eq!(columns(&old, table), columns(&new, table), "{table}");
        }
        let left: i64 = old.query_row("SELECT COUNT(*) FROM catalog_tiles", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 0, "version-6 tiles cannot be re-signed: published again");
    }

    #[test]
    fn a_version_7_file_s_tiles_signed_over_their_entries_are_dropped_to_be_published_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_at(
            dir.path(),
            7,
            "INSERT INTO tile_header VALUES (1, 3, '\"e\"', x'00');
             INSERT INTO catalog_tiles VALUES ('r1c1', 3, 0, 1, 'k1', x'00', '\"t\"', x'00');
             INSERT INTO tile_entries VALUES ('r1c1', 'm', 3, x'00', x'00');
             INSERT INTO activity_days VALUES ('i', '2026-11-24', 1400, 1, NULL);",
        );
        let mut old = Connection::open(&path).unwrap();
        prepare(&mut old).unwrap();
        let count =
            |table: &str| -> i64 { old.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap() };
        assert_eq!(
            (count("tile_header"), count("catalog_tiles"), count("tile_entries")),
            (0, 0, 0),
            "KTILE2 tiles cannot be re-signed here: published again"
        );
        assert_eq!(count("activity_days"), 1, "nothing else is touched");
    }
}
