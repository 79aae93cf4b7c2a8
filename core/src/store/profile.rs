//! Places and visits.

use crate::error::Result;
use crate::time::Timestamp;
use crate::visits::{Place, PlaceKind, Visit};
use rusqlite::{params, Connection, Row};

/// Creates a place first seen at `at`; returns its id.
pub fn insert_place(conn: &Connection, lat: f64, lon: f64, at: Timestamp) -> Result<i64> {
    conn.prepare_cached("INSERT INTO places (lat, lon, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)")?
        .execute(params![lat, lon, at.0])?;
    Ok(conn.last_insert_rowid())
}

/// Opens a visit; returns its id.
pub fn insert_visit(conn: &Connection, place_id: i64, arrived: Timestamp, lat: f64, lon: f64) -> Result<i64> {
    conn.prepare_cached("INSERT INTO visits (place_id, arrived_at, lat, lon) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![place_id, arrived.0, lat, lon])?;
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
pub fn close_visit(conn: &Connection, c: &VisitClose) -> Result<(f64, f64)> {
    conn.prepare_cached("UPDATE visits SET departed_at = ?2, lat = ?3, lon = ?4 WHERE id = ?1")?.execute(params![
        c.visit_id,
        c.departed.0,
        c.lat,
        c.lon
    ])?;
    conn.prepare_cached(
        "UPDATE places SET
            lat = (lat * visit_count + ?2) / (visit_count + 1),
            lon = (lon * visit_count + ?3) / (visit_count + 1),
            visit_count = visit_count + 1,
            total_minutes = total_minutes + ?4,
            night_minutes = night_minutes + ?5,
            work_minutes = work_minutes + ?6,
            last_seen = MAX(last_seen, ?7)
         WHERE id = ?1",
    )?
    .execute(params![c.place_id, c.lat, c.lon, c.minutes, c.night_minutes, c.work_minutes, c.departed.0])?;
    Ok(conn.query_row("SELECT lat, lon FROM places WHERE id = ?1", [c.place_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
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

fn place(r: &Row<'_>) -> rusqlite::Result<Place> {
    Ok(Place {
        id: r.get(0)?,
        lat: r.get(1)?,
        lon: r.get(2)?,
        kind: PlaceKind::parse(&r.get::<_, String>(3)?),
        private: true,
        visit_count: r.get(4)?,
        total_minutes: r.get(5)?,
        first_seen: Timestamp(r.get(6)?),
        last_seen: Timestamp(r.get(7)?),
    })
}

/// Every place, by id.
pub fn places(conn: &Connection) -> Result<Vec<Place>> {
    let mut st = conn.prepare_cached(
        "SELECT id, lat, lon, kind, visit_count, total_minutes, first_seen, last_seen FROM places ORDER BY id",
    )?;
    let rows = st.query_map([], place)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Visits that overlap `[from, to)` (an open visit overlaps everything
/// after its arrival), by arrival.
pub fn visits(conn: &Connection, from: Timestamp, to: Timestamp) -> Result<Vec<Visit>> {
    let mut st = conn.prepare_cached(
        "SELECT id, place_id, arrived_at, departed_at, lat, lon FROM visits
         WHERE arrived_at < ?2 AND (departed_at IS NULL OR departed_at >= ?1)
         ORDER BY arrived_at, id",
    )?;
    let rows = st.query_map([from.0, to.0], visit)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn visit(r: &Row<'_>) -> rusqlite::Result<Visit> {
    Ok(Visit {
        id: r.get(0)?,
        place_id: r.get(1)?,
        arrived_at: Timestamp(r.get(2)?),
        departed_at: r.get::<_, Option<i64>>(3)?.map(Timestamp),
        lat: r.get(4)?,
        lon: r.get(5)?,
    })
}

/// Visits that overlap `[from, to)` strictly (one that departed exactly at
/// `from` does not), an open visit overlapping everything after its
/// arrival; by arrival.
pub fn overlapping(conn: &Connection, from: Timestamp, to: Timestamp) -> Result<Vec<Visit>> {
    let mut st = conn.prepare_cached(
        "SELECT id, place_id, arrived_at, departed_at, lat, lon FROM visits
         WHERE arrived_at < ?2 AND (departed_at IS NULL OR departed_at > ?1)
         ORDER BY arrived_at, id",
    )?;
    let rows = st.query_map([from.0, to.0], visit)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
