//! The catalog tiles on SQLite (ADR 0012, revised): the signed header in
//! force, the tiles (each with its precompressed whole form) and their
//! entries, from which deltas are answered.

use super::tile_types::{EntryState, Owed, TileAnswer, TileIndex, TilesWrite};
use super::types::{CatalogRecord, StorageError};
use kairos_core::catalog::tiles::{TileSignature, TileUpdate};
use rusqlite::{params, OptionalExtension, Transaction};

/// The signed header in force, if any.
pub(super) fn header(tx: &Transaction<'_>) -> Result<Option<CatalogRecord>, StorageError> {
    let row = tx
        .prepare_cached("SELECT version, etag, body FROM tile_header WHERE id = 1")?
        .query_row([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(row.map(|(version, etag, body)| CatalogRecord { version: version as u64, etag, body }))
}

/// What is published: the header's version, each tile's version and floor, each entry's state.
pub(super) fn index(tx: &Transaction<'_>) -> Result<TileIndex, StorageError> {
    let mut index = TileIndex {
        header_version: tx
            .query_row("SELECT version FROM tile_header WHERE id = 1", [], |r| r.get::<_, i64>(0))
            .optional()?
            .map(|v| v as u64),
        ..TileIndex::default()
    };
    let mut tiles = tx.prepare("SELECT tile_id, version, floor FROM catalog_tiles")?;
    let mut rows = tiles.query([])?;
    while let Some(r) = rows.next()? {
        index.tiles.insert(r.get(0)?, (r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64));
    }
    let mut entries = tx.prepare("SELECT tile_id, merchant_id, version, sha256 FROM tile_entries")?;
    let mut rows = entries.query([])?;
    while let Some(r) = rows.next()? {
        let sha256: Option<Vec<u8>> = r.get(3)?;
        let sha256 = sha256.map(|h| hash(&h)).transpose()?;
        let state = EntryState { version: r.get::<_, i64>(2)? as u64, sha256 };
        index.entries.entry(r.get(0)?).or_default().insert(r.get(1)?, state);
    }
    Ok(index)
}

fn hash(bytes: &[u8]) -> Result<[u8; 32], StorageError> {
    bytes.try_into().map_err(|_| StorageError::Corrupt("a tile entry's SHA-256 is not 32 bytes".into()))
}

/// Tile `id`'s version, ETag and precompressed whole form, if published.
pub(super) fn tile(tx: &Transaction<'_>, id: &str) -> Result<Option<(u64, String, Vec<u8>)>, StorageError> {
    Ok(tx
        .prepare_cached("SELECT version, etag, packed FROM catalog_tiles WHERE tile_id = ?1")?
        .query_row([id], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?)))
        .optional()?)
}

/// What each tile `wanted` (id, version held) is owed: whole, a delta, or nothing.
pub(super) fn answers(tx: &Transaction<'_>, mut wanted: Vec<(String, u64)>) -> Result<Vec<TileAnswer>, StorageError> {
    wanted.sort_unstable();
    wanted.dedup_by(|a, b| a.0 == b.0);
    let mut out = Vec::new();
    for (id, held) in wanted {
        if let Some(answer) = answer(tx, &id, held)? {
            out.push(answer);
        }
    }
    Ok(out)
}

fn answer(tx: &Transaction<'_>, id: &str, held: u64) -> Result<Option<TileAnswer>, StorageError> {
    let row = tx
        .prepare_cached("SELECT version, floor, entries, key_id, signature FROM catalog_tiles WHERE tile_id = ?1")?
        .query_row([id], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, i64>(1)? as u64,
                r.get::<_, i64>(2)? as u32,
                r.get(3)?,
                r.get(4)?,
            ))
        })
        .optional()?;
    let Some((version, floor, entries, key_id, signature)) = row else { return Ok(None) };
    match Owed::of(version, floor, entries, held) {
        Owed::Nothing => Ok(None),
        Owed::Whole => {
            let packed = tx
                .prepare_cached("SELECT packed FROM catalog_tiles WHERE tile_id = ?1")?
                .query_row([id], |r| r.get(0))?;
            Ok(Some(TileAnswer::Whole(packed)))
        }
        Owed::Delta => {
            let mut upserts = Vec::new();
            let mut removed = Vec::new();
            let mut changed = tx.prepare_cached(
                "SELECT merchant_id, body FROM tile_entries WHERE tile_id = ?1 AND version > ?2 ORDER BY merchant_id",
            )?;
            let mut rows = changed.query(params![id, held as i64])?;
            while let Some(r) = rows.next()? {
                match r.get::<_, Option<Vec<u8>>>(1)? {
                    Some(body) => upserts.push(body),
                    None => removed.push(r.get(0)?),
                }
            }
            Ok(Some(TileAnswer::Delta(update(id, version, held, upserts, removed, key_id, signature)?)))
        }
    }
}

/// A delta as a [`TileUpdate`] (shared with PostgreSQL).
pub(super) fn update(
    id: &str,
    version: u64,
    held: u64,
    upserts: Vec<Vec<u8>>,
    removed: Vec<String>,
    key_id: String,
    signature: Vec<u8>,
) -> Result<TileUpdate, StorageError> {
    let corrupt = || StorageError::Corrupt(format!("tile {id}: a stored id or signature is unusable"));
    Ok(TileUpdate {
        id: id.parse().map_err(|_| corrupt())?,
        version,
        base: held,
        upserts,
        removed,
        signature: TileSignature { key_id, signature: signature.try_into().map_err(|_| corrupt())? },
    })
}

/// Publishes `write`: the header, the changed tiles, their entries, the pruned tombstones.
pub(super) fn set_tiles(tx: &Transaction<'_>, write: &TilesWrite) -> Result<(), StorageError> {
    let h = &write.header;
    tx.execute(
        "INSERT INTO tile_header (id, version, etag, body) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, etag = excluded.etag, body = excluded.body",
        params![h.version as i64, h.etag, h.body],
    )?;
    let mut put = tx.prepare_cached(
        "INSERT OR REPLACE INTO catalog_tiles (tile_id, version, floor, entries, key_id, signature, etag, packed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for t in &write.tiles {
        put.execute(params![
            t.id,
            t.version as i64,
            t.floor as i64,
            t.entries,
            t.key_id,
            &t.signature[..],
            t.etag,
            t.packed
        ])?;
    }
    let mut entry = tx.prepare_cached(
        "INSERT OR REPLACE INTO tile_entries (tile_id, merchant_id, version, sha256, body) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for e in &write.entries {
        let (body, sha256) = match &e.body {
            Some((body, sha256)) => (Some(&body[..]), Some(&sha256[..])),
            None => (None, None),
        };
        entry.execute(params![e.tile_id, e.merchant_id, e.version as i64, sha256, body])?;
    }
    let mut prune = tx.prepare_cached("DELETE FROM tile_entries WHERE tile_id = ?1 AND merchant_id = ?2")?;
    for (tile, merchant) in &write.pruned {
        prune.execute([tile, merchant])?;
    }
    Ok(())
}
