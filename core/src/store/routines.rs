//! Routines: one row per learned place or catalog category with visits,
//! holding its [`RoutineTrack`] (a bounded window and the fitted routine)
//! and the next instant a time rule applies to it, so that `tick` finds
//! due routines with one indexed query.

use crate::domain::routines::RoutineTrack;
use crate::domain::time::Timestamp;
use crate::domain::visits::PlaceKind;
use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};

/// A stored routine with what the listing needs of its place.
#[derive(Debug, Clone)]
pub struct RoutineRow {
    /// The routine's id (`place:<id>`, `category:<name>`).
    pub id: String,
    /// The place's kind, for a place routine.
    pub place_kind: Option<PlaceKind>,
    /// The place's catalog merchant, for a place routine at one.
    pub merchant_id: Option<String>,
    /// The routine's state.
    pub track: RoutineTrack,
}

fn decode(id: &str, json: &str) -> Result<RoutineTrack> {
    serde_json::from_str(json).map_err(|source| Error::RoutineTrack { id: id.into(), source })
}

/// `(id, track JSON)` rows, decoded.
fn decode_all(rows: Vec<(String, String)>) -> Result<Vec<(String, RoutineTrack)>> {
    rows.into_iter()
        .map(|(id, json)| {
            let track = decode(&id, &json)?;
            Ok((id, track))
        })
        .collect()
}

fn encode(id: &str, t: &RoutineTrack) -> Result<String> {
    serde_json::to_string(t).map_err(|source| Error::RoutineTrack { id: id.into(), source })
}

/// The routine `id`'s state, if it has one.
pub fn load(conn: &Connection, id: &str) -> Result<Option<RoutineTrack>> {
    let raw: Option<String> =
        conn.prepare_cached("SELECT track FROM routines WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
    raw.map(|json| decode(id, &json)).transpose()
}

/// Stores routine `id` (of `place_id` or `category`) with its next check.
pub fn save(
    conn: &Connection,
    id: &str,
    place_id: Option<i64>,
    category: Option<&str>,
    t: &RoutineTrack,
    next_check_at: Option<Timestamp>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO routines (id, place_id, category, track, next_check_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET track = excluded.track, next_check_at = excluded.next_check_at",
    )?
    .execute(params![id, place_id, category, encode(id, t)?, next_check_at.map(|t| t.0)])?;
    Ok(())
}

/// Sets routine `id`'s next check.
pub fn set_next_check(conn: &Connection, id: &str, next_check_at: Option<Timestamp>) -> Result<()> {
    conn.prepare_cached("UPDATE routines SET next_check_at = ?2 WHERE id = ?1")?
        .execute(params![id, next_check_at.map(|t| t.0)])?;
    Ok(())
}

/// Routines with a time rule due at or before `now`.
pub fn due(conn: &Connection, now: Timestamp) -> Result<Vec<(String, RoutineTrack)>> {
    let mut st = conn.prepare_cached(
        "SELECT id, track FROM routines WHERE next_check_at IS NOT NULL AND next_check_at <= ?1 ORDER BY next_check_at",
    )?;
    let rows = st.query_map([now.0], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    decode_all(rows)
}

/// Every stored routine, with its place's kind and merchant.
pub fn all(conn: &Connection) -> Result<Vec<RoutineRow>> {
    let mut st = conn.prepare_cached(
        "SELECT r.id, p.kind, p.merchant_id, r.track FROM routines r LEFT JOIN places p ON p.id = r.place_id
         ORDER BY r.id",
    )?;
    let rows: Vec<(String, Option<String>, Option<String>, String)> =
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(id, kind, merchant_id, json)| {
            let track = decode(&id, &json)?;
            Ok(RoutineRow { id, place_kind: kind.map(|k| PlaceKind::parse(&k)), merchant_id, track })
        })
        .collect()
}

/// The routines of the learned places matched to catalog merchant
/// `merchant_id`.
pub fn at_merchant(conn: &Connection, merchant_id: &str) -> Result<Vec<RoutineTrack>> {
    let mut st = conn.prepare_cached(
        "SELECT r.id, r.track FROM routines r JOIN places p ON p.id = r.place_id WHERE p.merchant_id = ?1 ORDER BY r.id",
    )?;
    // Targeting asks this for each candidate: the id is read only to name
    // a routine that fails to decode.
    let mut rows = st.query([merchant_id])?;
    let mut tracks = Vec::new();
    while let Some(r) = rows.next()? {
        let json: String = r.get(1)?;
        tracks.push(match serde_json::from_str(&json) {
            Ok(track) => track,
            Err(source) => return Err(Error::RoutineTrack { id: r.get(0)?, source }),
        });
    }
    Ok(tracks)
}

/// The kind of learned place `place_id`.
pub fn place_kind(conn: &Connection, place_id: i64) -> Result<Option<PlaceKind>> {
    let kind: Option<String> =
        conn.prepare_cached("SELECT kind FROM places WHERE id = ?1")?.query_row([place_id], |r| r.get(0)).optional()?;
    Ok(kind.map(|k| PlaceKind::parse(&k)))
}

/// The catalog categories visit `visit_id` matched.
pub fn categories_of_visit(conn: &Connection, visit_id: i64) -> Result<Vec<String>> {
    let mut st =
        conn.prepare_cached("SELECT DISTINCT category FROM merchant_visits WHERE visit_id = ?1 ORDER BY category")?;
    let rows = st.query_map([visit_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The catalog places that visits to learned place `place_id` matched.
pub fn catalog_places_of(conn: &Connection, place_id: i64) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT m.catalog_place_id FROM merchant_visits m JOIN visits v ON v.id = m.visit_id
         WHERE v.place_id = ?1 ORDER BY m.catalog_place_id",
    )?;
    let rows = st.query_map([place_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Home's centre, if a place is home.
pub fn home(conn: &Connection, sealer: &crate::domain::privacy::seal::Sealer) -> Result<Option<(f64, f64)>> {
    let sealed: Option<Vec<u8>> = conn
        .prepare_cached("SELECT sealed FROM places WHERE kind = 'home' LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    match sealed {
        Some(b) => {
            let [lat, lon] = sealer.open_f64s::<2>(b"places", &b)?;
            Ok(Some((lat, lon)))
        }
        None => Ok(None),
    }
}

/// The earliest next check of any routine (when one can fall overdue), for
/// the engine's next deadline.
pub fn next_check(conn: &Connection) -> Result<Option<Timestamp>> {
    let t: Option<i64> = conn
        .prepare_cached("SELECT MIN(next_check_at) FROM routines WHERE next_check_at IS NOT NULL")?
        .query_row([], |r| r.get(0))?;
    Ok(t.map(Timestamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_load_and_due() {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut c, &crate::domain::privacy::seal::Sealer::new(&[2; 32]).unwrap()).unwrap();
        let mut t = RoutineTrack::default();
        t.add_visit(Timestamp(1_790_000_000_000), chrono_tz::UTC);
        save(&c, "category:grocery", None, Some("grocery"), &t, Some(Timestamp(50))).unwrap();
        save(&c, "category:fashion", None, Some("fashion"), &t, None).unwrap();
        assert_eq!(load(&c, "category:grocery").unwrap(), Some(t.clone()));
        assert_eq!(load(&c, "category:none").unwrap(), None);
        assert!(due(&c, Timestamp(49)).unwrap().is_empty());
        let d = due(&c, Timestamp(50)).unwrap();
        assert_eq!(d.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["category:grocery"]);
        // Saving again replaces the state and the check.
        save(&c, "category:grocery", None, Some("grocery"), &t, None).unwrap();
        assert!(due(&c, Timestamp(i64::MAX)).unwrap().is_empty());
        assert_eq!(all(&c).unwrap().len(), 2);
    }
}
