//! The catalog in force (its signed bytes, so a restart reloads and
//! verifies it again; see [`crate::domain::catalog::verify_stored`]) and
//! the stable fence id of every catalog place.

use crate::domain::fences::FenceId;
use crate::domain::time::Timestamp;
use crate::error::Result;
use foldhash::HashMap;
use rusqlite::types::Type;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;

/// Stores the signed bytes of the catalog now in force (the column keeps
/// its first name, `envelope`).
pub fn save(conn: &Connection, version: u64, envelope: &[u8], at: Timestamp) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO catalog (id, version, envelope, loaded_at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET version = excluded.version, envelope = excluded.envelope, loaded_at = excluded.loaded_at",
    )?
    .execute(params![version as i64, envelope, at.0])?;
    Ok(())
}

/// `meta` key of the highest catalog version ever loaded, per signing key.
const HIGHEST_VERSIONS_KEY: &str = "catalog_highest_versions";

/// The highest catalog version ever loaded signed by `key_id`, if any: a
/// lower one is a rollback, even after a restart and even when the catalog
/// in force has expired or its key was dropped.
pub fn highest_version(conn: &Connection, key_id: &str) -> Result<Option<u64>> {
    let versions: BTreeMap<String, u64> = super::state::load(conn, HIGHEST_VERSIONS_KEY)?.unwrap_or_default();
    Ok(versions.get(key_id).copied())
}

/// Records that catalog `version` signed by `key_id` was loaded (the
/// highest is kept).
pub fn raise_highest_version(conn: &Connection, key_id: &str, version: u64) -> Result<()> {
    let mut versions: BTreeMap<String, u64> = super::state::load(conn, HIGHEST_VERSIONS_KEY)?.unwrap_or_default();
    let highest = versions.entry(key_id.to_owned()).or_insert(version);
    *highest = (*highest).max(version);
    super::state::save(conn, HIGHEST_VERSIONS_KEY, &versions)
}

/// Turns SQLite's automatic WAL checkpoint off for a large write; returns
/// the page threshold it had, for [`resume_autocheckpoint`].
pub fn suspend_autocheckpoint(conn: &Connection) -> Result<i64> {
    let pages: i64 = conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(pages)
}

/// Gives the automatic WAL checkpoint back its threshold of `pages`.
pub fn resume_autocheckpoint(conn: &Connection, pages: i64) -> Result<()> {
    conn.pragma_update(None, "wal_autocheckpoint", pages)?;
    Ok(())
}

/// The stored signed bytes and when they were loaded, if a catalog was ever
/// loaded.
pub fn load(conn: &Connection) -> Result<Option<(Vec<u8>, Timestamp)>> {
    Ok(conn
        .query_row("SELECT envelope, loaded_at FROM catalog WHERE id = 1", [], |r| {
            Ok((r.get(0)?, Timestamp(r.get(1)?)))
        })
        .optional()?)
}

/// The fence id of each of `place_ids`, in the same order, assigning new
/// ids to places not seen before (ids are never reused, so a place keeps
/// its id across catalogs and restarts).
pub fn fence_ids<'a>(conn: &Connection, place_ids: impl IntoIterator<Item = &'a str>) -> Result<Vec<FenceId>> {
    let place_ids: Vec<&str> = place_ids.into_iter().collect();
    let mut assigner = FenceIdAssigner::new(conn)?;
    assigner.add(place_ids.iter().copied());
    assigner.finish(|i| place_ids[i])
}

/// [`fence_ids`] for places given a batch at a time (as a catalog is read):
/// one pass over the stored ids first, each batch looked up as it comes,
/// and at the end the new places inserted in place id order (so that both
/// of the table's B-trees grow at their ends), many rows per statement.
pub struct FenceIdAssigner<'c> {
    conn: &'c Connection,
    known: HashMap<Box<str>, FenceId>,
    next: FenceId,
    /// 0 for a new place.
    ids: Vec<FenceId>,
    /// Positions of the new places.
    new: Vec<usize>,
}

impl<'c> FenceIdAssigner<'c> {
    /// Reads the stored ids.
    pub fn new(conn: &'c Connection) -> Result<Self> {
        let mut known = HashMap::default();
        let mut next: FenceId = 1;
        let mut st = conn.prepare_cached("SELECT place_id, fence_id FROM fence_ids")?;
        let mut rows = st.query([])?;
        while let Some(row) = rows.next()? {
            let fence: FenceId = row.get(1)?;
            next = next.max(fence + 1);
            let place = row
                .get_ref(0)?
                .as_str()
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, Type::Text, e.into()))?;
            known.insert(place.into(), fence);
        }
        Ok(FenceIdAssigner { conn, known, next, ids: Vec::new(), new: Vec::new() })
    }

    /// How many places were given so far.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Looks up the next places.
    pub fn add<'a>(&mut self, place_ids: impl IntoIterator<Item = &'a str>) {
        for place in place_ids {
            match self.known.get(place) {
                Some(&id) => self.ids.push(id),
                None => {
                    self.new.push(self.ids.len());
                    self.ids.push(0);
                }
            }
        }
    }

    /// Gives the new places their ids, stores them, and returns every
    /// place's id in the order given. `place_id(i)` is the id of the `i`th
    /// place given. A place given twice fails the insert (catalogs with
    /// repeated place ids are refused before their places get ids).
    pub fn finish<'a>(mut self, place_id: impl Fn(usize) -> &'a str) -> Result<Vec<FenceId>> {
        if self.new.is_empty() {
            return Ok(self.ids);
        }
        let mut new: Vec<(&str, usize)> = self.new.iter().map(|&i| (place_id(i), i)).collect();
        new.sort_unstable();
        // Many rows per statement: one statement step per row costs more
        // than the B-tree inserts themselves.
        let mut chunks = new.chunks_exact(FENCE_ID_ROWS_PER_INSERT);
        {
            let mut insert = self.conn.prepare_cached(&insert_rows_sql(FENCE_ID_ROWS_PER_INSERT))?;
            for chunk in chunks.by_ref() {
                insert_rows(&mut insert, chunk, &mut self.ids, &mut self.next)?;
            }
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut insert = self.conn.prepare(&insert_rows_sql(rest.len()))?;
            insert_rows(&mut insert, rest, &mut self.ids, &mut self.next)?;
        }
        Ok(self.ids)
    }
}

/// Rows per `INSERT` statement into `fence_ids` (two parameters a row, well
/// under SQLite's limit of 32,766 parameters).
const FENCE_ID_ROWS_PER_INSERT: usize = 500;

fn insert_rows_sql(rows: usize) -> String {
    let mut sql = String::from("INSERT INTO fence_ids (place_id, fence_id) VALUES (?, ?)");
    for _ in 1..rows {
        sql.push_str(", (?, ?)");
    }
    sql
}

/// Gives the places of `chunk` (place id, position in `ids`) the next ids,
/// and inserts them with `insert` (made by `insert_rows_sql(chunk.len())`).
fn insert_rows(
    insert: &mut rusqlite::Statement<'_>,
    chunk: &[(&str, usize)],
    ids: &mut [FenceId],
    next: &mut FenceId,
) -> Result<()> {
    for (k, &(place, i)) in chunk.iter().enumerate() {
        ids[i] = *next;
        *next += 1;
        insert.raw_bind_parameter(2 * k + 1, place)?;
        insert.raw_bind_parameter(2 * k + 2, ids[i])?;
    }
    insert.raw_execute()?;
    Ok(())
}

/// [`fence_ids`] for a few places (those a tiled load reads again): each
/// looked up by its key instead of the whole table read; the new ones get
/// the next ids, as [`FenceIdAssigner`] gives them (in place id order).
pub fn fence_ids_of<'a>(conn: &Connection, place_ids: impl IntoIterator<Item = &'a str>) -> Result<Vec<FenceId>> {
    let mut ids = Vec::new();
    let mut new: Vec<(&str, usize)> = Vec::new();
    {
        let mut get = conn.prepare_cached("SELECT fence_id FROM fence_ids WHERE place_id = ?1")?;
        for place in place_ids {
            match get.query_row([place], |r| r.get::<_, FenceId>(0)).optional()? {
                Some(id) => ids.push(id),
                None => {
                    new.push((place, ids.len()));
                    ids.push(0);
                }
            }
        }
    }
    if new.is_empty() {
        return Ok(ids);
    }
    new.sort_unstable();
    let next: FenceId = conn.query_row("SELECT COALESCE(MAX(fence_id), 0) + 1 FROM fence_ids", [], |r| r.get(0))?;
    let mut insert = conn.prepare_cached("INSERT INTO fence_ids (place_id, fence_id) VALUES (?1, ?2)")?;
    for (id, (place, i)) in (next..).zip(new) {
        ids[i] = id;
        insert.execute(params![place, id])?;
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fence_ids_are_stable_and_never_reused() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = crate::domain::privacy::seal::Sealer::new(&[7; 32]).unwrap();
        let conn = crate::store::open(dir.path(), &sealer).unwrap().conn;
        let first: Vec<String> = (0..1_234).map(|i| format!("p{i}")).collect();
        let a = fence_ids(&conn, first.iter().map(String::as_str)).unwrap();
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..=1_234).collect::<Vec<FenceId>>(), "every place gets its own id");
        // A later catalog: some places gone, some kept (in another order), some new.
        let second: Vec<String> = (1_000..1_500).rev().map(|i| format!("p{i}")).collect();
        let b = fence_ids(&conn, second.iter().map(String::as_str)).unwrap();
        for (place, id) in second.iter().zip(&b) {
            let i: usize = place[1..].parse().unwrap();
            if i < 1_234 {
                assert_eq!(*id, a[i], "{place} keeps its id");
            } else {
                assert!(*id > 1_234, "{place} gets a new id, {id}");
            }
        }
        // Looked up one by one: the same ids, and new places the next ones.
        assert_eq!(fence_ids_of(&conn, ["p7", "p1499"]).unwrap(), vec![a[7], b[0]]);
        let fresh = fence_ids_of(&conn, ["q2", "p0", "q1"]).unwrap();
        let next = b.iter().max().unwrap() + 1;
        assert_eq!(fresh, vec![next + 1, a[0], next], "new places in place id order, after every id given");
        assert_eq!(fence_ids(&conn, ["q1", "q2"]).unwrap(), vec![next, next + 1], "and stored");
        // Places that left and come back keep their first id too.
        assert_eq!(fence_ids(&conn, ["p7", "p0"]).unwrap(), vec![a[7], a[0]]);
        assert_eq!(fence_ids(&conn, std::iter::empty()).unwrap(), Vec::<FenceId>::new());
        // Batch by batch, as a load gives them: the same ids as all at once.
        let third: Vec<String> = (1_400..2_600).map(|i| format!("p{i}")).collect();
        let mut batches = FenceIdAssigner::new(&conn).unwrap();
        for batch in third.chunks(700) {
            batches.add(batch.iter().map(String::as_str));
        }
        assert_eq!(batches.len(), 1_200);
        let c = batches.finish(|i| &third[i]).unwrap();
        assert_eq!(&c[..100], &b[..100].iter().rev().copied().collect::<Vec<_>>()[..], "p1400..p1499 kept theirs");
        assert_eq!(fence_ids(&conn, third.iter().map(String::as_str)).unwrap(), c, "and they were stored");
        let mut sorted = c.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 1_200, "no id given twice");
    }
}
