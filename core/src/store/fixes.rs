//! Raw fixes, kept only for the retention window and sealed at rest: only
//! the time is in the clear (for retention); position, accuracy and speed
//! are one sealed blob per fix.

use crate::domain::location::LocationFix;
use crate::domain::privacy::seal::Sealer;
use crate::domain::time::Timestamp;
use crate::error::Result;
use rusqlite::{params, Connection};

const LABEL: &[u8] = b"fixes";

/// Appends fixes (inside the caller's transaction).
pub fn insert(conn: &Connection, sealer: &Sealer, fixes: &[LocationFix]) -> Result<()> {
    let mut st = conn.prepare_cached("INSERT INTO fixes (t, sealed) VALUES (?1, ?2)")?;
    for f in fixes {
        let sealed = sealer.seal_f64s(LABEL, &[f.lat, f.lon, f.accuracy_m, f.speed_mps.unwrap_or(f64::NAN)])?;
        st.execute(params![f.at.0, sealed])?;
    }
    Ok(())
}

/// Deletes fixes taken before `before`; returns how many.
pub fn purge_before(conn: &Connection, before: Timestamp) -> Result<usize> {
    Ok(conn.prepare_cached("DELETE FROM fixes WHERE t < ?1")?.execute([before.0])?)
}

/// Fixes taken in `[from, to)`, in time order.
pub fn in_range(conn: &Connection, sealer: &Sealer, from: Timestamp, to: Timestamp) -> Result<Vec<LocationFix>> {
    let mut st = conn.prepare_cached("SELECT t, sealed FROM fixes WHERE t >= ?1 AND t < ?2 ORDER BY t, rowid")?;
    let rows: Vec<(i64, Vec<u8>)> =
        st.query_map([from.0, to.0], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(t, sealed)| {
            let [lat, lon, accuracy_m, speed] = sealer.open_f64s::<4>(LABEL, &sealed)?;
            Ok(LocationFix { at: Timestamp(t), lat, lon, accuracy_m, speed_mps: (!speed.is_nan()).then_some(speed) })
        })
        .collect()
}

/// Re-seals every fix under `new` (key rotation, inside a transaction).
pub fn reseal(conn: &Connection, old: &Sealer, new: &Sealer) -> Result<()> {
    let rows: Vec<(i64, Vec<u8>)> = conn
        .prepare("SELECT rowid, sealed FROM fixes")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut st = conn.prepare("UPDATE fixes SET sealed = ?2 WHERE rowid = ?1")?;
    for (rowid, sealed) in rows {
        st.execute(params![rowid, new.seal(LABEL, &old.open(LABEL, &sealed)?)?])?;
    }
    Ok(())
}

/// The time of the oldest raw fix held, for the next retention purge.
pub fn oldest(conn: &Connection) -> Result<Option<Timestamp>> {
    let t: Option<i64> = conn.prepare_cached("SELECT MIN(t) FROM fixes")?.query_row([], |r| r.get(0))?;
    Ok(t.map(Timestamp))
}
