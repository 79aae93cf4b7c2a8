//! The catalog in force (its signed bytes, so a restart reloads and
//! verifies it again; see [`crate::domain::catalog::verify_stored`]) and
//! the stable fence id of every catalog place.
//!
//! A single-document catalog is stored in clear: it is the same signed
//! document for every install and says nothing about the shopper. A tiled
//! catalog's row (the signed header, which is the same for everyone, with
//! the list of tiles held, which is not) is sealed whole
//! ([`save_sealed`]: [`SEALED_MAGIC`], then the value sealed under the
//! label `catalog`), since the tiles a phone holds are a coarse map of
//! where the shopper lives and goes (`docs/privacy.md`). For the same
//! reason a tiled catalog's places are stored in `fence_ids` by the keyed
//! id of their place id ([`FenceIdAssigner::keyed`], label `fence_ids`, a
//! BLOB), a single-document catalog's by the place id itself (TEXT).

use crate::domain::fences::FenceId;
use crate::domain::privacy::seal::Sealer;
use crate::domain::time::Timestamp;
use crate::error::Result;
use foldhash::HashMap;
use rusqlite::types::ValueRef;
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

/// First bytes of a sealed catalog row (never a signed catalog's, JSON's
/// or the clear tile layouts').
pub const SEALED_MAGIC: &[u8; 8] = b"\0KSEALD1";

/// Label of a sealed catalog row.
const SEALED_LABEL: &[u8] = b"catalog";

/// Stores `plain` (a tiled catalog's list of tiles, with its header of
/// `version`) sealed as the catalog in force.
pub fn save_sealed(conn: &Connection, sealer: &Sealer, version: u64, plain: &[u8], at: Timestamp) -> Result<()> {
    let sealed = [&SEALED_MAGIC[..], &sealer.seal(SEALED_LABEL, plain)?].concat();
    save(conn, version, &sealed, at)
}

/// The opened value of a sealed catalog row and when it was loaded;
/// `None` when no catalog is stored or it is not sealed (a
/// single-document catalog: [`load`]). A sealed row that does not open is
/// an error.
pub fn load_sealed(conn: &Connection, sealer: &Sealer) -> Result<Option<(Vec<u8>, Timestamp)>> {
    let Some((stored, at)) = load(conn)? else { return Ok(None) };
    let Some(sealed) = stored.strip_prefix(SEALED_MAGIC) else { return Ok(None) };
    Ok(Some((sealer.open(SEALED_LABEL, sealed)?, at)))
}

/// Whether the stored catalog is sealed (a tiled catalog).
pub fn holds_sealed(conn: &Connection) -> Result<bool> {
    Ok(load(conn)?.is_some_and(|(stored, _)| stored.starts_with(SEALED_MAGIC)))
}

/// Label of a tiled catalog's keyed place ids in `fence_ids`.
const FENCE_LABEL: &[u8] = b"fence_ids";

/// Gives the keyed place ids of `fence_ids` the key of `new` (key
/// rotation): `place_of` names the place of a fence (the catalog in force
/// does); a row whose place it cannot name keeps its old keyed id, which
/// nothing finds again (its fence id is never reused).
pub fn rekey_fence_ids(conn: &Connection, new: &Sealer, place_of: impl Fn(FenceId) -> Option<String>) -> Result<()> {
    let fences: Vec<FenceId> = conn
        .prepare("SELECT fence_id FROM fence_ids WHERE typeof(place_id) = 'blob'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare("UPDATE fence_ids SET place_id = ?2 WHERE fence_id = ?1")?;
    for fence in fences {
        if let Some(place) = place_of(fence) {
            update.execute(params![fence, &new.keyed_id(FENCE_LABEL, place.as_bytes())[..]])?;
        }
    }
    Ok(())
}

/// Forgets the stored catalog and the fence ids of its places (erase of a
/// tiled catalog: both name the shopper's region). The highest versions
/// loaded stay (the rollback guard; they name no place).
pub fn forget(conn: &Connection) -> Result<()> {
    conn.execute_batch("DELETE FROM catalog; DELETE FROM fence_ids;")?;
    Ok(())
}

/// Forgets the fence ids stored by keyed place id (those of a tiled
/// catalog a single-document one replaced; erase).
pub fn forget_keyed_fence_ids(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM fence_ids WHERE typeof(place_id) = 'blob'", [])?;
    Ok(())
}

/// Re-seals a sealed catalog row under `new` (key rotation); a clear one
/// is left as it is.
pub fn reseal(conn: &Connection, old: &Sealer, new: &Sealer) -> Result<()> {
    let Some((plain, at)) = load_sealed(conn, old)? else { return Ok(()) };
    let version: i64 = conn.query_row("SELECT version FROM catalog WHERE id = 1", [], |r| r.get(0))?;
    save_sealed(conn, new, version as u64, &plain, at)
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
    /// Set for a tiled catalog: places are stored and found by their keyed
    /// id under this sealer.
    keyed: Option<&'c Sealer>,
    /// Stored places (their id's bytes, or keyed id) and fence ids.
    known: HashMap<Box<[u8]>, FenceId>,
    next: FenceId,
    /// 0 for a new place.
    ids: Vec<FenceId>,
    /// Positions of the new places.
    new: Vec<usize>,
}

impl<'c> FenceIdAssigner<'c> {
    /// Reads the stored ids of a single-document catalog's places (by
    /// place id, in clear).
    pub fn new(conn: &'c Connection) -> Result<Self> {
        Self::reading(conn, None)
    }

    /// Reads the stored ids of a tiled catalog's places (by the keyed id
    /// of their place id under `sealer`).
    pub fn keyed(conn: &'c Connection, sealer: &'c Sealer) -> Result<Self> {
        Self::reading(conn, Some(sealer))
    }

    fn reading(conn: &'c Connection, keyed: Option<&'c Sealer>) -> Result<Self> {
        let mut known = HashMap::default();
        let next: FenceId =
            conn.prepare_cached("SELECT COALESCE(MAX(fence_id), 0) + 1 FROM fence_ids")?.query_row([], |r| r.get(0))?;
        let kind = if keyed.is_some() { "blob" } else { "text" };
        let mut st = conn.prepare_cached("SELECT place_id, fence_id FROM fence_ids WHERE typeof(place_id) = ?1")?;
        let mut rows = st.query([kind])?;
        while let Some(row) = rows.next()? {
            let fence: FenceId = row.get(1)?;
            let place = match row.get_ref(0)? {
                ValueRef::Text(b) | ValueRef::Blob(b) => b,
                _ => unreachable!("the query selects text or blob place ids"),
            };
            known.insert(place.into(), fence);
        }
        Ok(FenceIdAssigner { conn, keyed, known, next, ids: Vec::new(), new: Vec::new() })
    }

    /// The stored form of place id `place`.
    fn key(&self, place: &str) -> Box<[u8]> {
        match self.keyed {
            Some(sealer) => sealer.keyed_id(FENCE_LABEL, place.as_bytes()).into(),
            None => place.as_bytes().into(),
        }
    }

    /// How many places were given so far.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Looks up the next places.
    pub fn add<'a>(&mut self, place_ids: impl IntoIterator<Item = &'a str>) {
        for place in place_ids {
            let found = match self.keyed {
                Some(sealer) => self.known.get(&sealer.keyed_id(FENCE_LABEL, place.as_bytes())[..]),
                None => self.known.get(place.as_bytes()),
            };
            match found {
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
        let mut new: Vec<(Box<[u8]>, usize)> = self.new.iter().map(|&i| (self.key(place_id(i)), i)).collect();
        new.sort_unstable();
        let keyed = self.keyed.is_some();
        // Many rows per statement: one statement step per row costs more
        // than the B-tree inserts themselves.
        let mut chunks = new.chunks_exact(FENCE_ID_ROWS_PER_INSERT);
        {
            let mut insert = self.conn.prepare_cached(&insert_rows_sql(FENCE_ID_ROWS_PER_INSERT))?;
            for chunk in chunks.by_ref() {
                insert_rows(&mut insert, chunk, keyed, &mut self.ids, &mut self.next)?;
            }
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut insert = self.conn.prepare(&insert_rows_sql(rest.len()))?;
            insert_rows(&mut insert, rest, keyed, &mut self.ids, &mut self.next)?;
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

/// Gives the places of `chunk` (stored form of the place id, position in
/// `ids`) the next ids, and inserts them with `insert` (made by
/// `insert_rows_sql(chunk.len())`): as BLOBs when `keyed`, else as TEXT.
fn insert_rows(
    insert: &mut rusqlite::Statement<'_>,
    chunk: &[(Box<[u8]>, usize)],
    keyed: bool,
    ids: &mut [FenceId],
    next: &mut FenceId,
) -> Result<()> {
    for (k, (place, i)) in chunk.iter().enumerate() {
        let i = *i;
        ids[i] = *next;
        *next += 1;
        let place =
            rusqlite::types::ToSqlOutput::Borrowed(if keyed { ValueRef::Blob(place) } else { ValueRef::Text(place) });
        insert.raw_bind_parameter(2 * k + 1, place)?;
        insert.raw_bind_parameter(2 * k + 2, ids[i])?;
    }
    insert.raw_execute()?;
    Ok(())
}

/// The fence ids of a few places of a tiled catalog (those a tiled load
/// reads again), found by their keyed id under `sealer` as
/// [`FenceIdAssigner::keyed`] stores them: each looked up by its key
/// instead of the whole table read; the new ones get the next ids (in
/// keyed-id order, as the assigner gives them).
pub fn fence_ids_of<'a>(
    conn: &Connection,
    sealer: &Sealer,
    place_ids: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<FenceId>> {
    let mut ids = Vec::new();
    let mut new: Vec<([u8; crate::domain::privacy::seal::KEYED_ID_LEN], usize)> = Vec::new();
    {
        let mut get = conn.prepare_cached("SELECT fence_id FROM fence_ids WHERE place_id = ?1")?;
        for place in place_ids {
            let key = sealer.keyed_id(FENCE_LABEL, place.as_bytes());
            match get.query_row([&key[..]], |r| r.get::<_, FenceId>(0)).optional()? {
                Some(id) => ids.push(id),
                None => {
                    new.push((key, ids.len()));
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
    for (id, (key, i)) in (next..).zip(new) {
        ids[i] = id;
        insert.execute(params![&key[..], id])?;
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

    #[test]
    fn a_tiled_catalog_s_places_are_stored_by_keyed_id_apart_from_clear_ones_and_ids_are_never_shared() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::new(&[7; 32]).unwrap();
        let conn = crate::store::open(dir.path(), &sealer).unwrap().conn;
        let clear = fence_ids(&conn, ["p0", "p1"]).unwrap();
        let keyed = |conn: &Connection, sealer: &Sealer, places: &[&str]| {
            let mut a = FenceIdAssigner::keyed(conn, sealer).unwrap();
            a.add(places.iter().copied());
            a.finish(|i| places[i]).unwrap()
        };
        let tiled = keyed(&conn, &sealer, &["p1", "cafe-main-st"]);
        assert_eq!(tiled, vec![3, 4], "a keyed place is new to the clear ones, and no id is shared");
        assert_eq!(keyed(&conn, &sealer, &["cafe-main-st", "p1"]), vec![4, 3], "found again by keyed id");
        assert_eq!(fence_ids(&conn, ["p1", "p0"]).unwrap(), vec![clear[1], clear[0]], "the clear ones too");
        let stored: Vec<Vec<u8>> = conn
            .prepare("SELECT place_id FROM fence_ids WHERE typeof(place_id) = 'blob'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|k| !k.windows(4).any(|w| w == b"cafe")), "no keyed place id names its place");
        // Another key: rotation gives the places it can name the new key.
        let new = Sealer::new(&[9; 32]).unwrap();
        rekey_fence_ids(&conn, &new, |f| (f == 4).then(|| "cafe-main-st".to_string())).unwrap();
        assert_eq!(keyed(&conn, &new, &["cafe-main-st"]), vec![4]);
        assert_eq!(keyed(&conn, &new, &["p1"]), vec![5], "a place it could not name is new, under a new id");
    }

    #[test]
    fn a_tiled_patch_finds_keyed_fence_ids_one_by_one_and_gives_new_places_the_next_ids() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = crate::domain::privacy::seal::Sealer::new(&[7; 32]).unwrap();
        let conn = crate::store::open(dir.path(), &sealer).unwrap().conn;
        let clear = fence_ids(&conn, ["c1", "c2"]).unwrap();
        let places = ["p0", "p1", "p2"];
        let mut whole = FenceIdAssigner::keyed(&conn, &sealer).unwrap();
        whole.add(places);
        let a = whole.finish(|i| places[i]).unwrap();
        // The same ids, found one by one, in the order asked.
        assert_eq!(fence_ids_of(&conn, &sealer, ["p2", "p0"]).unwrap(), vec![a[2], a[0]]);
        // A place of the same id in clear (a single-document catalog's) is another place.
        assert_ne!(fence_ids_of(&conn, &sealer, ["c1"]).unwrap(), vec![clear[0]]);
        let next = fence_ids(&conn, ["c3"]).unwrap()[0] + 1;
        let mut fresh = fence_ids_of(&conn, &sealer, ["q2", "q1"]).unwrap();
        assert_eq!(fence_ids_of(&conn, &sealer, ["q1", "q2"]).unwrap(), vec![fresh[1], fresh[0]], "and stored");
        fresh.sort_unstable();
        assert_eq!(fresh, vec![next, next + 1], "new places after every id given");
        let mut whole = FenceIdAssigner::keyed(&conn, &sealer).unwrap();
        whole.add(["q1"]);
        assert_eq!(
            whole.finish(|_| "q1").unwrap(),
            fence_ids_of(&conn, &sealer, ["q1"]).unwrap(),
            "as the assigner reads them"
        );
    }
}
