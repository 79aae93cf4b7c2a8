//! When to try again after a failed sync: exponential backoff with full
//! jitter (a uniformly random delay between a short floor and the
//! exponential bound), and the
//! server's `Retry-After` when it gives one.

use crate::domain::time::Timestamp;
use crate::policy;
use serde::{Deserialize, Serialize};

/// Persisted backoff state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Backoff {
    /// Consecutive failed syncs.
    pub failures: u32,
    /// No request before this instant.
    pub next_at: Option<Timestamp>,
}

impl Backoff {
    /// Whether a sync may send now.
    pub fn ready(&self, now: Timestamp) -> bool {
        self.next_at.is_none_or(|t| now >= t)
    }

    /// Records a success.
    pub fn succeeded(&mut self) {
        *self = Backoff::default();
    }

    /// Records a failure at `now`: the next attempt is after a random delay
    /// in `[floor, min(cap, base × 2^failures))`, or after `retry_after_ms` when
    /// the server asked for more.
    pub fn failed(&mut self, now: Timestamp, retry_after_ms: Option<i64>, random: u64) {
        let floor = policy::SYNC_BACKOFF_FLOOR_MS;
        let bound = policy::SYNC_BACKOFF_BASE_MS
            .saturating_mul(1i64 << self.failures.min(30))
            .min(policy::SYNC_BACKOFF_CAP_MS)
            .max(floor + 1);
        let jitter = floor + (random % (bound - floor) as u64) as i64;
        let delay = jitter.max(retry_after_ms.unwrap_or(0));
        self.failures = self.failures.saturating_add(1);
        self.next_at = Some(now.plus_millis(delay));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_jitter_grows_to_the_cap_and_respects_retry_after() {
        let mut b = Backoff::default();
        let now = Timestamp(1_800_000_000_000);
        assert!(b.ready(now));
        b.failed(now, None, u64::MAX);
        assert!(b.next_at.unwrap().since(now) < policy::SYNC_BACKOFF_BASE_MS);
        // The unluckiest draw still waits the floor.
        let mut unlucky = Backoff::default();
        unlucky.failed(now, None, 0);
        assert_eq!(unlucky.next_at.unwrap().since(now), policy::SYNC_BACKOFF_FLOOR_MS);
        for _ in 0..40 {
            b.failed(now, None, u64::MAX - 1);
        }
        assert!(b.next_at.unwrap().since(now) < policy::SYNC_BACKOFF_CAP_MS);
        b.failed(now, Some(10 * policy::SYNC_BACKOFF_CAP_MS), 0);
        assert_eq!(b.next_at.unwrap().since(now), 10 * policy::SYNC_BACKOFF_CAP_MS);
        assert!(!b.ready(now));
        b.succeeded();
        assert!(b.ready(now));
    }
}
