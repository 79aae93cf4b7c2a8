//! The week's steps: one total per local day for the last seven days.

use crate::domain::time::Timestamp;
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// One local day's steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaySteps {
    /// The local day, `YYYY-MM-DD`.
    pub day: String,
    /// Steps counted for it.
    pub steps: u64,
    /// Whether they reach the current goal.
    pub goal_met: bool,
}

/// The last seven local days of steps, as `Engine::week` reports them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekSummary {
    /// Seven days, oldest first, ending with today (days without steps
    /// count zero).
    pub days: Vec<DaySteps>,
    /// Steps over the seven days.
    pub total: u64,
    /// The daily goal the days are judged against (the current one).
    pub goal: u32,
    /// Days of the seven that met the goal.
    pub days_goal_met: u32,
}

impl WeekSummary {
    /// The first and last local days of the week ending with `now`'s day
    /// in `tz`.
    pub fn window(now: Timestamp, tz: Tz) -> (NaiveDate, NaiveDate) {
        let today = now.local_day(tz);
        (today - chrono::Duration::days(6), today)
    }

    /// The seven local days from `first`, with the steps of the days in
    /// `stored` (`(YYYY-MM-DD, steps)`; a day not in it counts zero).
    pub fn from_totals(first: NaiveDate, stored: &[(String, u64)], goal: u32) -> WeekSummary {
        let days: Vec<DaySteps> = first
            .iter_days()
            .take(7)
            .map(|d| {
                let day = d.to_string();
                let steps = stored.iter().find(|(k, _)| *k == day).map_or(0, |(_, s)| *s);
                DaySteps { day, steps, goal_met: steps >= u64::from(goal) }
            })
            .collect();
        WeekSummary {
            total: days.iter().map(|d| d.steps).sum(),
            days_goal_met: days.iter().filter(|d| d.goal_met).count() as u32,
            days,
            goal,
        }
    }
}
