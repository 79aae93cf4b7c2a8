//! Steps: the samples platforms deliver, and how they become per-minute
//! counts without double counting.
//!
//! * **Counter** samples (Android's `TYPE_STEP_COUNTER`: cumulative since
//!   boot) are turned into deltas between consecutive samples. The first
//!   sample only sets the baseline. A value lower than the previous one
//!   means the phone rebooted: the new value is the count since the reboot.
//!   A repeated sample is ignored; one older than the last is refused.
//! * **Interval** samples (iOS `CMPedometer` queries) may overlap earlier
//!   ones: a sample adds only the steps it reports beyond what is already
//!   counted over its span, so re-querying a window never double counts.
//! * Steps are spread evenly over the minutes of their span; any delta above
//!   [`crate::policy::MAX_STEPS_PER_MINUTE`] over its span is clamped to it.
//! * One sample spans at most [`crate::policy::MAX_STEP_SPAN_MS`]: a longer
//!   interval is refused, and a counter reading after a longer silence only
//!   sets a new baseline.

mod activity;
mod week;

pub use activity::{DaySummary, InactivityState};
pub use week::{DaySteps, WeekSummary};

use crate::domain::time::{Timestamp, MINUTE_MS};
use crate::policy;
use serde::{Deserialize, Serialize};

/// One reading from the platform's pedometer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StepSample {
    /// A cumulative counter reading (Android `TYPE_STEP_COUNTER`).
    Counter {
        /// When the reading was taken.
        at: Timestamp,
        /// Steps since the last boot.
        count_since_boot: u64,
    },
    /// Steps over an interval (iOS `CMPedometer`).
    Interval {
        /// Start of the interval.
        start: Timestamp,
        /// End of the interval (after `start`).
        end: Timestamp,
        /// Steps taken in the interval.
        steps: u64,
    },
}

impl StepSample {
    /// Checks the sample on its own.
    pub fn validate(&self) -> Result<(), String> {
        let ok_time = |t: Timestamp| (policy::MIN_INPUT_TIME_MS..=policy::MAX_INPUT_TIME_MS).contains(&t.0);
        match *self {
            StepSample::Counter { at, .. } if !ok_time(at) => {
                Err(format!("counter time {} ms is outside 2000..2100", at.0))
            }
            StepSample::Interval { start, end, .. } if !ok_time(start) || !ok_time(end) => {
                Err("interval time is outside 2000..2100".into())
            }
            StepSample::Interval { start, end, .. } if end <= start => {
                Err(format!("interval end {end} is not after its start {start}"))
            }
            StepSample::Interval { start, end, .. } if end.since(start) > policy::MAX_STEP_SPAN_MS => Err(format!(
                "interval from {start} to {end} is longer than {} days",
                policy::MAX_STEP_SPAN_MS / crate::domain::time::DAY_MS
            )),
            _ => Ok(()),
        }
    }

    /// The latest instant the sample speaks about.
    pub fn end(&self) -> Timestamp {
        match *self {
            StepSample::Counter { at, .. } => at,
            StepSample::Interval { end, .. } => end,
        }
    }
}

/// What a counter reading amounts to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CounterDelta {
    /// The first reading, or one after a silence longer than
    /// [`crate::policy::MAX_STEP_SPAN_MS`]: it only sets the baseline.
    Baseline,
    /// The same reading again.
    Repeat,
    /// Older than the previous reading; refused.
    OutOfOrder {
        /// Time of the previous reading.
        last: Timestamp,
    },
    /// Steps taken over `(start, end]`.
    Steps {
        /// Previous reading's time.
        start: Timestamp,
        /// This reading's time.
        end: Timestamp,
        /// Steps (after any clamping).
        steps: u64,
        /// Whether the counter went back (a reboot).
        reset: bool,
        /// Whether the delta was clamped to the highest plausible cadence.
        clamped: bool,
    },
}

/// The counter's last reading, persisted with the engine state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CounterState {
    last: Option<(Timestamp, u64)>,
}

impl CounterState {
    /// Turns a reading into a delta and moves the baseline. A reading more
    /// than [`policy::MAX_STEP_SPAN_MS`] after the previous one is a new
    /// baseline.
    pub fn advance(&mut self, at: Timestamp, count: u64) -> CounterDelta {
        let Some((last_at, last_count)) = self.last else {
            self.last = Some((at, count));
            return CounterDelta::Baseline;
        };
        if at < last_at {
            return CounterDelta::OutOfOrder { last: last_at };
        }
        if at.since(last_at) > policy::MAX_STEP_SPAN_MS {
            // Too long a gap to place the steps in time: a new baseline.
            self.last = Some((at, count));
            return CounterDelta::Baseline;
        }
        // Same instant, same value: a repeat. Same instant, new value: a
        // burst resolved within one timestamp; count it as the next delta.
        if at == last_at && count == last_count {
            return CounterDelta::Repeat;
        }
        self.last = Some((at, count));
        let reset = count < last_count;
        let raw = if reset { count } else { count - last_count };
        let (steps, clamped) = clamp(raw, last_at, at);
        CounterDelta::Steps { start: last_at, end: at, steps, reset, clamped }
    }

    /// The per-minute steps `(minute start ms, steps)` a reading adds
    /// (none for a baseline or a repeat), or the previous reading's time
    /// when this one is older.
    pub fn minutes(&mut self, at: Timestamp, count: u64) -> Result<Vec<(i64, u64)>, Timestamp> {
        match self.advance(at, count) {
            CounterDelta::Baseline | CounterDelta::Repeat => Ok(Vec::new()),
            CounterDelta::OutOfOrder { last } => Err(last),
            CounterDelta::Steps { start, end, steps, reset, clamped } => {
                if reset {
                    tracing::info!(%end, "step counter went back: treating as a reboot");
                }
                if clamped {
                    tracing::warn!(%start, %end, "step delta above the plausible cadence: clamped");
                }
                Ok(spread(start, end, steps))
            }
        }
    }
}

/// Clamps `steps` over `[start, end]` to the highest plausible cadence.
pub fn clamp(steps: u64, start: Timestamp, end: Timestamp) -> (u64, bool) {
    let minutes = (end.since(start) as u64).div_ceil(MINUTE_MS as u64).max(1);
    let cap = minutes.saturating_mul(policy::MAX_STEPS_PER_MINUTE);
    if steps > cap {
        (cap, true)
    } else {
        (steps, false)
    }
}

/// First minute and number of minutes a span `[start, end]` touches.
pub fn minute_span(start: Timestamp, end: Timestamp) -> (i64, i64) {
    let m0 = start.0.div_euclid(MINUTE_MS) * MINUTE_MS;
    let m1 = (end.0 + MINUTE_MS - 1).div_euclid(MINUTE_MS) * MINUTE_MS;
    (m0, ((m1 - m0) / MINUTE_MS).max(1))
}

/// Spreads `steps` evenly over the minutes of `[start, end]`: each minute
/// gets the quotient, the first ones one more for the remainder.
pub fn spread(start: Timestamp, end: Timestamp, steps: u64) -> Vec<(i64, u64)> {
    let (m0, k) = minute_span(start, end);
    let k = k as u64;
    let (base, rem) = (steps / k, steps % k);
    (0..k).map(|i| (m0 + i as i64 * MINUTE_MS, base + u64::from(i < rem))).filter(|&(_, s)| s > 0).collect()
}

/// The per-minute steps an interval sample of `steps` over `[start, end)`
/// adds when `counted` steps are already recorded over its minutes: only
/// those beyond them (re-querying a window never double counts).
pub fn interval_minutes(start: Timestamp, end: Timestamp, steps: u64, counted: u64) -> Vec<(i64, u64)> {
    let (steps, _) = clamp(steps, start, end);
    if steps > counted {
        spread(start, end, steps - counted)
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_780_000_050_000; // not on a minute boundary

    #[test]
    fn counter_baseline_delta_reset_repeat() {
        let mut c = CounterState::default();
        assert_eq!(c.advance(Timestamp(T0), 1000), CounterDelta::Baseline);
        assert!(matches!(
            c.advance(Timestamp(T0 + 60_000), 1100),
            CounterDelta::Steps { steps: 100, reset: false, .. }
        ));
        assert_eq!(c.advance(Timestamp(T0 + 60_000), 1100), CounterDelta::Repeat);
        // Reboot: the counter starts again from zero.
        assert!(matches!(c.advance(Timestamp(T0 + 120_000), 40), CounterDelta::Steps { steps: 40, reset: true, .. }));
        assert!(matches!(c.advance(Timestamp(T0), 50), CounterDelta::OutOfOrder { .. }));
    }

    #[test]
    fn absurd_delta_is_clamped() {
        let mut c = CounterState::default();
        c.advance(Timestamp(T0), 0);
        let d = c.advance(Timestamp(T0 + 60_000), 1_000_000);
        assert!(
            matches!(d, CounterDelta::Steps { clamped: true, steps, .. } if steps <= 2 * policy::MAX_STEPS_PER_MINUTE)
        );
    }

    #[test]
    fn spread_keeps_the_total() {
        let v = spread(Timestamp(T0), Timestamp(T0 + 10 * 60_000), 1003);
        assert_eq!(v.iter().map(|x| x.1).sum::<u64>(), 1003);
        assert_eq!(v.len(), 11);
        assert!(v.iter().all(|&(m, _)| m % MINUTE_MS == 0));
    }

    #[test]
    fn bad_intervals_are_refused() {
        let s = StepSample::Interval { start: Timestamp(T0), end: Timestamp(T0), steps: 1 };
        assert!(s.validate().is_err());
        let s = StepSample::Counter { at: Timestamp(5), count_since_boot: 1 };
        assert!(s.validate().is_err());
    }
}
