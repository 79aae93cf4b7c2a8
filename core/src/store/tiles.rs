//! The bodies of the catalog tiles held (ADR 0012: each tile's signature
//! and entries, in `domain::catalog::tiles::TileBody`'s layout), one row a
//! tile, so that a sync writes only the tiles that changed and the engine
//! keeps none of them in memory. Which tiles are held, at which version,
//! and the signed header stay in the catalog row (`store::catalog`).

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// Stores (or replaces) tile `tile`'s body at `version`.
pub fn put(conn: &Connection, tile: &str, version: u64, bytes: &[u8]) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO catalog_tiles (tile, version, bytes) VALUES (?1, ?2, ?3)
         ON CONFLICT(tile) DO UPDATE SET version = excluded.version, bytes = excluded.bytes",
    )?
    .execute(params![tile, version as i64, bytes])?;
    Ok(())
}

/// Forgets tile `tile` (nothing when it is not stored).
pub fn remove(conn: &Connection, tile: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM catalog_tiles WHERE tile = ?1")?.execute([tile])?;
    Ok(())
}

/// Forgets every tile (a single-document catalog replaced the tiles).
pub fn clear(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM catalog_tiles", [])?;
    Ok(())
}

/// Tile `tile`'s version and body, if stored.
pub fn get(conn: &Connection, tile: &str) -> Result<Option<(u64, Vec<u8>)>> {
    Ok(conn
        .prepare_cached("SELECT version, bytes FROM catalog_tiles WHERE tile = ?1")?
        .query_row([tile], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_is_stored_replaced_and_removed_by_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let sealer = crate::domain::privacy::seal::Sealer::new(&[7; 32]).unwrap();
        let conn = crate::store::open(dir.path(), &sealer).unwrap().conn;
        put(&conn, "r1c2", 3, b"three").unwrap();
        put(&conn, "r1c3", 3, b"other").unwrap();
        put(&conn, "r1c2", 4, b"four").unwrap();
        assert_eq!(get(&conn, "r1c2").unwrap(), Some((4, b"four".to_vec())));
        remove(&conn, "r1c2").unwrap();
        assert_eq!(get(&conn, "r1c2").unwrap(), None);
        clear(&conn).unwrap();
        assert_eq!(get(&conn, "r1c3").unwrap(), None);
    }
}
