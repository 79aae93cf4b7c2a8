//! The catalog in force (its signed envelope, so a restart reloads it) and
//! the stable fence id of every catalog place.

use crate::error::Result;
use crate::fences::FenceId;
use crate::time::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

/// Stores the envelope of the catalog now in force.
pub fn save(conn: &Connection, version: u64, envelope: &[u8], at: Timestamp) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO catalog (id, version, envelope, loaded_at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT(id) DO UPDATE SET version = excluded.version, envelope = excluded.envelope, loaded_at = excluded.loaded_at",
    )?
    .execute(params![version as i64, envelope, at.0])?;
    Ok(())
}

/// The stored envelope and when it was loaded, if a catalog was ever
/// loaded.
pub fn load(conn: &Connection) -> Result<Option<(Vec<u8>, Timestamp)>> {
    Ok(conn
        .query_row("SELECT envelope, loaded_at FROM catalog WHERE id = 1", [], |r| {
            Ok((r.get(0)?, Timestamp(r.get(1)?)))
        })
        .optional()?)
}

/// The fence id of every place id, assigning new ids to places not seen
/// before (ids are never reused).
pub fn fence_ids<'a>(
    conn: &Connection,
    place_ids: impl Iterator<Item = &'a str>,
) -> Result<std::collections::HashMap<String, FenceId>> {
    let mut known = std::collections::HashMap::new();
    {
        let mut st = conn.prepare_cached("SELECT place_id, fence_id FROM fence_ids")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
        for row in rows {
            let (p, f) = row?;
            known.insert(p, f);
        }
    }
    let mut next = known.values().max().map_or(1, |m| m + 1);
    let mut insert = conn.prepare_cached("INSERT INTO fence_ids (place_id, fence_id) VALUES (?1, ?2)")?;
    let mut out = std::collections::HashMap::new();
    for p in place_ids {
        let id = match known.get(p) {
            Some(&id) => id,
            None => {
                insert.execute(params![p, next])?;
                known.insert(p.to_string(), next);
                next += 1;
                next - 1
            }
        };
        out.insert(p.to_string(), id);
    }
    Ok(out)
}
