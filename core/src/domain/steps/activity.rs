//! Daily activity: the day's summary and the inactivity nudge.
//!
//! The nudge fires when, within waking hours, no active minute (see
//! [`crate::policy::ACTIVE_MINUTE_STEPS`]) has been seen for the sedentary
//! period. The rules, in order:
//!
//! * never outside waking hours (local, DST-correct), and never while the
//!   shopper is in a vehicle;
//! * it needs evidence that the shopper is up: an active minute today at or
//!   after the end of the night (06:00, or the start of waking hours if
//!   earlier). No step data today, or only a few steps at 03:00, is no
//!   evidence of sitting;
//! * the *stretch* starts at the later of the last active minute and the
//!   start of today's waking hours; it is nudged at most once, however long
//!   it lasts and whatever happens in it (a drive does not make a new one);
//! * a drive ends no sooner than it is counted from: the sedentary period is
//!   measured from the later of the stretch start and the last fix at
//!   driving speed, so parking after a long drive does not nudge at once.

use crate::domain::routines::wall;
use crate::domain::time::{Timestamp, MINUTE_MS};
use crate::policy;
use chrono::Timelike;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Today's activity, as `Engine::today` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaySummary {
    /// The local day, `YYYY-MM-DD`.
    pub day: String,
    /// Steps counted for the day.
    pub steps: u64,
    /// The daily goal.
    pub goal: u32,
    /// Steps still needed to reach the goal (0 once reached).
    pub remaining: u64,
    /// Whether the goal is reached.
    pub goal_reached: bool,
    /// End of the last active minute, if any is known.
    pub last_active_at: Option<Timestamp>,
}

impl DaySummary {
    /// A summary for `day` with `steps` against `goal`.
    pub fn new(day: String, steps: u64, goal: u32, last_active_at: Option<Timestamp>) -> Self {
        DaySummary {
            day,
            steps,
            goal,
            remaining: u64::from(goal).saturating_sub(steps),
            goal_reached: steps >= u64::from(goal),
            last_active_at,
        }
    }
}

/// What the inactivity rule remembers between calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct InactivityState {
    /// End of the latest active minute seen.
    pub last_active_end: Option<Timestamp>,
    /// Start of the sedentary stretch already nudged for.
    pub nudged_stretch: Option<Timestamp>,
    /// The latest fix at driving speed.
    #[serde(default)]
    pub last_driving_at: Option<Timestamp>,
}

/// A nudge decision: the stretch start and its length in minutes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nudge {
    /// When the sedentary stretch started.
    pub since: Timestamp,
    /// How long it has lasted, in whole minutes.
    pub minutes: i64,
}

impl InactivityState {
    /// Records that the minute starting at `minute_start` was active.
    pub fn note_active_minute(&mut self, minute_start: i64) {
        let end = Timestamp(minute_start + MINUTE_MS);
        if self.last_active_end.is_none_or(|t| end > t) {
            self.last_active_end = Some(end);
        }
    }

    /// Records that the shopper moved at driving speed at `at`.
    pub fn note_driving(&mut self, at: Timestamp) {
        if self.last_driving_at.is_none_or(|t| at > t) {
            self.last_driving_at = Some(at);
        }
    }

    /// Decides whether to nudge at `now`; marks the stretch as nudged.
    pub fn check(
        &mut self,
        now: Timestamp,
        tz: Tz,
        sedentary_ms: i64,
        waking: (u32, u32),
        driving: bool,
    ) -> Option<Nudge> {
        if driving {
            return None;
        }
        let local = now.in_tz(tz);
        let hour = local.hour();
        if hour < waking.0 || hour >= waking.1 {
            return None;
        }
        let last_active = self.last_active_end?;
        let date = local.date_naive();
        let at_hour =
            |h: u32| wall::instant(date.and_hms_opt(h, 0, 0).unwrap_or_default().and_utc().timestamp_millis(), tz);
        let up_from = at_hour(policy::NIGHT_HOURS.1.min(waking.0));
        if last_active < up_from || last_active > now {
            return None;
        }
        let stretch = last_active.max(at_hour(waking.0));
        if self.nudged_stretch == Some(stretch) {
            return None;
        }
        let since = self.last_driving_at.filter(|&d| d > stretch && d <= now).unwrap_or(stretch);
        let sat = now.since(since);
        if sat < sedentary_ms {
            return None;
        }
        self.nudged_stretch = Some(stretch);
        Some(Nudge { since, minutes: sat / MINUTE_MS })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn nudges_once_per_stretch_in_waking_hours() {
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        let mut st = InactivityState::default();
        st.note_active_minute(t("2026-11-24T09:29:00-08:00").0);
        let ms = 60 * MINUTE_MS;
        assert_eq!(st.check(t("2026-11-24T10:00:00-08:00"), tz, ms, (8, 21), false), None);
        let n = st.check(t("2026-11-24T10:30:00-08:00"), tz, ms, (8, 21), false).unwrap();
        assert_eq!((n.since, n.minutes), (t("2026-11-24T09:30:00-08:00"), 60));
        assert_eq!(st.check(t("2026-11-24T10:45:00-08:00"), tz, ms, (8, 21), false), None);
        // Walking again opens a new stretch.
        st.note_active_minute(t("2026-11-24T11:00:00-08:00").0);
        assert!(st.check(t("2026-11-24T12:05:00-08:00"), tz, ms, (8, 21), true).is_none(), "driving");
        assert!(st.check(t("2026-11-24T12:05:00-08:00"), tz, ms, (8, 21), false).is_some());
        // Night: no nudge.
        st.note_active_minute(t("2026-11-24T20:30:00-08:00").0);
        assert!(st.check(t("2026-11-24T22:30:00-08:00"), tz, ms, (8, 21), false).is_none());
        // Next morning, with no step seen today yet: no evidence, no nudge.
        assert!(st.check(t("2026-11-25T09:30:00-08:00"), tz, ms, (8, 21), false).is_none());
    }
}
