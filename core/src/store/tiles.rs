//! The bodies of the catalog tiles held (ADR 0012: each tile's signature
//! and entries, in `domain::catalog::tiles::TileBody`'s layout), one row a
//! tile, so that a sync writes only the tiles that changed and the engine
//! keeps none of them in memory. Which tiles are held, at which version,
//! and the signed header stay in the catalog row (`store::catalog`).
//!
//! **Sealed (schema 10).** Which tiles a phone holds is a coarse map of the
//! shopper's life (home, work, routines, trips; `docs/privacy.md`), and a
//! tile's body names its merchants and places. So a row is found by the
//! tile id's keyed id ([`Sealer::keyed_id`], label `catalog_tiles`), never
//! the id itself, and holds one sealed value (label `catalog_tiles`):
//! the tile id (length-prefixed, u32 LE), its version (u64 LE), then the
//! body. The id inside binds the value to its row: a value moved to
//! another tile's row is refused, and [`reseal`] can re-key every row
//! without knowing the ids.

use crate::domain::privacy::seal::Sealer;
use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};

/// Label of the rows' keyed ids and sealed values.
const LABEL: &[u8] = b"catalog_tiles";

/// The sealed value of tile `tile` at `version` with body `bytes`.
fn seal(sealer: &Sealer, tile: &str, version: u64, bytes: &[u8]) -> Result<Vec<u8>> {
    let mut plain = Vec::with_capacity(4 + tile.len() + 8 + bytes.len());
    plain.extend_from_slice(&(tile.len() as u32).to_le_bytes());
    plain.extend_from_slice(tile.as_bytes());
    plain.extend_from_slice(&version.to_le_bytes());
    plain.extend_from_slice(bytes);
    sealer.seal(LABEL, &plain)
}

/// Opens a row's sealed value: its tile id, version and body.
fn open(sealer: &Sealer, sealed: &[u8]) -> Result<(String, u64, Vec<u8>)> {
    let plain = sealer.open(LABEL, sealed)?;
    let garbled = || Error::Sealing("a stored catalog tile's sealed value is garbled".into());
    let len = u32::from_le_bytes(plain.get(..4).ok_or_else(garbled)?.try_into().expect("4 bytes")) as usize;
    let tile = plain.get(4..4 + len).ok_or_else(garbled)?;
    let tile = String::from_utf8(tile.to_vec()).map_err(|_| garbled())?;
    let version = plain.get(4 + len..12 + len).ok_or_else(garbled)?;
    let version = u64::from_le_bytes(version.try_into().expect("8 bytes"));
    Ok((tile, version, plain[12 + len..].to_vec()))
}

/// Stores (or replaces) tile `tile`'s body at `version`, sealed.
pub fn put(conn: &Connection, sealer: &Sealer, tile: &str, version: u64, bytes: &[u8]) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO catalog_tiles (tile, sealed) VALUES (?1, ?2)
         ON CONFLICT(tile) DO UPDATE SET sealed = excluded.sealed",
    )?
    .execute(params![&sealer.keyed_id(LABEL, tile.as_bytes())[..], seal(sealer, tile, version, bytes)?])?;
    Ok(())
}

/// Forgets tile `tile` (nothing when it is not stored).
pub fn remove(conn: &Connection, sealer: &Sealer, tile: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM catalog_tiles WHERE tile = ?1")?
        .execute([&sealer.keyed_id(LABEL, tile.as_bytes())[..]])?;
    Ok(())
}

/// Forgets every tile (a single-document catalog replaced the tiles, or
/// the profile is erased).
pub fn clear(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM catalog_tiles", [])?;
    Ok(())
}

/// Tile `tile`'s version and body, if stored. A row that does not open, or
/// holds another tile, is an error ([`Error::Sealing`]).
pub fn get(conn: &Connection, sealer: &Sealer, tile: &str) -> Result<Option<(u64, Vec<u8>)>> {
    let sealed: Option<Vec<u8>> = conn
        .prepare_cached("SELECT sealed FROM catalog_tiles WHERE tile = ?1")?
        .query_row([&sealer.keyed_id(LABEL, tile.as_bytes())[..]], |r| r.get(0))
        .optional()?;
    let Some(sealed) = sealed else { return Ok(None) };
    let (held, version, bytes) = open(sealer, &sealed)?;
    if held != tile {
        return Err(Error::Sealing(format!("the stored row of catalog tile {tile} holds tile {held}")));
    }
    Ok(Some((version, bytes)))
}

/// Re-keys and re-seals every tile under `new` (key rotation).
pub fn reseal(conn: &Connection, old: &Sealer, new: &Sealer) -> Result<()> {
    let rows: Vec<Vec<u8>> = conn
        .prepare("SELECT sealed FROM catalog_tiles")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    clear(conn)?;
    for sealed in rows {
        let (tile, version, bytes) = open(old, &sealed)?;
        put(conn, new, &tile, version, &bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opened(dir: &std::path::Path, sealer: &Sealer) -> Connection {
        crate::store::open(dir, sealer).unwrap().conn
    }

    #[test]
    fn a_tile_is_stored_replaced_and_removed_by_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::new(&[7; 32]).unwrap();
        let conn = opened(dir.path(), &sealer);
        put(&conn, &sealer, "r1c2", 3, b"three").unwrap();
        put(&conn, &sealer, "r1c3", 3, b"other").unwrap();
        put(&conn, &sealer, "r1c2", 4, b"four").unwrap();
        assert_eq!(get(&conn, &sealer, "r1c2").unwrap(), Some((4, b"four".to_vec())));
        remove(&conn, &sealer, "r1c2").unwrap();
        assert_eq!(get(&conn, &sealer, "r1c2").unwrap(), None);
        clear(&conn).unwrap();
        assert_eq!(get(&conn, &sealer, "r1c3").unwrap(), None);
    }

    #[test]
    fn neither_a_tile_s_id_nor_its_version_nor_its_body_is_readable_in_its_row() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::new(&[7; 32]).unwrap();
        let conn = opened(dir.path(), &sealer);
        put(&conn, &sealer, "r6384c2938", 0x0102_0304_0506, b"{\"id\":\"cafe-main-st\"}").unwrap();
        let (key, value): (Vec<u8>, Vec<u8>) =
            conn.query_row("SELECT tile, sealed FROM catalog_tiles", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        for row in [&key, &value] {
            for needle in [&b"r6384c2938"[..], b"cafe-main-st", &0x0102_0304_0506u64.to_le_bytes()[..6]] {
                assert!(!row.windows(needle.len()).any(|w| w == needle), "{needle:?} is readable in a row");
            }
        }
    }

    #[test]
    fn a_row_moved_to_another_tile_is_refused_and_a_rotated_key_reads_every_tile() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = Sealer::new(&[7; 32]).unwrap();
        let conn = opened(dir.path(), &sealer);
        put(&conn, &sealer, "r1c2", 3, b"three").unwrap();
        put(&conn, &sealer, "r1c3", 5, b"five").unwrap();
        let new = Sealer::new(&[9; 32]).unwrap();
        reseal(&conn, &sealer, &new).unwrap();
        assert_eq!(get(&conn, &new, "r1c2").unwrap(), Some((3, b"three".to_vec())));
        assert_eq!(get(&conn, &new, "r1c3").unwrap(), Some((5, b"five".to_vec())));
        assert_eq!(get(&conn, &sealer, "r1c2").unwrap(), None, "the old key no longer finds the row");
        // The body of r1c3 put in r1c2's row.
        conn.execute(
            "UPDATE catalog_tiles SET sealed = (SELECT sealed FROM catalog_tiles WHERE tile = ?2) WHERE tile = ?1",
            params![&new.keyed_id(LABEL, b"r1c2")[..], &new.keyed_id(LABEL, b"r1c3")[..]],
        )
        .unwrap();
        assert!(matches!(get(&conn, &new, "r1c2"), Err(Error::Sealing(_))));
    }
}
