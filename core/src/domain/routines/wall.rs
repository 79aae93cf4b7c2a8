//! Local wall-clock time as a number: the milliseconds a local date and time
//! would have if it were UTC. Routines are fitted on it, so that a visit
//! every Thursday at 18:00 is exactly seven days apart across a DST change or
//! a move to another time zone.

use crate::domain::time::{Timestamp, DAY_MS};
use chrono::{DateTime, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// The local wall-clock time of `at` in `tz`, as milliseconds.
pub(crate) fn wall_ms(at: Timestamp, tz: Tz) -> i64 {
    at.in_tz(tz).naive_local().and_utc().timestamp_millis()
}

/// The instant at which the wall clock of `tz` shows `wall` (milliseconds).
/// A time skipped by a spring-forward change is read as the same time one
/// hour later; a time repeated by a fall-back change is its first instance.
pub(crate) fn instant(wall: i64, tz: Tz) -> Timestamp {
    let naive = naive(wall);
    for shift in [0, 1, 2] {
        let probe = naive + chrono::Duration::hours(shift);
        match tz.from_local_datetime(&probe) {
            chrono::LocalResult::Single(d) => return Timestamp(d.timestamp_millis()),
            chrono::LocalResult::Ambiguous(a, _) => return Timestamp(a.timestamp_millis()),
            chrono::LocalResult::None => {}
        }
    }
    Timestamp(wall)
}

/// The wall-clock value as a naive local date-time.
pub(crate) fn naive(wall: i64) -> NaiveDateTime {
    DateTime::from_timestamp_millis(wall).unwrap_or_default().naive_utc()
}

/// Wall-clock milliseconds as fractional days.
pub(crate) fn days(wall: i64) -> f64 {
    wall as f64 / DAY_MS as f64
}

/// Fractional days back to wall-clock milliseconds.
pub(crate) fn from_days(d: f64) -> i64 {
    (d * DAY_MS as f64).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn thursdays_at_six_are_a_week_apart_across_dst() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        let before = wall_ms(t("2026-10-29T18:00:00-07:00"), la);
        let after = wall_ms(t("2026-11-05T18:00:00-08:00"), la);
        assert_eq!(after - before, 7 * DAY_MS);
        assert_eq!(instant(after, la), t("2026-11-05T18:00:00-08:00"));
    }

    #[test]
    fn skipped_and_repeated_times() {
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        // 02:30 does not exist on 2026-03-08: read as 03:30 PDT.
        let skipped = wall_ms(t("2026-03-08T02:30:00Z"), chrono_tz::UTC);
        assert_eq!(instant(skipped, la), t("2026-03-08T03:30:00-07:00"));
        // 01:30 happens twice on 2026-11-01: the first (PDT) is taken.
        let twice = wall_ms(t("2026-11-01T01:30:00Z"), chrono_tz::UTC);
        assert_eq!(instant(twice, la), t("2026-11-01T01:30:00-07:00"));
    }
}
