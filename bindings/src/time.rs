//! Instants cross the boundary as `SystemTime` (Kotlin `java.time.Instant`,
//! Swift `Date`); the core counts milliseconds since the Unix epoch.
//! Sub-millisecond parts are rounded away on the way in. Local calendar
//! days cross as [`LocalDay`] (year, month, day), never as text.

use crate::error::KairosError;
use chrono::{Datelike, NaiveDate};
use kairos_core::Timestamp;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The core timestamp of `t`, rounded to the nearest millisecond (Swift's
/// `Date` is a `Double`, so a whole millisecond may arrive as 0.999...),
/// saturating at the ends of `i64`.
pub fn to_core(t: SystemTime) -> Timestamp {
    let nanos: i128 = match t.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    };
    let ms = (nanos + 500_000).div_euclid(1_000_000);
    Timestamp::from_millis(i64::try_from(ms).unwrap_or(if ms < 0 { i64::MIN } else { i64::MAX }))
}

/// The `SystemTime` of a core timestamp. Every timestamp the core hands out
/// lies within the years 2000..2100, which every platform can represent;
/// an unrepresentable one (never produced) becomes the epoch.
pub fn from_core(t: Timestamp) -> SystemTime {
    let ms = t.millis();
    let d = Duration::from_millis(ms.unsigned_abs());
    let out = if ms >= 0 { UNIX_EPOCH.checked_add(d) } else { UNIX_EPOCH.checked_sub(d) };
    out.unwrap_or(UNIX_EPOCH)
}

/// A local calendar day in the engine's time zone, like Kotlin's
/// `java.time.LocalDate` (the Kotlin package converts with `toLocalDate()`
/// and `LocalDate.toLocalDay()`) or Swift's `DateComponents` with year,
/// month and day (`dateComponents`, `LocalDay(_:)` in the Swift package).
/// Its ISO 8601 spelling `YYYY-MM-DD` is the one the JSON payloads use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, uniffi::Record)]
pub struct LocalDay {
    /// The year (the engine's days lie in 2000..2100).
    pub year: i32,
    /// The month, 1 (January) to 12.
    pub month: i32,
    /// The day of the month, 1 to 31.
    pub day: i32,
}

impl From<NaiveDate> for LocalDay {
    fn from(d: NaiveDate) -> Self {
        // Months and days of a valid date fit in i32 (1..=12, 1..=31).
        LocalDay { year: d.year(), month: d.month() as i32, day: d.day() as i32 }
    }
}

impl TryFrom<LocalDay> for NaiveDate {
    type Error = KairosError;

    /// Refuses a day that is not on the calendar (month 13, 30 February)
    /// with `InvalidInput`.
    fn try_from(d: LocalDay) -> Result<Self, KairosError> {
        let (month, day) = (u32::try_from(d.month).ok(), u32::try_from(d.day).ok());
        month
            .zip(day)
            .and_then(|(m, day)| NaiveDate::from_ymd_opt(d.year, m, day))
            .ok_or_else(|| KairosError::invalid_input(format!("no such local day: {d:?}")))
    }
}

/// The ISO 8601 spelling, `YYYY-MM-DD`.
impl std::fmt::Display for LocalDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl LocalDay {
    /// The day the core spells `text` (`YYYY-MM-DD`). The core writes only
    /// valid days: one that does not parse is an internal error, never
    /// replaced by another day.
    pub(crate) fn from_core(text: &str) -> Result<Self, KairosError> {
        text.parse::<NaiveDate>().map(Into::into).map_err(|e| KairosError::Internal {
            reason: format!("internal error: the engine returned an unreadable day {text:?}: {e}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_round_trip_and_impossible_ones_are_refused() {
        let day = LocalDay::from_core("2026-11-24").unwrap();
        assert_eq!(day, LocalDay { year: 2026, month: 11, day: 24 });
        assert_eq!(NaiveDate::try_from(day).unwrap().to_string(), "2026-11-24");
        assert_eq!(day.to_string(), "2026-11-24");
        for bad in [LocalDay { year: 2026, month: 2, day: 30 }, LocalDay { year: 2026, month: -1, day: 1 }] {
            assert!(matches!(NaiveDate::try_from(bad), Err(KairosError::InvalidInput { .. })), "{bad:?}");
        }
        assert!(matches!(LocalDay::from_core("24/11/2026"), Err(KairosError::Internal { .. })));
    }

    #[test]
    fn round_trips_whole_milliseconds() {
        for ms in [0, 1, 1_780_000_123_456, -1, -86_400_000, 4_102_444_800_000] {
            assert_eq!(to_core(from_core(Timestamp::from_millis(ms))).millis(), ms);
        }
    }

    #[test]
    fn sub_millisecond_parts_round_to_the_nearest_millisecond() {
        let after = |us| to_core(UNIX_EPOCH + Duration::from_micros(us)).millis();
        let before = |us| to_core(UNIX_EPOCH - Duration::from_micros(us)).millis();
        assert_eq!((after(1_499), after(1_500), after(10_249_999)), (1, 2, 10_250));
        assert_eq!((before(1_499), before(1_500), before(1_501)), (-1, -1, -2));
    }
}
