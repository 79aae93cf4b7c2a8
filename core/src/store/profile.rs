//! Places and visits. Their coordinates and times are sealed at rest, one
//! blob per row: a place's `[lat, lon, first_seen, last_seen]`, a visit's
//! `[lat, lon, arrived_at, departed_at]` (milliseconds as `f64`, exact below
//! 2^53; `NaN` while under way): together they say where and when the
//! shopper was at home or work. Counts stay in the clear for home and work
//! inference. Merchant visits keep their own times in clear
//! (`merchant_visits`: catalog data, counted by time range).

use crate::domain::privacy::seal::Sealer;
use crate::domain::time::Timestamp;
use crate::domain::visits::{Place, PlaceKind, Visit};
use crate::error::Result;
use rusqlite::{params, Connection};

/// A place's sealed value: its centre, first and last seen.
pub(super) fn seal_place(sealer: &Sealer, lat: f64, lon: f64, first: Timestamp, last: Timestamp) -> Result<Vec<u8>> {
    sealer.seal_f64s(PLACES, &[lat, lon, first.0 as f64, last.0 as f64])
}

/// Opens [`seal_place`]'s value: `(lat, lon, first_seen, last_seen)`.
pub(super) fn open_place(sealer: &Sealer, sealed: &[u8]) -> Result<(f64, f64, Timestamp, Timestamp)> {
    let [lat, lon, first, last] = sealer.open_f64s::<4>(PLACES, sealed)?;
    Ok((lat, lon, Timestamp(first as i64), Timestamp(last as i64)))
}

/// A visit's sealed value: its centre, arrival and departure (`None`
/// while under way).
pub(super) fn seal_visit(
    sealer: &Sealer,
    lat: f64,
    lon: f64,
    arrived: Timestamp,
    departed: Option<Timestamp>,
) -> Result<Vec<u8>> {
    sealer.seal_f64s(VISITS, &[lat, lon, arrived.0 as f64, departed.map_or(f64::NAN, |d| d.0 as f64)])
}

/// Opens [`seal_visit`]'s value: `(lat, lon, arrived_at, departed_at)`.
pub(super) fn open_visit(sealer: &Sealer, sealed: &[u8]) -> Result<(f64, f64, Timestamp, Option<Timestamp>)> {
    let [lat, lon, arrived, departed] = sealer.open_f64s::<4>(VISITS, sealed)?;
    Ok((lat, lon, Timestamp(arrived as i64), (!departed.is_nan()).then_some(Timestamp(departed as i64))))
}

/// Creates a place first seen at `at`; returns its id.
pub fn insert_place(conn: &Connection, sealer: &Sealer, lat: f64, lon: f64, at: Timestamp) -> Result<i64> {
    conn.prepare_cached("INSERT INTO places (sealed) VALUES (?1)")?
        .execute(params![seal_place(sealer, lat, lon, at, at)?])?;
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
    conn.prepare_cached("INSERT INTO visits (place_id, sealed) VALUES (?1, ?2)")?
        .execute(params![place_id, seal_visit(sealer, lat, lon, arrived, None)?])?;
    Ok(conn.last_insert_rowid())
}

/// Deletes a visit still open, with its merchant matches, as if it had
/// never been detected (a visit a device clock correction leaves without a
/// trustworthy stay; ADR 0009). Its place is kept: a place holds no count
/// of open visits.
pub fn discard_visit(conn: &Connection, visit_id: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM merchant_visits WHERE visit_id = ?1")?.execute([visit_id])?;
    conn.prepare_cached("DELETE FROM visits WHERE id = ?1")?.execute([visit_id])?;
    Ok(())
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
    let sealed: Vec<u8> =
        conn.prepare_cached("SELECT sealed FROM visits WHERE id = ?1")?.query_row([c.visit_id], |r| r.get(0))?;
    let (_, _, arrived, _) = open_visit(sealer, &sealed)?;
    conn.prepare_cached("UPDATE visits SET sealed = ?2 WHERE id = ?1")?
        .execute(params![c.visit_id, seal_visit(sealer, c.lat, c.lon, arrived, Some(c.departed))?])?;
    conn.prepare_cached("UPDATE merchant_visits SET departed_at = ?2 WHERE visit_id = ?1")?
        .execute(params![c.visit_id, c.departed.0])?;
    let (n, sealed): (i64, Vec<u8>) = conn
        .prepare_cached("SELECT visit_count, sealed FROM places WHERE id = ?1")?
        .query_row([c.place_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let (lat, lon, first, last) = open_place(sealer, &sealed)?;
    let n = n as f64;
    let (lat, lon) = ((lat * n + c.lat) / (n + 1.0), (lon * n + c.lon) / (n + 1.0));
    conn.prepare_cached(
        "UPDATE places SET
            sealed = ?2,
            visit_count = visit_count + 1,
            total_minutes = total_minutes + ?3,
            night_minutes = night_minutes + ?4,
            work_minutes = work_minutes + ?5
         WHERE id = ?1",
    )?
    .execute(params![
        c.place_id,
        seal_place(sealer, lat, lon, first, last.max(c.departed))?,
        c.minutes,
        c.night_minutes,
        c.work_minutes
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
    let mut st = conn
        .prepare_cached("SELECT id, kind, visit_count, total_minutes, merchant_id, sealed FROM places ORDER BY id")?;
    let rows: Vec<(Place, Vec<u8>)> = st
        .query_map([], |r| {
            let merchant: Option<String> = r.get(4)?;
            Ok((
                Place {
                    id: r.get(0)?,
                    lat: 0.0,
                    lon: 0.0,
                    kind: PlaceKind::parse(&r.get::<_, String>(1)?),
                    private: merchant.is_none(),
                    visit_count: r.get(2)?,
                    total_minutes: r.get(3)?,
                    first_seen: Timestamp(0),
                    last_seen: Timestamp(0),
                },
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(mut p, sealed)| {
            (p.lat, p.lon, p.first_seen, p.last_seen) = open_place(sealer, &sealed)?;
            Ok(p)
        })
        .collect()
}

/// Every visit, by id, opened.
pub(super) fn all_visits(conn: &Connection, sealer: &Sealer) -> Result<Vec<Visit>> {
    let mut st = conn.prepare_cached("SELECT id, place_id, sealed FROM visits ORDER BY id")?;
    let rows: Vec<(i64, i64, Vec<u8>)> =
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(id, place_id, sealed)| {
            let (lat, lon, arrived_at, departed_at) = open_visit(sealer, &sealed)?;
            Ok(Visit { id, place_id, arrived_at, departed_at, lat, lon })
        })
        .collect()
}

/// Visits that overlap `[from, to)` (an open visit overlaps everything
/// after its arrival), by arrival. Their times are sealed, so this opens
/// every visit: a few thousand a year, read only by the app's listing and
/// a recorded visit's overlap check, never per fix.
pub fn visits(conn: &Connection, sealer: &Sealer, from: Timestamp, to: Timestamp) -> Result<Vec<Visit>> {
    let mut out: Vec<Visit> = all_visits(conn, sealer)?
        .into_iter()
        .filter(|v| v.arrived_at < to && v.departed_at.is_none_or(|d| d >= from))
        .collect();
    out.sort_by_key(|v| (v.arrived_at, v.id));
    Ok(out)
}

/// Re-seals every place, visit and routine under `new` (key rotation).
pub fn reseal(conn: &Connection, old: &Sealer, new: &Sealer) -> Result<()> {
    for (table, label) in [("places", PLACES), ("visits", VISITS), ("routines", b"routines".as_slice())] {
        let rows: Vec<(rusqlite::types::Value, Vec<u8>)> = conn
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
