//! Places and visits. Their coordinates are sealed at rest (one blob per
//! row, `[lat, lon]`); counts and times are in the clear for queries.

use crate::domain::privacy::seal::Sealer;
use crate::domain::time::Timestamp;
use crate::domain::visits::{Place, PlaceKind, Visit};
use crate::error::Result;
use rusqlite::{params, Connection};

/// Creates a place first seen at `at`; returns its id.
pub fn insert_place(conn: &Connection, sealer: &Sealer, lat: f64, lon: f64, at: Timestamp) -> Result<i64> {
    conn.prepare_cached("INSERT INTO places (sealed, first_seen, last_seen) VALUES (?1, ?2, ?2)")?
        .execute(params![sealer.seal_f64s(PLACES, &[lat, lon])?, at.0])?;
    Ok(conn.last_insert_rowid())
}

/// Opens a visit; returns its id.
pub fn insert_visit(
    conn: &Connection,
    sealer: &Sealer,
    place_id: i64,
    arrived: Timestamp,
    lat: f64,
    lon: f64,
) -> Result<i64> {
    conn.prepare_cached("INSERT INTO visits (place_id, arrived_at, sealed) VALUES (?1, ?2, ?3)")?.execute(params![
        place_id,
        arrived.0,
        sealer.seal_f64s(VISITS, &[lat, lon])?
    ])?;
    Ok(conn.last_insert_rowid())
}

/// What a finished visit adds to its place.
pub struct VisitClose {
    /// The visit.
    pub visit_id: i64,
    /// Its place.
    pub place_id: i64,
    /// Last fix inside.
    pub departed: Timestamp,
    /// Final centre.
    pub lat: f64,
    /// Final centre.
    pub lon: f64,
    /// Duration in whole minutes.
    pub minutes: i64,
    /// Minutes in night hours.
    pub night_minutes: i64,
    /// Minutes in weekday working hours.
    pub work_minutes: i64,
}

/// Closes a visit and folds it into its place (the place's centre becomes
/// the running mean of its visits' centres). Returns the new centre.
pub fn close_visit(conn: &Connection, sealer: &Sealer, c: &VisitClose) -> Result<(f64, f64)> {
    conn.prepare_cached("UPDATE visits SET departed_at = ?2, sealed = ?3 WHERE id = ?1")?.execute(params![
        c.visit_id,
        c.departed.0,
        sealer.seal_f64s(VISITS, &[c.lat, c.lon])?
    ])?;
    let (n, sealed): (i64, Vec<u8>) = conn
        .prepare_cached("SELECT visit_count, sealed FROM places WHERE id = ?1")?
        .query_row([c.place_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let [lat, lon] = sealer.open_f64s::<2>(PLACES, &sealed)?;
    let n = n as f64;
    let (lat, lon) = ((lat * n + c.lat) / (n + 1.0), (lon * n + c.lon) / (n + 1.0));
    conn.prepare_cached(
        "UPDATE places SET
            sealed = ?2,
            visit_count = visit_count + 1,
            total_minutes = total_minutes + ?3,
            night_minutes = night_minutes + ?4,
            work_minutes = work_minutes + ?5,
            last_seen = MAX(last_seen, ?6)
         WHERE id = ?1",
    )?
    .execute(params![
        c.place_id,
        sealer.seal_f64s(PLACES, &[lat, lon])?,
        c.minutes,
        c.night_minutes,
        c.work_minutes,
        c.departed.0
    ])?;
    Ok((lat, lon))
}

/// The place that should be home and the one that should be work, given
/// the thresholds: `(home, work)`.
pub fn infer_home_work(conn: &Connection, home_min: i64, work_min: i64) -> Result<(Option<i64>, Option<i64>)> {
    use rusqlite::OptionalExtension;
    let home: Option<i64> = conn
        .query_row(
            "SELECT id FROM places WHERE night_minutes >= ?1 ORDER BY night_minutes DESC, id LIMIT 1",
            [home_min],
            |r| r.get(0),
        )
        .optional()?;
    let work: Option<i64> = conn
        .query_row(
            "SELECT id FROM places WHERE work_minutes >= ?1 AND id IS NOT ?2 ORDER BY work_minutes DESC, id LIMIT 1",
            params![work_min, home],
            |r| r.get(0),
        )
        .optional()?;
    Ok((home, work))
}

/// Sets every place's kind from the inferred home and work; returns the
/// places whose kind changed, with their new kind.
pub fn apply_kinds(conn: &Connection, home: Option<i64>, work: Option<i64>) -> Result<Vec<(i64, PlaceKind)>> {
    let mut changed = Vec::new();
    let mut st = conn.prepare_cached("SELECT id, kind FROM places WHERE kind != 'other' OR id IS ?1 OR id IS ?2")?;
    let rows: Vec<(i64, String)> =
        st.query_map(params![home, work], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    for (id, kind) in rows {
        let want = if Some(id) == home {
            PlaceKind::Home
        } else if Some(id) == work {
            PlaceKind::Work
        } else {
            PlaceKind::Other
        };
        if PlaceKind::parse(&kind) != want {
            conn.prepare_cached("UPDATE places SET kind = ?2 WHERE id = ?1")?.execute(params![id, want.as_str()])?;
            changed.push((id, want));
        }
    }
    Ok(changed)
}

pub(super) const PLACES: &[u8] = b"places";
pub(super) const VISITS: &[u8] = b"visits";

/// Every place, by id.
pub fn places(conn: &Connection, sealer: &Sealer) -> Result<Vec<Place>> {
    let mut st = conn.prepare_cached(
        "SELECT id, kind, visit_count, total_minutes, first_seen, last_seen, merchant_id, sealed FROM places ORDER BY id",
    )?;
    let rows: Vec<(Place, Vec<u8>)> = st
        .query_map([], |r| {
            let merchant: Option<String> = r.get(6)?;
            Ok((
                Place {
                    id: r.get(0)?,
                    lat: 0.0,
                    lon: 0.0,
                    kind: PlaceKind::parse(&r.get::<_, String>(1)?),
                    private: merchant.is_none(),
                    visit_count: r.get(2)?,
                    total_minutes: r.get(3)?,
                    first_seen: Timestamp(r.get(4)?),
                    last_seen: Timestamp(r.get(5)?),
                },
                r.get(7)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(mut p, sealed)| {
            [p.lat, p.lon] = sealer.open_f64s::<2>(PLACES, &sealed)?;
            Ok(p)
        })
        .collect()
}

/// Visits that overlap `[from, to)` (an open visit overlaps everything
/// after its arrival), by arrival.
pub fn visits(conn: &Connection, sealer: &Sealer, from: Timestamp, to: Timestamp) -> Result<Vec<Visit>> {
    let mut st = conn.prepare_cached(
        "SELECT id, place_id, arrived_at, departed_at, sealed FROM visits
         WHERE arrived_at < ?2 AND (departed_at IS NULL OR departed_at >= ?1)
         ORDER BY arrived_at, id",
    )?;
    let rows: Vec<(Visit, Vec<u8>)> = st
        .query_map([from.0, to.0], |r| {
            Ok((
                Visit {
                    id: r.get(0)?,
                    place_id: r.get(1)?,
                    arrived_at: Timestamp(r.get(2)?),
                    departed_at: r.get::<_, Option<i64>>(3)?.map(Timestamp),
                    lat: 0.0,
                    lon: 0.0,
                },
                r.get(4)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(mut v, sealed)| {
            [v.lat, v.lon] = sealer.open_f64s::<2>(VISITS, &sealed)?;
            Ok(v)
        })
        .collect()
}

/// Re-seals every place and visit under `new` (key rotation).
pub fn reseal(conn: &Connection, old: &Sealer, new: &Sealer) -> Result<()> {
    for (table, label) in [("places", PLACES), ("visits", VISITS)] {
        let rows: Vec<(i64, Vec<u8>)> = conn
            .prepare(&format!("SELECT id, sealed FROM {table}"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, sealed) in rows {
            let resealed = new.seal(label, &old.open(label, &sealed)?)?;
            conn.execute(&format!("UPDATE {table} SET sealed = ?2 WHERE id = ?1"), params![id, resealed])?;
        }
    }
    Ok(())
}

/// Visits that overlap `[from, to)` strictly (one that departed exactly at
/// `from` does not), an open visit overlapping everything after its
/// arrival; by arrival.
pub fn overlapping(conn: &Connection, sealer: &Sealer, from: Timestamp, to: Timestamp) -> Result<Vec<Visit>> {
    Ok(visits(conn, sealer, from, to)?.into_iter().filter(|v| v.departed_at.is_none_or(|d| d > from)).collect())
}
