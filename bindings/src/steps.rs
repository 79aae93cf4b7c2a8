//! Step samples going in, and the day's summary coming out.

use crate::error::KairosError;
use crate::local_day::LocalDay;
use crate::time::{from_core, to_core};
use std::time::SystemTime;

/// One reading from the platform's pedometer (see docs/bindings.md for
/// `TYPE_STEP_COUNTER` and `CMPedometer`).
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Enum)]
pub enum StepSample {
    /// A cumulative counter reading, as Android's `TYPE_STEP_COUNTER` gives:
    /// steps since the last boot. The first reading only sets the baseline;
    /// a lower value than the previous one means the phone rebooted.
    Counter {
        /// When the reading was taken.
        at: SystemTime,
        /// Steps since the last boot (not negative).
        count_since_boot: i64,
    },
    /// Steps over an interval, as a `CMPedometer` query gives. Overlapping
    /// intervals never count a step twice.
    Interval {
        /// Start of the interval.
        start: SystemTime,
        /// End of the interval, after `start`.
        end: SystemTime,
        /// Steps taken in the interval (not negative).
        steps: i64,
    },
}

impl TryFrom<StepSample> for kairos_core::StepSample {
    type Error = KairosError;

    fn try_from(s: StepSample) -> Result<Self, KairosError> {
        let count = |name: &str, n: i64| {
            u64::try_from(n)
                .map_err(|_| KairosError::invalid_input(format!("invalid step sample: {name} {n} is negative")))
        };
        Ok(match s {
            StepSample::Counter { at, count_since_boot } => kairos_core::StepSample::Counter {
                at: to_core(at),
                count_since_boot: count("count_since_boot", count_since_boot)?,
            },
            StepSample::Interval { start, end, steps } => kairos_core::StepSample::Interval {
                start: to_core(start),
                end: to_core(end),
                steps: count("steps", steps)?,
            },
        })
    }
}

/// A day's steps against the goal, as `Engine.today` reports it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DaySummary {
    /// The local day in the engine's time zone.
    pub day: LocalDay,
    /// Steps counted for the day.
    pub steps: i64,
    /// The daily goal.
    pub goal: i32,
    /// Steps still needed to reach the goal (0 once reached).
    pub remaining: i64,
    /// Whether the goal is reached.
    pub goal_reached: bool,
    /// End of the last active minute, if any is known.
    pub last_active_at: Option<SystemTime>,
}

impl TryFrom<kairos_core::DaySummary> for DaySummary {
    type Error = KairosError;

    fn try_from(d: kairos_core::DaySummary) -> Result<Self, KairosError> {
        Ok(DaySummary {
            day: LocalDay::from_core(&d.day)?,
            steps: i64::try_from(d.steps).unwrap_or(i64::MAX),
            goal: i32::try_from(d.goal).unwrap_or(i32::MAX),
            remaining: i64::try_from(d.remaining).unwrap_or(i64::MAX),
            goal_reached: d.goal_reached,
            last_active_at: d.last_active_at.map(from_core),
        })
    }
}

/// One local day's steps, in a [`WeekSummary`].
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DaySteps {
    /// The local day.
    pub day: LocalDay,
    /// Steps counted for it (0 for a day without any).
    pub steps: i64,
    /// Whether they reach the current goal.
    pub goal_met: bool,
}

/// The last seven local days of steps, for a weekly chart.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WeekSummary {
    /// Seven days, oldest first, ending with today.
    pub days: Vec<DaySteps>,
    /// Steps over the seven days.
    pub total: i64,
    /// The daily goal the days are judged against (the current one).
    pub goal: i32,
    /// Days of the seven that met the goal.
    pub days_goal_met: i32,
}

impl TryFrom<kairos_core::WeekSummary> for WeekSummary {
    type Error = KairosError;

    fn try_from(w: kairos_core::WeekSummary) -> Result<Self, KairosError> {
        Ok(WeekSummary {
            days: w
                .days
                .into_iter()
                .map(|d| {
                    Ok(DaySteps {
                        day: LocalDay::from_core(&d.day)?,
                        steps: i64::try_from(d.steps).unwrap_or(i64::MAX),
                        goal_met: d.goal_met,
                    })
                })
                .collect::<Result<_, KairosError>>()?,
            total: i64::try_from(w.total).unwrap_or(i64::MAX),
            goal: i32::try_from(w.goal).unwrap_or(i32::MAX),
            days_goal_met: i32::try_from(w.days_goal_met).unwrap_or(i32::MAX),
        })
    }
}
