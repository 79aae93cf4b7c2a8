//! Local wall-clock values of a catalog: times of day (`"HH:MM"`), days of
//! the week (`"mon"` … `"sun"`), and windows of hours that may run past
//! midnight.
//!
//! Every window is judged on the local wall clock of the merchant's zone:
//! an instant is converted to local date and time first, then compared. On
//! the spring-forward day the skipped hour has no instant, so a window
//! inside it never matches; on the fall-back day the repeated hour happens
//! twice, and matches both times.

use chrono::{Datelike, NaiveDateTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A local time of day with minute precision, written `"HH:MM"`, from
/// `"00:00"` to `"24:00"` (the end of the day, allowed only where a window
/// ends).
#[derive(Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalTime {
    minutes: u16,
}

impl LocalTime {
    /// `00:00`, the start of the day.
    pub const MIDNIGHT: LocalTime = LocalTime { minutes: 0 };
    /// `24:00`, the end of the day.
    pub const END_OF_DAY: LocalTime = LocalTime { minutes: 24 * 60 };

    /// The time `hour:minute`, if it is one (`0..=23` and `0..=59`, or
    /// exactly `24:00`).
    pub fn from_hm(hour: u32, minute: u32) -> Option<Self> {
        if (hour < 24 && minute < 60) || (hour == 24 && minute == 0) {
            Some(LocalTime { minutes: (hour * 60 + minute) as u16 })
        } else {
            None
        }
    }

    /// Minutes since local midnight, `0..=1440`.
    pub fn minutes(self) -> u32 {
        u32::from(self.minutes)
    }

    /// Whether this is `24:00`.
    pub fn is_end_of_day(self) -> bool {
        self == Self::END_OF_DAY
    }

    fn seconds(self) -> u32 {
        self.minutes() * 60
    }
}

impl FromStr for LocalTime {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a time (expected HH:MM, from 00:00 to 24:00)");
        let b = s.as_bytes();
        if b.len() != 5 || b[2] != b':' || ![0, 1, 3, 4].iter().all(|&i| b[i].is_ascii_digit()) {
            return Err(bad());
        }
        let digit = |i: usize| u32::from(b[i] - b'0');
        LocalTime::from_hm(digit(0) * 10 + digit(1), digit(3) * 10 + digit(4)).ok_or_else(bad)
    }
}

impl TryFrom<String> for LocalTime {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<LocalTime> for String {
    fn from(t: LocalTime) -> String {
        t.to_string()
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

/// A day of the week, written `"mon"`, `"tue"`, … `"sun"`.
#[derive(Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayOfWeek {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl DayOfWeek {
    /// The day before this one.
    pub fn previous(self) -> DayOfWeek {
        Weekday::from(self).pred().into()
    }
}

impl From<Weekday> for DayOfWeek {
    fn from(d: Weekday) -> Self {
        match d {
            Weekday::Mon => DayOfWeek::Mon,
            Weekday::Tue => DayOfWeek::Tue,
            Weekday::Wed => DayOfWeek::Wed,
            Weekday::Thu => DayOfWeek::Thu,
            Weekday::Fri => DayOfWeek::Fri,
            Weekday::Sat => DayOfWeek::Sat,
            Weekday::Sun => DayOfWeek::Sun,
        }
    }
}

impl From<DayOfWeek> for Weekday {
    fn from(d: DayOfWeek) -> Self {
        match d {
            DayOfWeek::Mon => Weekday::Mon,
            DayOfWeek::Tue => Weekday::Tue,
            DayOfWeek::Wed => Weekday::Wed,
            DayOfWeek::Thu => Weekday::Thu,
            DayOfWeek::Fri => Weekday::Fri,
            DayOfWeek::Sat => Weekday::Sat,
            DayOfWeek::Sun => Weekday::Sun,
        }
    }
}

/// A window of local hours `[start, end)`, written `{"start": "HH:MM",
/// "end": "HH:MM"}`. When `end` is not after `start` the window runs past
/// midnight (`22:00`–`02:00`) and belongs to the day it starts; `end` may be
/// `"24:00"`.
#[derive(Debug, Copy, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    /// First local time inside the window.
    pub start: LocalTime,
    /// First local time after the window.
    pub end: LocalTime,
}

impl TimeWindow {
    /// Whether the local date-time `local` falls inside the window on one of
    /// `days` (every day when `None`).
    pub fn contains(&self, local: NaiveDateTime, days: Option<&[DayOfWeek]>) -> bool {
        window_contains(self.start, self.end, days, local)
    }
}

/// Whether local date-time `local` is inside `[start, end)` opened on one of
/// `days` (every day when `None`). A window with `end <= start` runs past
/// midnight: its early-morning part belongs to the day before.
pub(crate) fn window_contains(
    start: LocalTime,
    end: LocalTime,
    days: Option<&[DayOfWeek]>,
    local: NaiveDateTime,
) -> bool {
    let second = local.time().num_seconds_from_midnight();
    let today = DayOfWeek::from(local.weekday());
    let opens_on = |d: DayOfWeek| days.is_none_or(|ds| ds.contains(&d));
    let (s, e) = (start.seconds(), end.seconds());
    if s < e {
        opens_on(today) && (s..e).contains(&second)
    } else {
        (opens_on(today) && second >= s) || (opens_on(today.previous()) && second < e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
    }

    fn t(s: &str) -> LocalTime {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints_times() {
        assert_eq!(t("00:00"), LocalTime::MIDNIGHT);
        assert_eq!(t("24:00"), LocalTime::END_OF_DAY);
        assert_eq!(t("09:05").minutes(), 545);
        assert_eq!(t("23:59").to_string(), "23:59");
        for bad in ["25:00", "24:01", "9:00", "09:60", "0900", "09:00 ", "ab:cd", ""] {
            let e = bad.parse::<LocalTime>().unwrap_err();
            assert!(e.contains("is not a time"), "{bad}: {e}");
        }
        let json: LocalTime = serde_json::from_str("\"10:30\"").unwrap();
        assert_eq!(serde_json::to_string(&json).unwrap(), "\"10:30\"");
    }

    #[test]
    fn day_names_round_trip() {
        let d: Vec<DayOfWeek> = serde_json::from_str(r#"["mon","sun"]"#).unwrap();
        assert_eq!(d, [DayOfWeek::Mon, DayOfWeek::Sun]);
        assert!(serde_json::from_str::<DayOfWeek>("\"monday\"").is_err());
        assert_eq!(DayOfWeek::Mon.previous(), DayOfWeek::Sun);
    }

    #[test]
    fn plain_window_is_half_open() {
        let w = TimeWindow { start: t("10:00"), end: t("18:00") };
        // 2026-11-24 is a Tuesday.
        assert!(!w.contains(at(2026, 11, 24, 9, 59), None));
        assert!(w.contains(at(2026, 11, 24, 10, 0), None));
        assert!(w.contains(at(2026, 11, 24, 17, 59), None));
        assert!(!w.contains(at(2026, 11, 24, 18, 0), None));
        assert!(!w.contains(at(2026, 11, 24, 12, 0), Some(&[DayOfWeek::Mon])));
        assert!(w.contains(at(2026, 11, 24, 12, 0), Some(&[DayOfWeek::Tue])));
    }

    #[test]
    fn window_past_midnight_belongs_to_its_opening_day() {
        let w = TimeWindow { start: t("22:00"), end: t("02:00") };
        let fri = Some(&[DayOfWeek::Fri][..]);
        // Friday 2026-11-27 23:00 and Saturday 01:00 are inside Friday's window.
        assert!(w.contains(at(2026, 11, 27, 23, 0), fri));
        assert!(w.contains(at(2026, 11, 28, 1, 59), fri));
        assert!(!w.contains(at(2026, 11, 28, 2, 0), fri));
        // Saturday evening is not (Saturday is not an opening day), nor is
        // Friday 01:00 (that belongs to Thursday's window).
        assert!(!w.contains(at(2026, 11, 28, 23, 0), fri));
        assert!(!w.contains(at(2026, 11, 27, 1, 0), fri));
    }

    #[test]
    fn end_of_day_closes_at_midnight() {
        let w = TimeWindow { start: t("06:00"), end: t("24:00") };
        assert!(w.contains(at(2026, 11, 24, 23, 59), None));
        assert!(!w.contains(at(2026, 11, 25, 0, 0), Some(&[DayOfWeek::Tue])));
    }
}
