//! How the SQLite storage spells a day: `YYYY-MM-DD` text (SQLite has no
//! date type), one spelling for every table.

use super::types::StorageError;
use chrono::NaiveDate;

/// `day` as stored: `YYYY-MM-DD`.
pub(super) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A stored day; anything else is a corrupt row, named.
pub(super) fn parse_day(text: &str) -> Result<NaiveDate, StorageError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| StorageError::Corrupt(format!("day {text:?}")))
}
