//! The profile store: one SQLite database (WAL, busy timeout, one writer
//! connection) under the app's data directory. It is the only code that
//! speaks SQL (ADR 0010): typed functions over domain types, one file per
//! table group; a row it cannot read is an error, never a default.
//!
//! | file | holds |
//! | --- | --- |
//! | `schema.rs` | the schema and its `user_version` migrations |
//! | `catalog.rs` | the catalog in force (a tiled one's row sealed), stable fence ids, the WAL checkpoint pause of a large load |
//! | `tiles.rs` | the bodies of the catalog tiles held, sealed, each row found by the tile id's keyed id |
//! | `fixes.rs` | raw fixes and their retention |
//! | `profile.rs` | places and visits |
//! | `steps.rs` | per-minute steps, daily totals, the week |
//! | `offers.rs` | offer instances and the history caps read |
//! | `relevance.rs` | the next best action's model, from the offer outcomes |
//! | `merchant_visits.rs` | visits matched to catalog merchants |
//! | `portable.rs` | every profile table as portable rows, for export and import |
//! | `privacy.rs` | the consent ledger, the outbox, the local-privacy budget |
//! | `routines.rs` | routines per learned place and catalog category |
//! | `summaries.rs` | a closed day's facts, for its summaries |
//! | `targeting.rs` | the profile as offer targeting asks it |
//! | `sync.rs` | the sync client's credential and catalog fetch |
//! | `state.rs` | the engine's persisted working state (sealed, versioned) and plain `meta` values |
//! | `meta.rs` | sealed single values: install id, sync token, zone, erasures |
//! | `social.rs` | the friends' visit counts (purpose `social`), sealed |
//!
//! At open, a database that SQLite cannot read or whose `quick_check`
//! fails is moved aside as `kairos.db.corrupt-N` (never deleted) together
//! with its WAL and shared-memory files, and a fresh one is created.

pub mod catalog;
pub mod fixes;
pub mod merchant_visits;
pub mod meta;
pub mod offers;
pub mod portable;
pub mod privacy;
pub mod profile;
pub mod redemption;
pub mod relevance;
pub mod routines;
pub mod schema;
pub mod social;
pub mod state;
pub mod steps;
pub(crate) mod summaries;
pub(crate) mod sync;
pub(crate) mod targeting;
pub mod tiles;

/// The database handle the engine passes back to the store's functions
/// (the engine names it through here, never through `rusqlite`).
pub use rusqlite::Connection;

use crate::domain::privacy::seal::Sealer;
use crate::error::{Error, Result};
use crate::policy;
use rusqlite::{ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};

/// The database's file name inside the data directory.
pub const DB_FILE: &str = "kairos.db";

/// A database that was moved aside at open.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    /// Where the unreadable database now lies.
    pub moved_to: PathBuf,
    /// What was wrong with it.
    pub reason: String,
}

/// An open store, and the recovery that opening it needed, if any.
pub struct Opened {
    /// The one writer connection.
    pub conn: Connection,
    /// Set when a corrupt database was moved aside.
    pub recovered: Option<Recovery>,
}

enum OpenFailure {
    Corrupt(String),
    Other(Error),
}

impl From<rusqlite::Error> for OpenFailure {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => OpenFailure::Corrupt(e.to_string()),
            _ => OpenFailure::Other(e.into()),
        }
    }
}

/// Opens (creating if needed) the database in `dir`, recovering from
/// corruption as described in the module docs.
pub fn open(dir: &Path, sealer: &Sealer) -> Result<Opened> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    let path = dir.join(DB_FILE);
    match try_open(&path, sealer) {
        Ok(conn) => Ok(Opened { conn, recovered: None }),
        Err(OpenFailure::Other(e)) => Err(e),
        Err(OpenFailure::Corrupt(reason)) => {
            tracing::error!(%reason, path = %path.display(), "profile database is corrupt; moving it aside");
            let moved_to = move_aside(&path)?;
            let conn = match try_open(&path, sealer) {
                Ok(c) => c,
                Err(OpenFailure::Other(e)) => return Err(e),
                Err(OpenFailure::Corrupt(r)) => return Err(Error::Io { path, source: std::io::Error::other(r) }),
            };
            Ok(Opened { conn, recovered: Some(Recovery { moved_to, reason }) })
        }
    }
}

fn try_open(path: &Path, sealer: &Sealer) -> std::result::Result<Connection, OpenFailure> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_millis(policy::BUSY_TIMEOUT_MS))?;
    // WAL survives an app kill with every committed transaction; NORMAL
    // sync may lose the last commits on power loss but never corrupts.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Deleted content is overwritten, so erased data does not linger in
    // free pages.
    conn.pragma_update(None, "secure_delete", true)?;
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(OpenFailure::Corrupt(format!("quick_check: {check}")));
    }
    check_key(&conn, sealer).map_err(|e| match e {
        Error::Sqlite(s) => OpenFailure::from(s),
        other => OpenFailure::Other(other),
    })?;
    schema::migrate(&mut conn, sealer).map_err(|e| match e {
        Error::Sqlite(s) => OpenFailure::from(s),
        other => OpenFailure::Other(other),
    })?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

const KEY_CHECK: &str = "key_check";
const KEY_CHECK_PLAIN: &[u8] = b"kairos profile key check v1";

/// Refuses a key that does not open this profile ([`Error::WrongKey`]),
/// before anything is read or written; a new profile records a check value.
fn check_key(conn: &Connection, sealer: &Sealer) -> Result<()> {
    let has_meta: bool =
        conn.query_row("SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'meta'", [], |r| {
            r.get(0)
        })?;
    if has_meta {
        if let Some(hex) = state::load::<String>(conn, KEY_CHECK)? {
            let sealed = decode_hex(&hex).ok_or(Error::WrongKey)?;
            return match sealer.open(KEY_CHECK.as_bytes(), &sealed) {
                Ok(plain) if plain == KEY_CHECK_PLAIN => Ok(()),
                _ => Err(Error::WrongKey),
            };
        }
    } else {
        conn.execute_batch(schema::META)?;
    }
    set_key_check(conn, sealer)
}

/// Records the check value of `sealer`'s key (at first open, and when the
/// key is rotated).
pub fn set_key_check(conn: &Connection, sealer: &Sealer) -> Result<()> {
    let sealed = sealer.seal(KEY_CHECK.as_bytes(), KEY_CHECK_PLAIN)?;
    state::save(conn, KEY_CHECK, &encode_hex(&sealed))
}

/// The tables that hold the shopper's profile, children before parents
/// (place routines and merchant visits reference places and visits).
const PROFILE_TABLES: [&str; 11] = [
    "fixes",
    "routines",
    "merchant_visits",
    "visits",
    "places",
    "step_minutes",
    "step_days",
    "offer_instances",
    "consent_ledger",
    "outbox",
    "privacy_budget",
];

/// Deletes every row of the shopper's profile, inside the caller's
/// transaction; returns whether a tiled catalog went with it.
///
/// A single-document catalog and its fence ids stay (the same public
/// document for every install). A tiled catalog goes: the tiles held are
/// the shopper's region (home, work, routines, trips), so the tiles'
/// bodies, the sealed catalog row (header and list of tiles) and the fence
/// ids of its places are deleted (and those of an earlier tiled catalog,
/// stored keyed, when a single document replaced it); the next sync
/// fetches the tiles of the region anew. `meta` and `sealed_meta` stay: the caller says what of
/// those it forgets.
pub fn erase_profile(conn: &Connection) -> Result<bool> {
    for table in PROFILE_TABLES {
        conn.execute(&format!("DELETE FROM {table}"), [])?;
    }
    let tiled = catalog::holds_sealed(conn)?;
    if tiled {
        catalog::forget(conn)?;
    } else {
        catalog::forget_keyed_fence_ids(conn)?;
    }
    tiles::clear(conn)?;
    Ok(tiled)
}

/// Leaves nothing erased recoverable from the files: a WAL checkpoint that
/// truncates, a `VACUUM`, and a second checkpoint (outside any transaction).
pub fn compact(conn: &Connection) -> Result<()> {
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(())
}

fn encode_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

/// Renames `path` and its `-wal` / `-shm` companions to the first free
/// `.corrupt-N` name; returns the new database path.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Io { path: p, source }
    };
    let base = path.as_os_str().to_string_lossy().into_owned();
    let mut n = 1;
    while Path::new(&format!("{base}.corrupt-{n}")).exists() {
        n += 1;
    }
    let target = PathBuf::from(format!("{base}.corrupt-{n}"));
    std::fs::rename(path, &target).map_err(io(path))?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{base}{suffix}"));
        if side.exists() {
            std::fs::rename(&side, format!("{}{suffix}", target.display())).map_err(io(&side))?;
        }
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_file_is_moved_aside_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(DB_FILE);
        std::fs::write(&db, vec![0x42u8; 8192]).unwrap();
        let opened = open(dir.path(), &Sealer::new(&[5; 32]).unwrap()).unwrap();
        let rec = opened.recovered.expect("recovery reported");
        assert_eq!(rec.moved_to, dir.path().join("kairos.db.corrupt-1"));
        assert_eq!(std::fs::read(&rec.moved_to).unwrap(), vec![0x42u8; 8192], "kept, never deleted");
        let v: u32 = opened.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, schema::VERSION);
    }

    #[test]
    fn a_wrong_key_is_refused_and_destroys_nothing() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path(), &Sealer::new(&[5; 32]).unwrap()).unwrap());
        let before = std::fs::read(dir.path().join(DB_FILE)).unwrap();
        assert!(matches!(open(dir.path(), &Sealer::new(&[6; 32]).unwrap()), Err(Error::WrongKey)));
        assert_eq!(std::fs::read(dir.path().join(DB_FILE)).unwrap(), before);
        assert!(!dir.path().join("kairos.db.corrupt-1").exists());
        assert!(open(dir.path(), &Sealer::new(&[5; 32]).unwrap()).unwrap().recovered.is_none());
    }

    #[test]
    fn healthy_database_opens_in_wal() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path(), &Sealer::new(&[5; 32]).unwrap()).unwrap());
        let opened = open(dir.path(), &Sealer::new(&[5; 32]).unwrap()).unwrap();
        assert!(opened.recovered.is_none());
        let mode: String = opened.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }
}
