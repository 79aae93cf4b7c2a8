//! Routines: one row per learned place or catalog category with visits,
//! holding its [`RoutineTrack`] (a bounded window and the fitted routine),
//! sealed (its occasions are the times of visits, at home too), and the
//! next instant a time rule applies to it, in clear, so that `tick` finds
//! due routines with one indexed query.

use crate::domain::privacy::seal::Sealer;
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

const LABEL: &[u8] = b"routines";

/// The track JSON sealed in a row.
pub(super) fn open_json(sealer: &Sealer, sealed: &[u8]) -> Result<Vec<u8>> {
    sealer.open(LABEL, sealed)
}

/// Seals a track's JSON for its row.
pub(super) fn seal_json(sealer: &Sealer, json: &[u8]) -> Result<Vec<u8>> {
    sealer.seal(LABEL, json)
}

fn decode(sealer: &Sealer, id: &str, sealed: &[u8]) -> Result<RoutineTrack> {
    serde_json::from_slice(&open_json(sealer, sealed)?).map_err(|source| Error::RoutineTrack { id: id.into(), source })
}

/// `(id, sealed track)` rows, decoded.
fn decode_all(sealer: &Sealer, rows: Vec<(String, Vec<u8>)>) -> Result<Vec<(String, RoutineTrack)>> {
    rows.into_iter()
        .map(|(id, sealed)| {
            let track = decode(sealer, &id, &sealed)?;
            Ok((id, track))
        })
        .collect()
}

fn encode(sealer: &Sealer, id: &str, t: &RoutineTrack) -> Result<Vec<u8>> {
    seal_json(sealer, &serde_json::to_vec(t).map_err(|source| Error::RoutineTrack { id: id.into(), source })?)
}

/// The routine `id`'s state, if it has one.
pub fn load(conn: &Connection, sealer: &Sealer, id: &str) -> Result<Option<RoutineTrack>> {
    let raw: Option<Vec<u8>> =
        conn.prepare_cached("SELECT sealed FROM routines WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
    raw.map(|sealed| decode(sealer, id, &sealed)).transpose()
}

/// Stores routine `id` (of `place_id` or `category`) with its next check.
pub fn save(
    conn: &Connection,
    sealer: &Sealer,
    id: &str,
    place_id: Option<i64>,
    category: Option<&str>,
    t: &RoutineTrack,
    next_check_at: Option<Timestamp>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO routines (id, place_id, category, sealed, next_check_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET sealed = excluded.sealed, next_check_at = excluded.next_check_at",
    )?
    .execute(params![id, place_id, category, encode(sealer, id, t)?, next_check_at.map(|t| t.0)])?;
    Ok(())
}

/// Sets routine `id`'s next check.
pub fn set_next_check(conn: &Connection, id: &str, next_check_at: Option<Timestamp>) -> Result<()> {
    conn.prepare_cached("UPDATE routines SET next_check_at = ?2 WHERE id = ?1")?
        .execute(params![id, next_check_at.map(|t| t.0)])?;
    Ok(())
}

/// Routines with a time rule due at or before `now`.
pub fn due(conn: &Connection, sealer: &Sealer, now: Timestamp) -> Result<Vec<(String, RoutineTrack)>> {
    let mut st = conn.prepare_cached(
        "SELECT id, sealed FROM routines WHERE next_check_at IS NOT NULL AND next_check_at <= ?1 ORDER BY next_check_at",
    )?;
    let rows = st.query_map([now.0], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    decode_all(sealer, rows)
}

/// A listed routine as read: id, place kind, merchant, sealed track.
type ListedColumns = (String, Option<String>, Option<String>, Vec<u8>);

/// Every stored routine, with its place's kind and merchant.
pub fn all(conn: &Connection, sealer: &Sealer) -> Result<Vec<RoutineRow>> {
    let mut st = conn.prepare_cached(
        "SELECT r.id, p.kind, p.merchant_id, r.sealed FROM routines r LEFT JOIN places p ON p.id = r.place_id
         ORDER BY r.id",
    )?;
    let rows: Vec<ListedColumns> =
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(id, kind, merchant_id, sealed)| {
            let track = decode(sealer, &id, &sealed)?;
            Ok(RoutineRow { id, place_kind: kind.map(|k| PlaceKind::parse(&k)), merchant_id, track })
        })
        .collect()
}

/// The routines of the learned places matched to catalog merchant
/// `merchant_id`.
pub fn at_merchant(conn: &Connection, sealer: &Sealer, merchant_id: &str) -> Result<Vec<RoutineTrack>> {
    let mut st = conn.prepare_cached(
        "SELECT r.id, r.sealed FROM routines r JOIN places p ON p.id = r.place_id WHERE p.merchant_id = ?1 ORDER BY r.id",
    )?;
    // Targeting asks this for each candidate: the id is read only to name
    // a routine that fails to decode.
    let mut rows = st.query([merchant_id])?;
    let mut tracks = Vec::new();
    while let Some(r) = rows.next()? {
        let sealed: Vec<u8> = r.get(1)?;
        tracks.push(match serde_json::from_slice(&open_json(sealer, &sealed)?) {
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
pub fn home(conn: &Connection, sealer: &Sealer) -> Result<Option<(f64, f64)>> {
    let sealed: Option<Vec<u8>> = conn
        .prepare_cached("SELECT sealed FROM places WHERE kind = 'home' LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    match sealed {
        Some(b) => {
            let (lat, lon, _, _) = super::profile::open_place(sealer, &b)?;
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
        let s = Sealer::new(&[2; 32]).unwrap();
        crate::store::schema::migrate(&mut c, &s).unwrap();
        let mut t = RoutineTrack::default();
        t.add_visit(Timestamp(1_790_000_000_000), chrono_tz::UTC);
        save(&c, &s, "category:grocery", None, Some("grocery"), &t, Some(Timestamp(50))).unwrap();
        save(&c, &s, "category:fashion", None, Some("fashion"), &t, None).unwrap();
        assert_eq!(load(&c, &s, "category:grocery").unwrap(), Some(t.clone()));
        assert_eq!(load(&c, &s, "category:none").unwrap(), None);
        assert!(due(&c, &s, Timestamp(49)).unwrap().is_empty());
        let d = due(&c, &s, Timestamp(50)).unwrap();
        assert_eq!(d.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["category:grocery"]);
        // Saving again replaces the state and the check.
        save(&c, &s, "category:grocery", None, Some("grocery"), &t, None).unwrap();
        assert!(due(&c, &s, Timestamp(i64::MAX)).unwrap().is_empty());
        assert_eq!(all(&c, &s).unwrap().len(), 2);
    }
}
