//! The catalog tiles on PostgreSQL: as `sqlite_tiles.rs`, rows going in as
//! arrays through `UNNEST`.

use super::postgres_pool::PgPool;
use super::sqlite_tiles::update;
use super::tile_types::{EntryState, Owed, TileAnswer, TileIndex, TilesWrite};
use super::types::{CatalogRecord, StorageError};
use super::StorageFuture;

pub(super) fn header(s: &PgPool) -> StorageFuture<'_, Option<CatalogRecord>> {
    Box::pin(async move {
        let client = s.client().await?;
        let statement = client.prepare_cached("SELECT version, etag, body FROM tile_header WHERE id = 1").await?;
        Ok(client.query_opt(&statement, &[]).await?.map(|row| CatalogRecord {
            version: row.get::<_, i64>(0) as u64,
            etag: row.get(1),
            body: row.get(2),
        }))
    })
}

pub(super) fn index(s: &PgPool) -> StorageFuture<'_, TileIndex> {
    Box::pin(async move {
        let client = s.client().await?;
        let mut index = TileIndex {
            header_version: client
                .query_opt("SELECT version FROM tile_header WHERE id = 1", &[])
                .await?
                .map(|r| r.get::<_, i64>(0) as u64),
            ..TileIndex::default()
        };
        for r in client.query("SELECT tile_id, version, floor FROM catalog_tiles", &[]).await? {
            index.tiles.insert(r.get(0), (r.get::<_, i64>(1) as u64, r.get::<_, i64>(2) as u64));
        }
        for r in client.query("SELECT tile_id, merchant_id, version, sha256 FROM tile_entries", &[]).await? {
            let sha256: Option<Vec<u8>> = r.get(3);
            let sha256 = sha256
                .map(|h| {
                    h.try_into().map_err(|_| StorageError::Corrupt("a tile entry's SHA-256 is not 32 bytes".into()))
                })
                .transpose()?;
            let state = EntryState { version: r.get::<_, i64>(2) as u64, sha256 };
            index.entries.entry(r.get(0)).or_default().insert(r.get(1), state);
        }
        Ok(index)
    })
}

pub(super) fn tile(s: &PgPool, id: String) -> StorageFuture<'_, Option<(u64, String, Vec<u8>)>> {
    Box::pin(async move {
        let client = s.client().await?;
        let statement =
            client.prepare_cached("SELECT version, etag, packed FROM catalog_tiles WHERE tile_id = $1").await?;
        Ok(client.query_opt(&statement, &[&id]).await?.map(|r| (r.get::<_, i64>(0) as u64, r.get(1), r.get(2))))
    })
}

pub(super) fn answers(s: &PgPool, mut wanted: Vec<(String, u64)>) -> StorageFuture<'_, Vec<TileAnswer>> {
    wanted.sort_unstable();
    wanted.dedup_by(|a, b| a.0 == b.0);
    Box::pin(async move {
        let client = s.client().await?;
        let ids: Vec<&str> = wanted.iter().map(|(id, _)| id.as_str()).collect();
        let tiles = client
            .prepare_cached(
                "SELECT tile_id, version, floor, entries, key_id, signature FROM catalog_tiles
                 WHERE tile_id = ANY($1::text[]) ORDER BY tile_id",
            )
            .await?;
        let whole = client.prepare_cached("SELECT packed FROM catalog_tiles WHERE tile_id = $1").await?;
        let changed = client
            .prepare_cached(
                "SELECT merchant_id, body FROM tile_entries WHERE tile_id = $1 AND version > $2 ORDER BY merchant_id",
            )
            .await?;
        let held: std::collections::HashMap<&str, u64> = wanted.iter().map(|(id, v)| (id.as_str(), *v)).collect();
        let mut out = Vec::new();
        for row in client.query(&tiles, &[&ids]).await? {
            let id: String = row.get(0);
            let (version, floor) = (row.get::<_, i64>(1) as u64, row.get::<_, i64>(2) as u64);
            let h = held[id.as_str()];
            match Owed::of(version, floor, row.get::<_, i32>(3) as u32, h) {
                Owed::Nothing => {}
                Owed::Whole => out.push(TileAnswer::Whole(client.query_one(&whole, &[&id]).await?.get(0))),
                Owed::Delta => {
                    let (mut upserts, mut removed) = (Vec::new(), Vec::new());
                    for r in client.query(&changed, &[&id, &(h as i64)]).await? {
                        match r.get::<_, Option<Vec<u8>>>(1) {
                            Some(body) => upserts.push(body),
                            None => removed.push(r.get(0)),
                        }
                    }
                    out.push(TileAnswer::Delta(update(&id, version, h, upserts, removed, row.get(4), row.get(5))?));
                }
            }
        }
        Ok(out)
    })
}

pub(super) fn set_tiles(s: &PgPool, write: TilesWrite) -> StorageFuture<'_, ()> {
    Box::pin(async move {
        let mut client = s.client().await?;
        let tx = client.transaction().await?;
        let h = &write.header;
        tx.execute(
            "INSERT INTO tile_header (id, version, etag, body) VALUES (1, $1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, etag = excluded.etag, body = excluded.body",
            &[&(h.version as i64), &h.etag, &h.body],
        )
        .await?;
        // In chunks, so that one statement's arrays stay a few MB.
        for chunk in write.tiles.chunks(256) {
            let ids: Vec<&str> = chunk.iter().map(|t| t.id.as_str()).collect();
            let versions: Vec<i64> = chunk.iter().map(|t| t.version as i64).collect();
            let floors: Vec<i64> = chunk.iter().map(|t| t.floor as i64).collect();
            let entries: Vec<i32> = chunk.iter().map(|t| t.entries as i32).collect();
            let keys: Vec<&str> = chunk.iter().map(|t| t.key_id.as_str()).collect();
            let signatures: Vec<&[u8]> = chunk.iter().map(|t| &t.signature[..]).collect();
            let etags: Vec<&str> = chunk.iter().map(|t| t.etag.as_str()).collect();
            let packed: Vec<&[u8]> = chunk.iter().map(|t| &t.packed[..]).collect();
            tx.execute(
                "INSERT INTO catalog_tiles (tile_id, version, floor, entries, key_id, signature, etag, packed)
                 SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::int[], $5::text[], $6::bytea[],
                                      $7::text[], $8::bytea[])
                 ON CONFLICT (tile_id) DO UPDATE SET version = excluded.version, floor = excluded.floor,
                     entries = excluded.entries, key_id = excluded.key_id, signature = excluded.signature,
                     etag = excluded.etag, packed = excluded.packed",
                &[&ids, &versions, &floors, &entries, &keys, &signatures, &etags, &packed],
            )
            .await?;
        }
        for chunk in write.entries.chunks(4096) {
            let tiles: Vec<&str> = chunk.iter().map(|e| e.tile_id.as_str()).collect();
            let merchants: Vec<&str> = chunk.iter().map(|e| e.merchant_id.as_str()).collect();
            let versions: Vec<i64> = chunk.iter().map(|e| e.version as i64).collect();
            let hashes: Vec<Option<&[u8]>> = chunk.iter().map(|e| e.body.as_ref().map(|b| &b.1[..])).collect();
            let bodies: Vec<Option<&[u8]>> = chunk.iter().map(|e| e.body.as_ref().map(|b| &b.0[..])).collect();
            tx.execute(
                "INSERT INTO tile_entries (tile_id, merchant_id, version, sha256, body)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bytea[], $5::bytea[])
                 ON CONFLICT (tile_id, merchant_id) DO UPDATE
                 SET version = excluded.version, sha256 = excluded.sha256, body = excluded.body",
                &[&tiles, &merchants, &versions, &hashes, &bodies],
            )
            .await?;
        }
        let (tiles, merchants): (Vec<&str>, Vec<&str>) =
            write.pruned.iter().map(|(t, m)| (t.as_str(), m.as_str())).unzip();
        tx.execute(
            "DELETE FROM tile_entries e USING UNNEST($1::text[], $2::text[]) AS p(tile_id, merchant_id)
             WHERE e.tile_id = p.tile_id AND e.merchant_id = p.merchant_id",
            &[&tiles, &merchants],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
}
