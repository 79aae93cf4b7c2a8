//! The catalog tiles on PostgreSQL: as `sqlite_tiles.rs`, rows going in as
//! arrays through `UNNEST`.

use super::postgres::PostgresStorage;
use super::types::{CatalogRecord, StorageError, TileRecord};
use super::StorageFuture;

pub(super) fn manifest(s: &PostgresStorage) -> StorageFuture<'_, Option<CatalogRecord>> {
    Box::pin(async move {
        let client = s.client().await?;
        let statement = client.prepare_cached("SELECT version, etag, body FROM tile_manifest WHERE id = 1").await?;
        Ok(client.query_opt(&statement, &[]).await?.map(|row| CatalogRecord {
            version: row.get::<_, i64>(0) as u64,
            etag: row.get(1),
            body: row.get(2),
        }))
    })
}

pub(super) fn tiles(s: &PostgresStorage, wanted: Vec<(String, Option<u64>)>) -> StorageFuture<'_, Vec<TileRecord>> {
    Box::pin(async move {
        let client = s.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT DISTINCT ON (t.tile_id) t.tile_id, t.version, t.sha256, t.body
                 FROM catalog_tiles t JOIN UNNEST($1::text[], $2::bigint[]) AS w(id, held) ON t.tile_id = w.id
                 WHERE w.held IS NULL OR t.version <> w.held ORDER BY t.tile_id",
            )
            .await?;
        let ids: Vec<&str> = wanted.iter().map(|(id, _)| id.as_str()).collect();
        let held: Vec<Option<i64>> = wanted.iter().map(|(_, v)| v.map(|v| v as i64)).collect();
        client
            .query(&statement, &[&ids, &held])
            .await?
            .into_iter()
            .map(|row| {
                let id: String = row.get(0);
                let sha256: Vec<u8> = row.get(2);
                let sha256 = sha256
                    .try_into()
                    .map_err(|_| StorageError::Corrupt(format!("tile {id}: a SHA-256 that is not 32 bytes")))?;
                Ok(TileRecord { id, version: row.get::<_, i64>(1) as u64, sha256, body: row.get(3) })
            })
            .collect()
    })
}

pub(super) fn set_tiles(
    s: &PostgresStorage,
    manifest: CatalogRecord,
    changed: Vec<TileRecord>,
    removed: Vec<String>,
) -> StorageFuture<'_, ()> {
    Box::pin(async move {
        let mut client = s.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO tile_manifest (id, version, etag, body) VALUES (1, $1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, etag = excluded.etag, body = excluded.body",
            &[&(manifest.version as i64), &manifest.etag, &manifest.body],
        )
        .await?;
        // In chunks, so that one statement's arrays stay a few MB.
        for chunk in changed.chunks(256) {
            let ids: Vec<&str> = chunk.iter().map(|t| t.id.as_str()).collect();
            let versions: Vec<i64> = chunk.iter().map(|t| t.version as i64).collect();
            let hashes: Vec<&[u8]> = chunk.iter().map(|t| &t.sha256[..]).collect();
            let bodies: Vec<&[u8]> = chunk.iter().map(|t| &t.body[..]).collect();
            tx.execute(
                "INSERT INTO catalog_tiles (tile_id, version, sha256, body)
                 SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bytea[], $4::bytea[])
                 ON CONFLICT (tile_id) DO UPDATE
                 SET version = excluded.version, sha256 = excluded.sha256, body = excluded.body",
                &[&ids, &versions, &hashes, &bodies],
            )
            .await?;
        }
        tx.execute("DELETE FROM catalog_tiles WHERE tile_id = ANY($1::text[])", &[&removed]).await?;
        tx.commit().await?;
        Ok(())
    })
}
