//! Messages the notification budget held that are worth showing later: a
//! routine falling overdue, the step goal reached, an inactivity nudge.
//! Held, they wait (in the engine state) until the budget allows them and
//! are shown then if still relevant; past their day, or no longer true,
//! they are dropped, and both outcomes are reported
//! (`notification_retried`). Offers are not kept (their own caps and claim
//! windows decide), nor on-the-way reminders (true only where the shopper
//! was at that moment; the reminder watch fires again on a later pass).

use super::budget::MessageKind;
use crate::domain::event::EventKind;
use crate::domain::time::Timestamp;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A held message, as it will be shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Retryable {
    /// `routine_overdue`.
    RoutineOverdue {
        /// The routine.
        routine_id: String,
        /// When the visit was expected.
        expected_at: Timestamp,
        /// Cycles missed.
        cycles_missed: u32,
        /// Whole days overdue.
        days_overdue: i32,
        /// The routine's period.
        period_days: f64,
    },
    /// `step_goal_reached`.
    StepGoal {
        /// The local day.
        day: NaiveDate,
        /// Steps that day.
        steps: u64,
        /// The goal.
        goal: u32,
    },
    /// `inactivity_nudge`.
    InactivityNudge {
        /// Sitting since.
        sedentary_since: Timestamp,
        /// Minutes sitting when it was held.
        minutes: i64,
    },
}

impl Retryable {
    /// The message of `event`, if it is one worth showing later.
    pub fn of(event: &EventKind) -> Option<Retryable> {
        Some(match event {
            EventKind::RoutineOverdue { routine_id, expected_at, cycles_missed, days_overdue, period_days } => {
                Retryable::RoutineOverdue {
                    routine_id: routine_id.clone(),
                    expected_at: *expected_at,
                    cycles_missed: *cycles_missed,
                    days_overdue: *days_overdue,
                    period_days: *period_days,
                }
            }
            EventKind::StepGoalReached { day, steps, goal } => {
                Retryable::StepGoal { day: *day, steps: *steps, goal: *goal }
            }
            EventKind::InactivityNudge { sedentary_since, minutes } => {
                Retryable::InactivityNudge { sedentary_since: *sedentary_since, minutes: *minutes }
            }
            _ => return None,
        })
    }

    /// Its kind in the budget.
    pub fn kind(&self) -> MessageKind {
        match self {
            Retryable::RoutineOverdue { .. } => MessageKind::RoutineOverdue,
            Retryable::StepGoal { .. } => MessageKind::StepGoal,
            Retryable::InactivityNudge { .. } => MessageKind::InactivityNudge,
        }
    }

    /// The event to show at `now` (a nudge counts its minutes to `now`).
    pub fn event(&self, now: Timestamp) -> EventKind {
        match self.clone() {
            Retryable::RoutineOverdue { routine_id, expected_at, cycles_missed, days_overdue, period_days } => {
                EventKind::RoutineOverdue { routine_id, expected_at, cycles_missed, days_overdue, period_days }
            }
            Retryable::StepGoal { day, steps, goal } => EventKind::StepGoalReached { day, steps, goal },
            Retryable::InactivityNudge { sedentary_since, .. } => EventKind::InactivityNudge {
                sedentary_since,
                minutes: now.since(sedentary_since) / crate::domain::time::MINUTE_MS,
            },
        }
    }
}

/// A message waiting for the budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldMessage {
    /// The message.
    pub message: Retryable,
    /// When the budget held it.
    pub held_at: Timestamp,
    /// When the budget may allow it (the hold's `until`).
    pub retry_at: Timestamp,
    /// The end of the local day it was held on: it is not shown after.
    pub stale_at: Timestamp,
}
