//! The server's sense of time where a replayed day must see its own: a
//! redemption token's expiry, and the day the social endpoints judge by
//! (invite expiry, the friends' visit window). Production reads the system
//! clock; a simulation that replays a past day (the embedded backend of
//! `kairos-sim`) or a test sets it. Everything else (summaries' days,
//! deletion dates) keeps the real UTC day.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Milliseconds since the epoch, from the system clock or a value the
/// caller sets. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock(None)
    }

    /// A clock that reads `at` (ms since the epoch), which the caller may
    /// move with [`Clock::set`].
    pub fn manual(at: i64) -> Self {
        Clock(Some(Arc::new(AtomicI64::new(at))))
    }

    /// Moves a manual clock to `at` (a system clock ignores it).
    pub fn set(&self, at: i64) {
        if let Some(t) = &self.0 {
            t.store(at, Ordering::SeqCst);
        }
    }

    /// A manual clock at noon UTC of `day`.
    pub fn on_day(day: chrono::NaiveDate) -> Self {
        Clock::manual(day.and_hms_opt(12, 0, 0).expect("noon exists").and_utc().timestamp_millis())
    }

    /// The UTC day of [`Clock::now_ms`].
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::DateTime::from_timestamp_millis(self.now_ms()).map_or_else(crate::today_utc, |t| t.date_naive())
    }

    /// The current time in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Some(t) => t.load(Ordering::SeqCst),
            None => chrono::Utc::now().timestamp_millis(),
        }
    }
}
