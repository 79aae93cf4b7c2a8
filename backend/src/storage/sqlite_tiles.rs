//! The catalog tiles on SQLite (ADR 0012): the signed manifest in force and
//! the current tiles.

use super::sqlite::SqliteStorage;
use super::types::{CatalogRecord, StorageError, TileRecord};
use super::StorageFuture;
use rusqlite::{params, OptionalExtension};

pub(super) fn manifest(s: &SqliteStorage) -> StorageFuture<'_, Option<CatalogRecord>> {
    s.read(|tx| {
        let row = tx
            .prepare_cached("SELECT version, etag, body FROM tile_manifest WHERE id = 1")?
            .query_row([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        Ok(row.map(|(version, etag, body)| CatalogRecord { version: version as u64, etag, body }))
    })
}

pub(super) fn tiles(s: &SqliteStorage, mut wanted: Vec<(String, Option<u64>)>) -> StorageFuture<'_, Vec<TileRecord>> {
    wanted.sort_unstable();
    wanted.dedup_by(|a, b| a.0 == b.0);
    s.read(move |tx| {
        let mut statement = tx.prepare_cached(
            "SELECT version, sha256, body FROM catalog_tiles WHERE tile_id = ?1 AND (?2 IS NULL OR version <> ?2)",
        )?;
        let mut out = Vec::with_capacity(wanted.len());
        for (id, held) in wanted {
            let row = statement
                .query_row(params![&id, held.map(|v| v as i64)], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?, r.get(2)?))
                })
                .optional()?;
            if let Some((version, sha256, body)) = row {
                let sha256 = sha256
                    .try_into()
                    .map_err(|_| StorageError::Corrupt(format!("tile {id}: a SHA-256 that is not 32 bytes")))?;
                out.push(TileRecord { id, version: version as u64, sha256, body });
            }
        }
        Ok(out)
    })
}

pub(super) fn set_tiles(
    s: &SqliteStorage,
    manifest: CatalogRecord,
    changed: Vec<TileRecord>,
    removed: Vec<String>,
) -> StorageFuture<'_, ()> {
    s.write(move |tx| {
        tx.execute(
            "INSERT INTO tile_manifest (id, version, etag, body) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, etag = excluded.etag, body = excluded.body",
            params![manifest.version as i64, manifest.etag, manifest.body],
        )?;
        let mut put = tx.prepare_cached(
            "INSERT INTO catalog_tiles (tile_id, version, sha256, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (tile_id) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256, body = excluded.body",
        )?;
        for t in &changed {
            put.execute(params![t.id, t.version as i64, &t.sha256[..], t.body])?;
        }
        let mut delete = tx.prepare_cached("DELETE FROM catalog_tiles WHERE tile_id = ?1")?;
        for id in &removed {
            delete.execute([id])?;
        }
        Ok(())
    })
}
