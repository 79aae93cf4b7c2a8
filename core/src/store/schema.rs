//! The profile database schema, kept with `PRAGMA user_version`.
//!
//! A new database is created directly at [`VERSION`] from [`CREATE`]; an
//! older one is upgraded one step at a time by [`MIGRATIONS`]. A test checks
//! that both paths give the same schema. To change the schema: bump
//! `VERSION`, edit `CREATE`, and append one migration.

use crate::domain::privacy::seal::Sealer;
use crate::error::{Error, Result};
use rusqlite::Connection;

/// The schema version this build writes.
pub const VERSION: u32 = 6;

/// The whole current schema, for a new database.
const CREATE: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE fixes (t INTEGER NOT NULL, sealed BLOB NOT NULL);
CREATE INDEX fixes_by_time ON fixes(t);
CREATE TABLE places (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL DEFAULT 'other',
    visit_count INTEGER NOT NULL DEFAULT 0,
    total_minutes INTEGER NOT NULL DEFAULT 0,
    night_minutes INTEGER NOT NULL DEFAULT 0,
    work_minutes INTEGER NOT NULL DEFAULT 0,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    merchant_id TEXT,
    sealed BLOB NOT NULL DEFAULT x''
);
CREATE TABLE visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    place_id INTEGER NOT NULL REFERENCES places(id),
    arrived_at INTEGER NOT NULL,
    departed_at INTEGER,
    sealed BLOB NOT NULL DEFAULT x''
);
CREATE INDEX visits_by_arrival ON visits(arrived_at);
CREATE TABLE step_minutes (minute INTEGER PRIMARY KEY, steps INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE step_days (
    day TEXT PRIMARY KEY,
    steps INTEGER NOT NULL,
    goal_reached_at INTEGER
) WITHOUT ROWID;
CREATE TABLE catalog (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    envelope BLOB NOT NULL,
    loaded_at INTEGER NOT NULL
);
CREATE TABLE merchant_visits (
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    merchant_id TEXT NOT NULL,
    category TEXT NOT NULL,
    catalog_place_id TEXT NOT NULL,
    arrived_at INTEGER NOT NULL,
    PRIMARY KEY (visit_id, merchant_id)
) WITHOUT ROWID;
CREATE INDEX merchant_visits_by_merchant ON merchant_visits(merchant_id, arrived_at);
CREATE INDEX merchant_visits_by_category ON merchant_visits(category, arrived_at);
CREATE TABLE offer_instances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    offer_id TEXT NOT NULL,
    merchant_id TEXT NOT NULL,
    catalog_place_id TEXT NOT NULL,
    catalog_version INTEGER NOT NULL,
    trigger TEXT NOT NULL,
    triggered_at INTEGER NOT NULL,
    local_day TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    state_at INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    presented_at INTEGER
);
CREATE INDEX offer_instances_by_offer ON offer_instances(offer_id, triggered_at);
CREATE INDEX offer_instances_by_day ON offer_instances(local_day);
CREATE INDEX offer_instances_open ON offer_instances(state, expires_at);
CREATE TABLE fence_ids (place_id TEXT PRIMARY KEY, fence_id INTEGER NOT NULL UNIQUE) WITHOUT ROWID;
CREATE TABLE consent_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose TEXT NOT NULL,
    granted INTEGER NOT NULL,
    policy_version TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    purpose TEXT,
    day TEXT,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    batch_key TEXT
);
CREATE TABLE routines (
    id TEXT PRIMARY KEY,
    place_id INTEGER REFERENCES places(id),
    category TEXT,
    track TEXT NOT NULL,
    next_check_at INTEGER
) WITHOUT ROWID;
CREATE INDEX routines_by_check ON routines(next_check_at);
CREATE INDEX routines_by_place ON routines(place_id);
CREATE INDEX offer_instances_by_time ON offer_instances(triggered_at);
CREATE TABLE privacy_budget (
    day TEXT NOT NULL,
    purpose TEXT NOT NULL,
    mechanism TEXT NOT NULL,
    epsilon REAL NOT NULL,
    spent_at INTEGER NOT NULL,
    PRIMARY KEY (day, purpose)
) WITHOUT ROWID;
";

/// Step `i` upgrades a database from version `i + 1` to `i + 2`, up to
/// version 4; version 5 needs the key (see [`migrate`]); version 6 is
/// [`V6`].
/// (Version 1 is the first released schema, created by [`V1`].)
const MIGRATIONS: &[&str] = &[
    // 1 -> 2: places and visits.
    "CREATE TABLE places (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        kind TEXT NOT NULL DEFAULT 'other',
        visit_count INTEGER NOT NULL DEFAULT 0,
        total_minutes INTEGER NOT NULL DEFAULT 0,
        night_minutes INTEGER NOT NULL DEFAULT 0,
        work_minutes INTEGER NOT NULL DEFAULT 0,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
    );
    CREATE TABLE visits (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        place_id INTEGER NOT NULL REFERENCES places(id),
        arrived_at INTEGER NOT NULL,
        departed_at INTEGER,
        lat REAL NOT NULL,
        lon REAL NOT NULL
    );
    CREATE INDEX visits_by_arrival ON visits(arrived_at);",
    // 2 -> 3: steps.
    "CREATE TABLE step_minutes (minute INTEGER PRIMARY KEY, steps INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE step_days (day TEXT PRIMARY KEY, steps INTEGER NOT NULL, goal_reached_at INTEGER) WITHOUT ROWID;",
    // 3 -> 4: the catalog, merchant visits and offer lifecycle.
    "ALTER TABLE places ADD COLUMN merchant_id TEXT;
CREATE TABLE catalog (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    envelope BLOB NOT NULL,
    loaded_at INTEGER NOT NULL
);
CREATE TABLE merchant_visits (
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    merchant_id TEXT NOT NULL,
    category TEXT NOT NULL,
    catalog_place_id TEXT NOT NULL,
    arrived_at INTEGER NOT NULL,
    PRIMARY KEY (visit_id, merchant_id)
) WITHOUT ROWID;
CREATE INDEX merchant_visits_by_merchant ON merchant_visits(merchant_id, arrived_at);
CREATE INDEX merchant_visits_by_category ON merchant_visits(category, arrived_at);
CREATE TABLE offer_instances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    offer_id TEXT NOT NULL,
    merchant_id TEXT NOT NULL,
    catalog_place_id TEXT NOT NULL,
    catalog_version INTEGER NOT NULL,
    trigger TEXT NOT NULL,
    triggered_at INTEGER NOT NULL,
    local_day TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    state_at INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX offer_instances_by_offer ON offer_instances(offer_id, triggered_at);
CREATE INDEX offer_instances_by_day ON offer_instances(local_day);
CREATE INDEX offer_instances_open ON offer_instances(state, expires_at);
CREATE TABLE fence_ids (place_id TEXT PRIMARY KEY, fence_id INTEGER NOT NULL UNIQUE) WITHOUT ROWID;",
];

/// 4 -> 5, before the sealing pass: coordinates move into sealed blobs;
/// consent ledger, outbox and routines.
const V5_BEFORE_SEAL: &str = "
ALTER TABLE fixes RENAME TO fixes_plain;
CREATE TABLE fixes (t INTEGER NOT NULL, sealed BLOB NOT NULL);
ALTER TABLE places ADD COLUMN sealed BLOB NOT NULL DEFAULT x'';
ALTER TABLE visits ADD COLUMN sealed BLOB NOT NULL DEFAULT x'';
ALTER TABLE offer_instances ADD COLUMN presented_at INTEGER;
CREATE TABLE consent_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose TEXT NOT NULL,
    granted INTEGER NOT NULL,
    policy_version TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    purpose TEXT,
    day TEXT,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    batch_key TEXT
);
CREATE TABLE routines (
    id TEXT PRIMARY KEY,
    place_id INTEGER REFERENCES places(id),
    category TEXT,
    track TEXT NOT NULL,
    next_check_at INTEGER
) WITHOUT ROWID;
CREATE INDEX routines_by_check ON routines(next_check_at);
CREATE INDEX routines_by_place ON routines(place_id);
CREATE INDEX offer_instances_by_time ON offer_instances(triggered_at);
";

/// 4 -> 5, after the sealing pass: the plaintext goes.
const V5_AFTER_SEAL: &str = "
DROP INDEX fixes_by_time;
DROP TABLE fixes_plain;
CREATE INDEX fixes_by_time ON fixes(t);
ALTER TABLE places DROP COLUMN lat;
ALTER TABLE places DROP COLUMN lon;
ALTER TABLE visits DROP COLUMN lat;
ALTER TABLE visits DROP COLUMN lon;
";

/// 5 -> 6: the local-privacy budget spent per purpose and local day.
const V6: &str = "
CREATE TABLE privacy_budget (
    day TEXT NOT NULL,
    purpose TEXT NOT NULL,
    mechanism TEXT NOT NULL,
    epsilon REAL NOT NULL,
    spent_at INTEGER NOT NULL,
    PRIMARY KEY (day, purpose)
) WITHOUT ROWID;
";

/// Seals the plaintext coordinates of a version-4 database.
fn v5_seal(conn: &Connection, sealer: &Sealer) -> Result<()> {
    let rows: Vec<(i64, f64, f64, f64, Option<f64>)> = conn
        .prepare("SELECT t, lat, lon, accuracy_m, speed_mps FROM fixes_plain ORDER BY rowid")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (t, lat, lon, acc, speed) in rows {
        let f = crate::LocationFix { at: crate::Timestamp(t), lat, lon, accuracy_m: acc, speed_mps: speed };
        super::fixes::insert(conn, sealer, &[f])?;
    }
    for table in ["places", "visits"] {
        let rows: Vec<(i64, f64, f64)> = conn
            .prepare(&format!("SELECT id, lat, lon FROM {table}"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, lat, lon) in rows {
            let sealed = sealer.seal_f64s(table.as_bytes(), &[lat, lon])?;
            conn.execute(&format!("UPDATE {table} SET sealed = ?2 WHERE id = ?1"), rusqlite::params![id, sealed])?;
        }
    }
    Ok(())
}

/// The first schema (version 1), kept to test the upgrade path.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const V1: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE fixes (t INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL, accuracy_m REAL NOT NULL, speed_mps REAL);
CREATE INDEX fixes_by_time ON fixes(t);
PRAGMA user_version = 1;
";

/// Brings `conn` to [`VERSION`], in one transaction.
pub fn migrate(conn: &mut Connection, sealer: &Sealer) -> Result<()> {
    let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > VERSION {
        return Err(Error::SchemaTooNew { found, supported: VERSION });
    }
    if found == VERSION {
        return Ok(());
    }
    let tx = conn.transaction()?;
    if found == 0 {
        tx.execute_batch(CREATE)?;
    } else {
        for (i, step) in MIGRATIONS.iter().enumerate().skip(found as usize - 1) {
            tracing::info!(from = i + 1, to = i + 2, "migrating profile database");
            tx.execute_batch(step)?;
        }
        if found < 5 {
            tracing::info!(from = 4, to = 5, "migrating profile database: sealing coordinates");
            tx.execute_batch(V5_BEFORE_SEAL)?;
            v5_seal(&tx, sealer)?;
            tx.execute_batch(V5_AFTER_SEAL)?;
        }
        if found < 6 {
            tracing::info!(from = 5, to = 6, "migrating profile database");
            tx.execute_batch(V6)?;
        }
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table's columns and every index's columns, normalised.
    fn shape(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let mut st = conn
            .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
            .unwrap();
        let objects: Vec<(String, String)> =
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(|r| r.unwrap()).collect();
        for (kind, name) in objects {
            let pragma = if kind == "table" { "table_xinfo" } else { "index_xinfo" };
            let mut cols = conn.prepare(&format!("SELECT * FROM pragma_{pragma}('{name}')")).unwrap();
            let n = cols.column_count();
            let rows: Vec<String> = cols
                .query_map([], |r| {
                    Ok((0..n).map(|i| format!("{:?}", r.get_ref(i).unwrap())).collect::<Vec<_>>().join(","))
                })
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            out.push(format!("{kind} {name}: {}", rows.join(" | ")));
        }
        out
    }

    #[test]
    fn migrated_database_equals_fresh_one() {
        let mut fresh = Connection::open_in_memory().unwrap();
        migrate(&mut fresh, &Sealer::new(&[3; 32]).unwrap()).unwrap();

        let mut old = Connection::open_in_memory().unwrap();
        old.execute_batch(V1).unwrap();
        old.execute("INSERT INTO fixes VALUES (1, 2.0, 3.0, 4.0, NULL)", []).unwrap();
        migrate(&mut old, &Sealer::new(&[3; 32]).unwrap()).unwrap();

        assert_eq!(shape(&fresh), shape(&old));
        let v: u32 = old.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, VERSION);
        let kept: i64 = old.query_row("SELECT COUNT(*) FROM fixes", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 1, "data survives the upgrade");
    }

    #[test]
    fn newer_database_is_refused() {
        let mut c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "user_version", VERSION + 1).unwrap();
        assert!(matches!(migrate(&mut c, &Sealer::new(&[3; 32]).unwrap()), Err(Error::SchemaTooNew { .. })));
    }
}
