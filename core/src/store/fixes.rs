//! Raw fixes, kept only for the retention window.

use crate::error::Result;
use crate::location::LocationFix;
use crate::time::Timestamp;
use rusqlite::{params, Connection};

/// Appends fixes (inside the caller's transaction).
pub fn insert(conn: &Connection, fixes: &[LocationFix]) -> Result<()> {
    let mut st =
        conn.prepare_cached("INSERT INTO fixes (t, lat, lon, accuracy_m, speed_mps) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for f in fixes {
        st.execute(params![f.at.0, f.lat, f.lon, f.accuracy_m, f.speed_mps])?;
    }
    Ok(())
}

/// Deletes fixes taken before `before`; returns how many.
pub fn purge_before(conn: &Connection, before: Timestamp) -> Result<usize> {
    Ok(conn.prepare_cached("DELETE FROM fixes WHERE t < ?1")?.execute([before.0])?)
}

/// Fixes taken in `[from, to)`, in time order.
pub fn in_range(conn: &Connection, from: Timestamp, to: Timestamp) -> Result<Vec<LocationFix>> {
    let mut st = conn.prepare_cached(
        "SELECT t, lat, lon, accuracy_m, speed_mps FROM fixes WHERE t >= ?1 AND t < ?2 ORDER BY t, rowid",
    )?;
    let rows = st.query_map([from.0, to.0], |r| {
        Ok(LocationFix {
            at: Timestamp(r.get(0)?),
            lat: r.get(1)?,
            lon: r.get(2)?,
            accuracy_m: r.get(3)?,
            speed_mps: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Number of raw fixes held.
pub fn count(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row("SELECT COUNT(*) FROM fixes", [], |r| r.get::<_, i64>(0))? as u64)
}
