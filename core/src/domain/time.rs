//! Time as the engine sees it: milliseconds since the Unix epoch, always
//! supplied by the caller (a fix, a step sample or `tick(now)`), never read
//! from the wall clock, so a replay is deterministic.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An instant, in milliseconds since 1970-01-01T00:00:00Z. In JSON it is
/// an RFC 3339 string in UTC (`2026-11-24T18:30:00Z`); an integer number of
/// milliseconds is also accepted when reading.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Millis(i64),
            Text(String),
        }
        match Repr::deserialize(d)? {
            Repr::Millis(ms) => Ok(Timestamp(ms)),
            Repr::Text(s) => Timestamp::parse_rfc3339(&s)
                .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not an RFC 3339 time"))),
        }
    }
}

/// One minute in milliseconds.
pub const MINUTE_MS: i64 = 60_000;
/// One hour in milliseconds.
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
/// One day (24 hours) in milliseconds.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Instants are clamped to ±this many milliseconds from the epoch (about
/// ±253,000 years) when turned into dates. chrono reaches ±262,000 years;
/// an instant at its very edge has no local time east or west of UTC, and
/// `week` at `Timestamp(i64::MAX)` panicked. The margin leaves room for any
/// zone's offset and for the date arithmetic the engine does. A property of
/// the representation, not a policy: the engine's accepted range of dates
/// is `policy::MIN_INPUT_TIME_MS..policy::MAX_INPUT_TIME_MS`, checked where inputs enter.
pub const MAX_DATE_MS: i64 = 8_000_000_000_000_000;

impl Timestamp {
    /// The instant `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }
    /// Milliseconds since the epoch.
    pub const fn millis(self) -> i64 {
        self.0
    }
    /// Parses an RFC 3339 instant such as `2026-11-24T10:30:00-08:00`.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(s.trim()).ok().map(|d| Timestamp(d.timestamp_millis()))
    }
    /// The instant as a UTC date-time.
    /// Instants further than [`MAX_DATE_MS`] from the epoch
    /// are clamped to it, so that any zone's local time and a few days of
    /// date arithmetic stay within chrono's range.
    pub fn to_utc(self) -> DateTime<Utc> {
        let ms = self.0.clamp(-MAX_DATE_MS, MAX_DATE_MS);
        Utc.timestamp_millis_opt(ms).single().expect("MAX_DATE_MS is within chrono's range")
    }
    /// The instant in the given time zone.
    pub fn in_tz(self, tz: Tz) -> DateTime<Tz> {
        self.to_utc().with_timezone(&tz)
    }
    /// The local calendar day of this instant in `tz`.
    pub fn local_day(self, tz: Tz) -> NaiveDate {
        self.in_tz(tz).date_naive()
    }
    /// RFC 3339 in UTC with millisecond precision when needed.
    pub fn to_rfc3339(self) -> String {
        self.to_utc().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }
    /// This instant plus `ms` milliseconds (saturating).
    pub const fn plus_millis(self, ms: i64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }
    /// Milliseconds from `earlier` to `self` (negative if `earlier` is later).
    pub const fn since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_rfc3339())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_rfc3339())
    }
}

/// The instants where local day `day` starts and ends in `tz`: 24 hours
/// apart on most days, 23 or 25 hours on the days clocks change.
pub fn local_day_bounds(day: NaiveDate, tz: Tz) -> (Timestamp, Timestamp) {
    (start_of_local_day(day, tz), start_of_local_day(day.succ_opt().unwrap_or(day), tz))
}

/// The first instant of local day `day` in `tz` (the earliest existing local
/// time on that date, for zones whose clocks jump at midnight).
pub fn start_of_local_day(day: NaiveDate, tz: Tz) -> Timestamp {
    let mut probe = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    // Some zones skip local midnight on DST days; walk forward to the first
    // valid local minute.
    for _ in 0..(3 * 60) {
        match tz.from_local_datetime(&probe) {
            chrono::LocalResult::Single(d) => return Timestamp(d.timestamp_millis()),
            chrono::LocalResult::Ambiguous(a, _) => return Timestamp(a.timestamp_millis()),
            chrono::LocalResult::None => probe += chrono::Duration::minutes(1),
        }
    }
    Timestamp(Utc.from_utc_datetime(&probe).timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dst_days_have_23_and_25_hours() {
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        let spring = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        let fall = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let (a, b) = local_day_bounds(spring, tz);
        assert_eq!(b.since(a), 23 * HOUR_MS);
        let (a, b) = local_day_bounds(fall, tz);
        assert_eq!(b.since(a), 25 * HOUR_MS);
    }

    #[test]
    fn json_is_rfc3339_and_reads_both_forms() {
        let t = Timestamp(1_795_631_400_123);
        let j = serde_json::to_string(&t).unwrap();
        assert_eq!(j, "\"2026-11-25T18:30:00.123Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&j).unwrap(), t);
        assert_eq!(serde_json::from_str::<Timestamp>("1795631400123").unwrap(), t);
        assert!(serde_json::from_str::<Timestamp>("\"soon\"").is_err());
    }

    #[test]
    fn rfc3339_round_trip() {
        let t = Timestamp::parse_rfc3339("2026-11-24T10:30:00-08:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T18:30:00Z");
        assert!(Timestamp::parse_rfc3339("yesterday").is_none());
    }
}
