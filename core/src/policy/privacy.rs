//! Privacy: outbox, export, and local differential privacy.

use crate::domain::time::DAY_MS;

// ---- Privacy ----------------------------------------------------------------

/// Most summaries waiting in the outbox; beyond it the oldest are dropped
/// (and counted).
pub const MAX_OUTBOX_ITEMS: usize = 1_000;
/// Summaries older than this are dropped from the outbox (and counted).
pub const MAX_OUTBOX_AGE_MS: i64 = 30 * DAY_MS;
/// Most local days closed (summarised) at once, after a long silence or a
/// clock jump; earlier days are skipped.
pub const MAX_DAYS_CLOSED_AT_ONCE: i64 = 31;

// ---- Local differential privacy (docs/privacy.md, ADR 0004) ------------------

/// Largest epsilon a purpose may be configured with. Above it the noise is
/// too small to mean anything; the configuration is refused.
pub const LDP_MAX_EPSILON: f64 = 10.0;
/// Steps of one day are clamped to this before noise: it is the sensitivity
/// of the `activity` steps (one shopper-day contributes at most this).
pub const LDP_STEPS_CLAMP: i64 = 50_000;
/// Visits to one merchant in one day are clamped to this before noise (the
/// sensitivity of each `visits` count).
pub const LDP_VISITS_CLAMP: i64 = 10;
/// Minutes at one merchant in one day are clamped to this before noise (the
/// sensitivity of each `minutes` value: a whole day).
pub const LDP_MINUTES_CLAMP: i64 = 24 * 60;
/// Each count of one offer in one day (triggered, presented, redeemed,
/// dismissed, held out) is clamped to this before noise (its sensitivity).
pub const LDP_OFFER_COUNT_CLAMP: i64 = 5;
