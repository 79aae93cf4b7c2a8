//! Friends' visit counts (purpose `social`), sealed in `sealed_meta`
//! (`friend_counts`): who is friends with whom, and where they go, is
//! nobody's business but the shopper's.

use super::meta::{self, SealedKey};
use crate::domain::privacy::seal::Sealer;
use crate::domain::privacy::social::FriendCounts;
use crate::error::Result;
use rusqlite::Connection;

/// The counts of the last sync, if any.
pub fn counts(conn: &Connection, sealer: &Sealer) -> Result<Option<FriendCounts>> {
    meta::load(conn, sealer, SealedKey::FriendCounts)
}

/// Replaces the counts.
pub fn save_counts(conn: &Connection, sealer: &Sealer, counts: &FriendCounts) -> Result<()> {
    meta::save(conn, sealer, SealedKey::FriendCounts, counts)
}

/// Forgets the counts (`social` withdrawn, the profile erased).
pub fn forget_counts(conn: &Connection) -> Result<()> {
    meta::delete(conn, SealedKey::FriendCounts)
}
