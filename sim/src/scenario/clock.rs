//! Times in a scenario: RFC 3339 with an offset, or local wall-clock times
//! in the scenario's zone (`2026-11-28T10:32:00`, or `10:32` on the start
//! day).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use kairos_core::Timestamp;

/// Reads scenario times.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// The scenario's zone.
    pub tz: Tz,
    /// The local date of `start`, for bare `HH:MM` times.
    pub day: NaiveDate,
}

impl Clock {
    /// Parses `text`; the error says which forms are accepted.
    pub fn parse(&self, text: &str) -> Result<Timestamp, String> {
        let s = text.trim();
        if let Some(t) = Timestamp::parse_rfc3339(s) {
            return Ok(t);
        }
        let local = if let Some(dt) = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        {
            dt
        } else if let Some(t) = ["%H:%M:%S", "%H:%M"].iter().find_map(|f| NaiveTime::parse_from_str(s, f).ok()) {
            self.day.and_time(t)
        } else {
            return Err(format!(
                "{text:?} is not a time: write 10:32, 2026-11-28T10:32:00 (local, {}) or 2026-11-28T10:32:00-08:00",
                self.tz
            ));
        };
        local_to_instant(self.tz, local).map_err(|why| format!("{text:?} {why}"))
    }
}

/// A local wall-clock time in `tz` as an instant; refuses times that do not
/// exist or happen twice on DST days.
pub fn local_to_instant(tz: Tz, local: NaiveDateTime) -> Result<Timestamp, String> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(d) => Ok(Timestamp(d.timestamp_millis())),
        chrono::LocalResult::Ambiguous(a, b) => Err(format!(
            "happens twice in {tz} (clocks go back): write it with its offset, {} or {}",
            a.format("%Y-%m-%dT%H:%M:%S%:z"),
            b.format("%Y-%m-%dT%H:%M:%S%:z")
        )),
        chrono::LocalResult::None => Err(format!("does not exist in {tz} (clocks go forward)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_form_and_refuses_dst_holes() {
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        let c = Clock { tz, day: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap() };
        let want = Timestamp::parse_rfc3339("2026-11-28T10:32:00-08:00").unwrap();
        for s in ["10:32", "10:32:00", "2026-11-28T10:32", "2026-11-28 10:32:00", "2026-11-28T18:32:00Z"] {
            assert_eq!(c.parse(s).unwrap(), want, "{s}");
        }
        assert!(c.parse("2026-03-08T02:30").unwrap_err().contains("does not exist"));
        let e = c.parse("2026-11-01T01:30").unwrap_err();
        assert!(e.contains("happens twice") && e.contains("-07:00") && e.contains("-08:00"), "{e}");
        assert!(c.parse("noon").unwrap_err().contains("is not a time"));
    }
}
