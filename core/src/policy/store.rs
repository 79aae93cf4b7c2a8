//! The store, and the resource bounds of a simulated year.

use super::fixes::DEFAULT_RAW_FIX_RETENTION_MS;
use super::privacy::MAX_OUTBOX_AGE_MS;
use crate::domain::time::{DAY_MS, MINUTE_MS};

// ---- Store -----------------------------------------------------------------

/// SQLite busy timeout.
pub const BUSY_TIMEOUT_MS: u64 = 5_000;
/// Most fixes accepted in one `record_locations` call; larger batches are
/// refused with `Error::BatchTooLarge` (split them).
pub const MAX_BATCH_FIXES: usize = 100_000;

// ---- Resource bounds (docs/RELIABILITY.md) -----------------------------------
//
// Not limits the engine enforces, but the bounds its retention and outbox rules
// promise, checked by the simulated year (`tests/tests/year.rs`): one fix a
// minute, steps, a catalog refresh a day and hourly ticks for 365 days, never
// synced.

/// Largest profile database (with its WAL) after a simulated year.
pub const YEAR_MAX_DATABASE_BYTES: u64 = 32 * 1024 * 1024;
/// Most raw fixes held at once at one fix a minute: the retention plus the
/// hour between purges, with a day of slack.
pub const YEAR_MAX_RAW_FIXES: u64 = (DEFAULT_RAW_FIX_RETENTION_MS + DAY_MS) as u64 / MINUTE_MS as u64;
/// Most summaries waiting in the outbox of a device that never syncs: three
/// purposes for each day within the outbox's age limit.
pub const YEAR_MAX_OUTBOX_ITEMS: usize = 3 * (MAX_OUTBOX_AGE_MS / DAY_MS + 1) as usize;
/// Highest peak resident memory of the process running the simulated year
/// (engine, test harness and SQLite's page cache together).
pub const YEAR_MAX_PEAK_RSS_BYTES: u64 = 256 * 1024 * 1024;
