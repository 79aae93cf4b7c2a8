//! Visits matched to catalog merchants: the part of the private profile
//! that targeting (and, with consent, summaries) may count.

use crate::domain::time::Timestamp;
use crate::error::Result;
use rusqlite::{params, Connection};

/// Records that visit `visit_id` is at a catalog merchant's place, and
/// marks the learned place as that merchant's (no longer private).
pub fn insert(
    conn: &Connection,
    visit_id: i64,
    place_id: i64,
    merchant_id: &str,
    category: &str,
    catalog_place_id: &str,
    arrived_at: Timestamp,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO merchant_visits (visit_id, merchant_id, category, catalog_place_id, arrived_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![visit_id, merchant_id, category, catalog_place_id, arrived_at.0])?;
    conn.prepare_cached("UPDATE places SET merchant_id = ?2 WHERE id = ?1")?.execute(params![place_id, merchant_id])?;
    Ok(())
}

/// Forgets that learned place `place_id` and its visits were a merchant's
/// (it became home or work: a private place). Returns the merchant visits
/// removed.
pub fn forget_place(conn: &Connection, place_id: i64) -> Result<usize> {
    let removed = conn
        .prepare_cached("DELETE FROM merchant_visits WHERE visit_id IN (SELECT id FROM visits WHERE place_id = ?1)")?
        .execute([place_id])?;
    conn.prepare_cached("UPDATE places SET merchant_id = NULL WHERE id = ?1")?.execute([place_id])?;
    Ok(removed)
}

/// Visits to `merchant_id` that started at or after `since`.
pub fn count_merchant(conn: &Connection, merchant_id: &str, since: Timestamp) -> Result<u32> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM merchant_visits WHERE merchant_id = ?1 AND arrived_at >= ?2")?
        .query_row(params![merchant_id, since.0], |r| r.get(0))?)
}

/// Visits to any merchant of `category` that started at or after `since`.
pub fn count_category(conn: &Connection, category: &str, since: Timestamp) -> Result<u32> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM merchant_visits WHERE category = ?1 AND arrived_at >= ?2")?
        .query_row(params![category, since.0], |r| r.get(0))?)
}
