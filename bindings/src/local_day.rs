//! Local calendar days cross the boundary as [`LocalDay`] (year, month,
//! day), never as text; the core spells them `YYYY-MM-DD`.

use crate::error::KairosError;
use chrono::{Datelike, NaiveDate};

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
}
