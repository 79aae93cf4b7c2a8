//! The profile database schema, kept with `PRAGMA user_version`.
//!
//! There is one way to a schema: the upgrade steps, appended and never
//! edited. `upgrade_from_N` brings a version-`N` database to version
//! `N + 1`; [`migrate`] runs them in turn until [`VERSION`], each step's SQL
//! written once, in its step. A new database is version 0 and runs every
//! step, so a fresh profile and an upgraded one are built by the same code
//! (`core/tests/schema_migrations.rs` checks that a database of every
//! earlier version, built from the schema that version really had, ends up
//! equal to a fresh one).
//!
//! To change the schema: append `upgrade_from_{VERSION}` and its arm in
//! [`step`], and bump [`VERSION`]. Never edit a released step.

use super::meta::{self, SealedKey};
use crate::domain::privacy::seal::Sealer;
use crate::error::{Error, Result};
use rusqlite::Connection;

/// The schema version this build writes.
pub const VERSION: u32 = 11;

/// The `meta` table, as version 1 created it. The key check creates it
/// before the first migration (it must record the key before anything is
/// sealed), so it is created only if absent.
pub const META: &str = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;";

/// One upgrade step, from one version to the next, inside the migration's
/// transaction.
type Step = fn(&Connection, &Sealer) -> Result<()>;

/// The step that upgrades a version-`version` database, if any.
fn step(version: u32) -> Option<Step> {
    Some(match version {
        0 => upgrade_from_0,
        1 => upgrade_from_1,
        2 => upgrade_from_2,
        3 => upgrade_from_3,
        4 => upgrade_from_4,
        5 => upgrade_from_5,
        6 => upgrade_from_6,
        7 => upgrade_from_7,
        8 => upgrade_from_8,
        9 => upgrade_from_9,
        10 => upgrade_from_10,
        _ => return None,
    })
}

/// 0 -> 1: the first schema: `meta` and raw fixes (in clear until 5).
fn upgrade_from_0(conn: &Connection, _: &Sealer) -> Result<()> {
    conn.execute_batch(META)?;
    conn.execute_batch(
        "CREATE TABLE fixes (t INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL, accuracy_m REAL NOT NULL, speed_mps REAL);
CREATE INDEX fixes_by_time ON fixes(t);",
    )?;
    Ok(())
}

/// 1 -> 2: places and visits.
fn upgrade_from_1(conn: &Connection, _: &Sealer) -> Result<()> {
    conn.execute_batch(
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
    )?;
    Ok(())
}

/// 2 -> 3: steps.
fn upgrade_from_2(conn: &Connection, _: &Sealer) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE step_minutes (minute INTEGER PRIMARY KEY, steps INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE step_days (day TEXT PRIMARY KEY, steps INTEGER NOT NULL, goal_reached_at INTEGER) WITHOUT ROWID;",
    )?;
    Ok(())
}

/// 3 -> 4: the catalog, merchant visits, offer lifecycle and stable fence
/// ids.
fn upgrade_from_3(conn: &Connection, _: &Sealer) -> Result<()> {
    conn.execute_batch(
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
    )?;
    Ok(())
}

/// 4 -> 5: coordinates move into sealed blobs; consent ledger, outbox
/// and routines.
fn upgrade_from_4(conn: &Connection, sealer: &Sealer) -> Result<()> {
    conn.execute_batch(V5_BEFORE_SEAL)?;
    v5_seal(conn, sealer)?;
    conn.execute_batch(V5_AFTER_SEAL)?;
    Ok(())
}

/// 5 -> 6: the local-privacy budget.
fn upgrade_from_5(conn: &Connection, _: &Sealer) -> Result<()> {
    conn.execute_batch(V6)?;
    Ok(())
}

/// 6 -> 7: what `meta` kept in clear that locates or identifies the
/// shopper (the engine state, the install id, the sync token, the device's
/// zone) moves, sealed, into `sealed_meta`; the engine state gets its
/// format envelope (format 1, see `store::state`).
fn upgrade_from_6(conn: &Connection, sealer: &Sealer) -> Result<()> {
    conn.execute_batch("CREATE TABLE sealed_meta (key TEXT PRIMARY KEY, sealed BLOB NOT NULL) WITHOUT ROWID;")?;
    meta::seal_plain_row(conn, sealer, SealedKey::EngineState, super::state::wrap_format_1)?;
    for key in [SealedKey::InstallId, SealedKey::SyncToken, SealedKey::RoutinesZone] {
        meta::seal_plain_row(conn, sealer, key, str::to_string)?;
    }
    Ok(())
}

/// 7 -> 8: the times of visits and places (when the shopper was at home
/// or work) move into their rows' sealed blobs, and routines' tracks (their
/// occasions are visit times) into a sealed column; a merchant visit keeps
/// its departure in clear beside its arrival (catalog data, which the
/// day's `visits` summary reads).
fn upgrade_from_7(conn: &Connection, sealer: &Sealer) -> Result<()> {
    conn.execute_batch(
        "ALTER TABLE merchant_visits ADD COLUMN departed_at INTEGER;
UPDATE merchant_visits SET departed_at = (SELECT departed_at FROM visits WHERE visits.id = merchant_visits.visit_id);
ALTER TABLE routines ADD COLUMN sealed BLOB NOT NULL DEFAULT x'';",
    )?;
    v8_seal(conn, sealer)?;
    conn.execute_batch(
        "DROP INDEX visits_by_arrival;
ALTER TABLE visits DROP COLUMN arrived_at;
ALTER TABLE visits DROP COLUMN departed_at;
ALTER TABLE places DROP COLUMN first_seen;
ALTER TABLE places DROP COLUMN last_seen;
ALTER TABLE routines DROP COLUMN track;",
    )?;
    Ok(())
}

/// Version 9: the bodies of the catalog tiles held (signature and
/// entries), one row a tile, so that a sync writes only the tiles that
/// changed (ADR 0012). Tiles a version-8 build stored inline in the catalog
/// row (`\0KTILES1` under a manifest, `\0KTILES2` with their entries) are
/// dropped: the next sync fetches them again.
fn upgrade_from_8(conn: &Connection, _: &Sealer) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE catalog_tiles (
    tile TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    bytes BLOB NOT NULL
);
DELETE FROM catalog WHERE substr(envelope, 1, 7) = x'004b54494c4553';",
    )?;
    Ok(())
}

/// 9 -> 10: a tiled catalog is sealed at rest (which tiles a phone holds
/// locates the shopper coarsely; `docs/privacy.md`, "Catalog tiles"): the
/// tiles' rows are found by a keyed id and hold one sealed value
/// (`store::tiles`), the catalog row's list of tiles is sealed
/// (`store::catalog::save_sealed`), and a tiled catalog's places are kept
/// in `fence_ids` by the keyed id of their place id (`fence_ids` label;
/// the rows of a profile holding tiles are re-keyed here, keeping their
/// fence ids, which the engine state names). The clear tile rows are
/// dropped, not re-sealed: the next sync fetches the tiles again. Run with
/// `secure_delete` on, and checkpointed by [`migrate`], so nothing of them
/// stays readable in the database or WAL files.
fn upgrade_from_9(conn: &Connection, sealer: &Sealer) -> Result<()> {
    let tiled: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM catalog WHERE substr(envelope, 1, 7) = x'004b54494c4553')",
        [],
        |r| r.get(0),
    )?;
    if tiled {
        let places: Vec<(String, i64)> = conn
            .prepare("SELECT place_id, fence_id FROM fence_ids WHERE typeof(place_id) = 'text'")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (place, fence) in places {
            let keyed = sealer.keyed_id(b"fence_ids", place.as_bytes());
            conn.execute(
                "UPDATE fence_ids SET place_id = ?2 WHERE fence_id = ?1",
                rusqlite::params![fence, &keyed[..]],
            )?;
        }
    }
    conn.execute_batch(
        "DELETE FROM catalog WHERE substr(envelope, 1, 7) = x'004b54494c4553';
DELETE FROM catalog_tiles;
DROP TABLE catalog_tiles;
CREATE TABLE catalog_tiles (tile BLOB PRIMARY KEY, sealed BLOB NOT NULL);",
    )?;
    Ok(())
}

/// 10 -> 11: a tile's entries are stored one row each
/// (`catalog_tile_entries`, sealed, found by a keyed id of tile and
/// merchant), and its row holds its head (signature and manifest), so that
/// a sync writes and reads only what changed (ADR 0012, "Revised: entries
/// at rest"). Tiles are now signed over their manifest (`KTILE3`): the
/// tiles held, signed over their whole entries, would not verify, so they
/// are dropped with the tiled catalog row (sealed: its `\0KSEALD1` prefix),
/// and the next sync fetches them again. The keyed fence ids stay, so the
/// places keep their fence ids. Run with `secure_delete` on, and
/// checkpointed by [`migrate`].
fn upgrade_from_10(conn: &Connection, _: &Sealer) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM catalog WHERE substr(envelope, 1, 8) = x'004b5345414c4431';
DELETE FROM catalog_tiles;
CREATE TABLE catalog_tile_entries (entry BLOB PRIMARY KEY, sealed BLOB NOT NULL);",
    )?;
    Ok(())
}

/// Re-seals a version-7 database's places as `[lat, lon, first_seen,
/// last_seen]` and visits as `[lat, lon, arrived_at, departed_at]`
/// (milliseconds as `f64`, `NaN` for a visit under way), and seals each
/// routine's track JSON under the label `routines`: the layouts
/// version 8 defines, written out here so that this step does not change
/// when the stores' own code does.
fn v8_seal(conn: &Connection, sealer: &Sealer) -> Result<()> {
    let places: Vec<(i64, i64, i64, Vec<u8>)> = conn
        .prepare("SELECT id, first_seen, last_seen, sealed FROM places")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, first, last, sealed) in places {
        let [lat, lon] = sealer.open_f64s::<2>(b"places", &sealed)?;
        let resealed = sealer.seal_f64s(b"places", &[lat, lon, first as f64, last as f64])?;
        conn.execute("UPDATE places SET sealed = ?2 WHERE id = ?1", rusqlite::params![id, resealed])?;
    }
    let visits: Vec<(i64, i64, Option<i64>, Vec<u8>)> = conn
        .prepare("SELECT id, arrived_at, departed_at, sealed FROM visits")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, arrived, departed, sealed) in visits {
        let [lat, lon] = sealer.open_f64s::<2>(b"visits", &sealed)?;
        let times = [arrived as f64, departed.map_or(f64::NAN, |d| d as f64)];
        let resealed = sealer.seal_f64s(b"visits", &[lat, lon, times[0], times[1]])?;
        conn.execute("UPDATE visits SET sealed = ?2 WHERE id = ?1", rusqlite::params![id, resealed])?;
    }
    let routines: Vec<(String, String)> = conn
        .prepare("SELECT id, track FROM routines")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, track) in routines {
        let sealed = sealer.seal(b"routines", track.as_bytes())?;
        conn.execute("UPDATE routines SET sealed = ?2 WHERE id = ?1", rusqlite::params![id, sealed])?;
    }
    Ok(())
}

/// 4 -> 5, before the sealing pass.
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

/// Seals the plaintext coordinates of a version-4 database. The sealed
/// layouts are written out here, as version 5 defined them, so that this
/// step does not change when the stores' own code does.
fn v5_seal(conn: &Connection, sealer: &Sealer) -> Result<()> {
    let rows: Vec<(i64, f64, f64, f64, Option<f64>)> = conn
        .prepare("SELECT t, lat, lon, accuracy_m, speed_mps FROM fixes_plain ORDER BY rowid")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut insert = conn.prepare("INSERT INTO fixes (t, sealed) VALUES (?1, ?2)")?;
    for (t, lat, lon, acc, speed) in rows {
        let sealed = sealer.seal_f64s(b"fixes", &[lat, lon, acc, speed.unwrap_or(f64::NAN)])?;
        insert.execute(rusqlite::params![t, sealed])?;
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

/// Brings `conn` to [`VERSION`], one step at a time, in one transaction; a
/// database written by a newer engine is refused untouched.
pub fn migrate(conn: &mut Connection, sealer: &Sealer) -> Result<()> {
    let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > VERSION {
        return Err(Error::SchemaTooNew { found, supported: VERSION });
    }
    if found == VERSION {
        return Ok(());
    }
    let tx = conn.transaction()?;
    let mut version = found;
    while version < VERSION {
        let upgrade = step(version).expect("step() has an arm for every version below VERSION (tested)");
        tracing::info!(from = version, to = version + 1, "migrating profile database");
        upgrade(&tx, sealer)?;
        version += 1;
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    if found > 0 {
        // What a step deleted (`secure_delete` zeroes it in the pages) is
        // still in the database file until the WAL is checkpointed, and
        // in the WAL until it is truncated.
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::new(&[3; 32]).unwrap()
    }

    #[test]
    fn every_version_below_the_current_one_has_a_step_and_none_beyond() {
        for v in 0..VERSION {
            assert!(step(v).is_some(), "no upgrade_from_{v}");
        }
        assert!(step(VERSION).is_none(), "a step beyond VERSION: bump VERSION");
    }

    #[test]
    fn a_new_database_runs_every_step_to_the_current_version() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c, &sealer()).unwrap();
        let v: u32 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, VERSION);
        let plain_fix_columns: i64 = c
            .query_row("SELECT COUNT(*) FROM pragma_table_info('fixes') WHERE name IN ('lat', 'lon')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(plain_fix_columns, 0, "coordinates are sealed from version 5 on");
    }

    #[test]
    fn newer_database_is_refused() {
        let mut c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "user_version", VERSION + 1).unwrap();
        assert!(matches!(migrate(&mut c, &sealer()), Err(Error::SchemaTooNew { .. })));
    }
}
