//! The catalog tiles held, at rest (ADR 0012): each tile's head (its
//! signature and manifest, `domain::catalog::tiles::TileHead`) in one row
//! of `catalog_tiles`, and each of its entries (one merchant's JSON) in a
//! row of its own in `catalog_tile_entries`, so that a sync writes only
//! the heads of the tiles that changed and the entries that changed, and
//! reads only the heads and the entries it needs. Which tiles are held, at
//! which version, and the signed header stay in the catalog row
//! (`store::catalog`).
//!
//! **Sealed (schema 10, entries 11).** Which tiles a phone holds is a
//! coarse map of the shopper's life (home, work, routines, trips;
//! `docs/privacy.md`), and a tile's entries name its merchants and places.
//! So a head's row is found by the tile id's keyed id
//! ([`Sealer::keyed_id`], label `catalog_tiles`), never the id itself, and
//! holds one sealed value: the tile id (length-prefixed, u32 LE), its
//! version (u64 LE), then the head. An entry's row is found by the keyed
//! id of its tile id and merchant id (label `catalog_tile_entries`; the
//! rows of one tile share nothing a reader of the file could group them
//! by) and holds the sealed tile id, merchant id and entry. The ids inside
//! bind a value to its row: a value moved to another row is refused, and
//! [`reseal`] can re-key every row without knowing the ids. A stored entry
//! is checked against its hash in the head by the engine as it reads it (a
//! row replaced by an older sealed value of the same entry is refused).

use crate::domain::catalog::tiles::TileHead;
use crate::domain::privacy::seal::Sealer;
use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};

/// Label of the heads' keyed ids and sealed values.
const LABEL: &[u8] = b"catalog_tiles";

/// Label of the entries' keyed ids and sealed values.
const ENTRY_LABEL: &[u8] = b"catalog_tile_entries";

fn garbled(what: &str) -> Error {
    Error::Sealing(format!("a stored catalog tile {what}'s sealed value is garbled"))
}

/// `parts`, each length-prefixed (u32 LE), then `rest`.
fn framed(parts: &[&[u8]], rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| 4 + p.len()).sum::<usize>() + rest.len());
    for p in parts {
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(p);
    }
    out.extend_from_slice(rest);
    out
}

/// The first length-prefixed part of `plain`, as text, and what follows.
fn unframe<'a>(plain: &'a [u8], what: &str) -> Result<(String, &'a [u8])> {
    let len = u32::from_le_bytes(plain.get(..4).ok_or_else(|| garbled(what))?.try_into().expect("4 bytes")) as usize;
    let part = plain.get(4..4 + len).ok_or_else(|| garbled(what))?;
    Ok((String::from_utf8(part.to_vec()).map_err(|_| garbled(what))?, &plain[4 + len..]))
}

/// The keyed id of entry `merchant` of tile `tile`.
fn entry_key(sealer: &Sealer, tile: &str, merchant: &str) -> [u8; crate::domain::privacy::seal::KEYED_ID_LEN] {
    sealer.keyed_id(ENTRY_LABEL, &framed(&[tile.as_bytes(), merchant.as_bytes()], &[]))
}

/// Opens a head row's sealed value: its tile id, version and head bytes.
fn open_head(sealer: &Sealer, sealed: &[u8]) -> Result<(String, u64, Vec<u8>)> {
    let plain = sealer.open(LABEL, sealed)?;
    let (tile, rest) = unframe(&plain, "head")?;
    let version = u64::from_le_bytes(rest.get(..8).ok_or_else(|| garbled("head"))?.try_into().expect("8 bytes"));
    Ok((tile, version, rest[8..].to_vec()))
}

/// Opens an entry row's sealed value: its tile id, merchant id and entry.
fn open_entry(sealer: &Sealer, sealed: &[u8]) -> Result<(String, String, Vec<u8>)> {
    let plain = sealer.open(ENTRY_LABEL, sealed)?;
    let (tile, rest) = unframe(&plain, "entry")?;
    let (merchant, rest) = unframe(rest, "entry")?;
    Ok((tile, merchant, rest.to_vec()))
}

/// Stores (or replaces) tile `tile`'s head at `version`, sealed.
pub fn put_head(conn: &Connection, sealer: &Sealer, tile: &str, version: u64, head: &TileHead) -> Result<()> {
    put_head_bytes(conn, sealer, tile, version, &head.encode())
}

fn put_head_bytes(conn: &Connection, sealer: &Sealer, tile: &str, version: u64, head: &[u8]) -> Result<()> {
    let sealed = sealer.seal(LABEL, &framed(&[tile.as_bytes()], &[&version.to_le_bytes()[..], head].concat()))?;
    conn.prepare_cached(
        "INSERT INTO catalog_tiles (tile, sealed) VALUES (?1, ?2)
         ON CONFLICT(tile) DO UPDATE SET sealed = excluded.sealed",
    )?
    .execute(params![&sealer.keyed_id(LABEL, tile.as_bytes())[..], sealed])?;
    Ok(())
}

/// Tile `tile`'s version and head, if stored. A row that does not open,
/// holds another tile or a head that cannot be read is an error
/// ([`Error::Sealing`], [`Error::Catalog`]).
pub fn get_head(conn: &Connection, sealer: &Sealer, tile: &str) -> Result<Option<(u64, TileHead)>> {
    let sealed: Option<Vec<u8>> = conn
        .prepare_cached("SELECT sealed FROM catalog_tiles WHERE tile = ?1")?
        .query_row([&sealer.keyed_id(LABEL, tile.as_bytes())[..]], |r| r.get(0))
        .optional()?;
    let Some(sealed) = sealed else { return Ok(None) };
    let (held, version, bytes) = open_head(sealer, &sealed)?;
    if held != tile {
        return Err(Error::Sealing(format!("the stored row of catalog tile {tile} holds tile {held}")));
    }
    let head = TileHead::decode(&bytes).map_err(crate::domain::catalog::CatalogError::from)?;
    Ok(Some((version, head)))
}

/// Stores (or replaces) entry `merchant` of tile `tile`, sealed.
pub fn put_entry(conn: &Connection, sealer: &Sealer, tile: &str, merchant: &str, entry: &[u8]) -> Result<()> {
    let sealed = sealer.seal(ENTRY_LABEL, &framed(&[tile.as_bytes(), merchant.as_bytes()], entry))?;
    conn.prepare_cached(
        "INSERT INTO catalog_tile_entries (entry, sealed) VALUES (?1, ?2)
         ON CONFLICT(entry) DO UPDATE SET sealed = excluded.sealed",
    )?
    .execute(params![&entry_key(sealer, tile, merchant)[..], sealed])?;
    Ok(())
}

/// Entry `merchant` of tile `tile`, if stored. A row that does not open
/// or holds another entry is an error ([`Error::Sealing`]).
pub fn get_entry(conn: &Connection, sealer: &Sealer, tile: &str, merchant: &str) -> Result<Option<Vec<u8>>> {
    let sealed: Option<Vec<u8>> = conn
        .prepare_cached("SELECT sealed FROM catalog_tile_entries WHERE entry = ?1")?
        .query_row([&entry_key(sealer, tile, merchant)[..]], |r| r.get(0))
        .optional()?;
    let Some(sealed) = sealed else { return Ok(None) };
    let (t, m, entry) = open_entry(sealer, &sealed)?;
    if t != tile || m != merchant {
        return Err(Error::Sealing(format!(
            "the stored row of entry {merchant:?} of catalog tile {tile} holds entry {m:?} of tile {t}"
        )));
    }
    Ok(Some(entry))
}

/// Forgets entry `merchant` of tile `tile` (nothing when it is not stored).
pub fn remove_entry(conn: &Connection, sealer: &Sealer, tile: &str, merchant: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM catalog_tile_entries WHERE entry = ?1")?
        .execute([&entry_key(sealer, tile, merchant)[..]])?;
    Ok(())
}

/// Forgets tile `tile`: its head and every entry its head names (nothing
/// when it is not stored). A head that no longer opens is removed alone:
/// its entries' rows stay, sealed and found by nothing, until the tiles
/// are cleared (a single-document catalog, erase); one garbled row never
/// stops the others from being evicted.
pub fn remove(conn: &Connection, sealer: &Sealer, tile: &str) -> Result<()> {
    match get_head(conn, sealer, tile) {
        Ok(Some((_, head))) => {
            for merchant in head.manifest.keys() {
                remove_entry(conn, sealer, tile, merchant)?;
            }
        }
        Ok(None) => {}
        Err(Error::Sealing(_) | Error::Catalog(_)) => {}
        Err(e) => return Err(e),
    }
    conn.prepare_cached("DELETE FROM catalog_tiles WHERE tile = ?1")?
        .execute([&sealer.keyed_id(LABEL, tile.as_bytes())[..]])?;
    Ok(())
}

/// Forgets every tile and entry (a single-document catalog replaced the
/// tiles, or the profile is erased).
pub fn clear(conn: &Connection) -> Result<()> {
    conn.execute_batch("DELETE FROM catalog_tile_entries; DELETE FROM catalog_tiles;")?;
    Ok(())
}

/// Re-keys and re-seals every head and entry under `new` (key rotation).
pub fn reseal(conn: &Connection, old: &Sealer, new: &Sealer) -> Result<()> {
    let rows = |sql: &str| -> Result<Vec<Vec<u8>>> {
        Ok(conn.prepare(sql)?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
    };
    let heads = rows("SELECT sealed FROM catalog_tiles")?;
    let entries = rows("SELECT sealed FROM catalog_tile_entries")?;
    clear(conn)?;
    for sealed in heads {
        let (tile, version, head) = open_head(old, &sealed)?;
        put_head_bytes(conn, new, &tile, version, &head)?;
    }
    for sealed in entries {
        let (tile, merchant, entry) = open_entry(old, &sealed)?;
        put_entry(conn, new, &tile, &merchant, &entry)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::tiles::{manifest_of, Entries, TileSignature};

    fn opened(dir: &std::path::Path, sealer: &Sealer) -> Connection {
        crate::store::open(dir, sealer).unwrap().conn
    }

    /// A head naming `merchants`, each entry its name's bytes.
    fn head(merchants: &[&str]) -> TileHead {
        let entries: Entries = merchants.iter().map(|m| (m.to_string(), m.as_bytes().to_vec())).collect();
        TileHead {
            signature: TileSignature { key_id: "k1".into(), signature: [3; 64] },
            manifest: manifest_of(&entries),
        }
    }

    fn rows(conn: &Connection) -> (i64, i64) {
        let n = |t: &str| conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0)).unwrap();
        (n("catalog_tiles"), n("catalog_tile_entries"))
    }

    #[test]
    fn a_head_and_its_entries_are_stored_replaced_and_removed_by_their_ids() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::new(&[7; 32]).unwrap();
        let conn = opened(dir.path(), &sealer);
        put_head(&conn, &sealer, "r1c2", 3, &head(&["a", "b"])).unwrap();
        put_entry(&conn, &sealer, "r1c2", "a", b"a").unwrap();
        put_entry(&conn, &sealer, "r1c2", "b", b"b").unwrap();
        put_head(&conn, &sealer, "r1c3", 3, &head(&["a"])).unwrap();
        put_entry(&conn, &sealer, "r1c3", "a", b"other a").unwrap();
        put_head(&conn, &sealer, "r1c2", 4, &head(&["a"])).unwrap();
        put_entry(&conn, &sealer, "r1c2", "a", b"new a").unwrap();
        remove_entry(&conn, &sealer, "r1c2", "b").unwrap();
        assert_eq!(get_head(&conn, &sealer, "r1c2").unwrap(), Some((4, head(&["a"]))));
        assert_eq!(get_entry(&conn, &sealer, "r1c2", "a").unwrap(), Some(b"new a".to_vec()));
        assert_eq!(
            get_entry(&conn, &sealer, "r1c3", "a").unwrap(),
            Some(b"other a".to_vec()),
            "one row a tile's entry"
        );
        assert_eq!(get_entry(&conn, &sealer, "r1c2", "b").unwrap(), None);
        remove(&conn, &sealer, "r1c2").unwrap();
        assert_eq!(
            (get_head(&conn, &sealer, "r1c2").unwrap(), get_entry(&conn, &sealer, "r1c2", "a").unwrap()),
            (None, None)
        );
        assert_eq!(rows(&conn), (1, 1), "removing a tile removes the entries its head names, and only those");
        clear(&conn).unwrap();
        assert_eq!(rows(&conn), (0, 0));
    }

    #[test]
    fn neither_a_tile_s_id_nor_its_version_nor_a_merchant_s_id_nor_an_entry_is_readable_in_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::new(&[7; 32]).unwrap();
        let conn = opened(dir.path(), &sealer);
        put_head(&conn, &sealer, "r6384c2938", 0x0102_0304_0506, &head(&["cafe-main-st"])).unwrap();
        put_entry(&conn, &sealer, "r6384c2938", "cafe-main-st", b"{\"id\":\"cafe-main-st\",\"lat\":37.7}").unwrap();
        let mut all: Vec<Vec<u8>> = Vec::new();
        for sql in ["SELECT tile, sealed FROM catalog_tiles", "SELECT entry, sealed FROM catalog_tile_entries"] {
            conn.query_row(sql, [], |r| {
                all.push(r.get(0)?);
                all.push(r.get(1)?);
                Ok(())
            })
            .unwrap();
        }
        for row in &all {
            for needle in [&b"r6384c2938"[..], b"cafe-main-st", b"37.7", &0x0102_0304_0506u64.to_le_bytes()[..6]] {
                assert!(!row.windows(needle.len()).any(|w| w == needle), "{needle:?} is readable in a row");
            }
        }
    }

    #[test]
    fn a_row_moved_to_another_tile_or_entry_is_refused_and_a_rotated_key_reads_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::new(&[7; 32]).unwrap();
        let conn = opened(dir.path(), &sealer);
        put_head(&conn, &sealer, "r1c2", 3, &head(&["a"])).unwrap();
        put_head(&conn, &sealer, "r1c3", 5, &head(&["a", "b"])).unwrap();
        put_entry(&conn, &sealer, "r1c2", "a", b"a of r1c2").unwrap();
        put_entry(&conn, &sealer, "r1c3", "a", b"a of r1c3").unwrap();
        put_entry(&conn, &sealer, "r1c3", "b", b"b of r1c3").unwrap();
        let new = Sealer::new(&[9; 32]).unwrap();
        reseal(&conn, &sealer, &new).unwrap();
        assert_eq!(get_head(&conn, &new, "r1c2").unwrap(), Some((3, head(&["a"]))));
        assert_eq!(get_head(&conn, &new, "r1c3").unwrap(), Some((5, head(&["a", "b"]))));
        assert_eq!(get_entry(&conn, &new, "r1c3", "b").unwrap(), Some(b"b of r1c3".to_vec()));
        assert_eq!(get_head(&conn, &sealer, "r1c2").unwrap(), None, "the old key no longer finds the row");
        assert_eq!(get_entry(&conn, &sealer, "r1c2", "a").unwrap(), None);
        // The head of r1c3 put in r1c2's row; entry b of r1c3 put in entry a's row.
        conn.execute(
            "UPDATE catalog_tiles SET sealed = (SELECT sealed FROM catalog_tiles WHERE tile = ?2) WHERE tile = ?1",
            params![&new.keyed_id(LABEL, b"r1c2")[..], &new.keyed_id(LABEL, b"r1c3")[..]],
        )
        .unwrap();
        assert!(matches!(get_head(&conn, &new, "r1c2"), Err(Error::Sealing(_))));
        conn.execute(
            "UPDATE catalog_tile_entries SET sealed = (SELECT sealed FROM catalog_tile_entries WHERE entry = ?2) WHERE entry = ?1",
            params![&entry_key(&new, "r1c3", "a")[..], &entry_key(&new, "r1c3", "b")[..]],
        )
        .unwrap();
        assert!(matches!(get_entry(&conn, &new, "r1c3", "a"), Err(Error::Sealing(_))));
    }
}
