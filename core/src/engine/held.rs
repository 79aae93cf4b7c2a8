//! Held messages tried again (`domain::offers::held`): `notify` keeps a
//! routine-overdue, step-goal or inactivity message the budget held; each
//! `on_time` shows the ones whose hold has ended if they still hold (the
//! routine still overdue, the shopper still sitting, the same local day),
//! and drops the others, reporting either outcome as
//! `notification_retried`.

use super::pipeline::Ctx;
use crate::domain::event::EventKind;
use crate::domain::offers::budget::BudgetHold;
use crate::domain::offers::held::{HeldMessage, Retryable};
use crate::domain::offers::RetryOutcome;
use crate::domain::routines::{RoutineStatus, RoutineSubject};
use crate::domain::time::{local_day_bounds, Timestamp};
use crate::error::Result;
use crate::store;

impl Ctx<'_> {
    /// Keeps `event` (held at `at` by `hold`) to try again, if it is a
    /// message worth showing later.
    pub(super) fn keep_held(&mut self, at: Timestamp, event: &EventKind, hold: &BudgetHold) {
        let Some(message) = Retryable::of(event) else { return };
        let stale_at = local_day_bounds(at.local_day(self.set.tz), self.set.tz).1;
        self.st.held.retain(|h| h.message != message);
        self.st.held.push(HeldMessage { message, held_at: at, retry_at: hold.until, stale_at });
    }

    /// Tries the held messages whose hold has ended by `now`, oldest first.
    pub(super) fn retry_held(&mut self, now: Timestamp) -> Result<()> {
        let due: Vec<HeldMessage> = self.st.held.iter().filter(|h| h.retry_at <= now).cloned().collect();
        for h in due {
            let kind = h.message.kind();
            let outcome = if now >= h.stale_at {
                RetryOutcome::DayEnded
            } else if !self.still_relevant(&h, now)? {
                RetryOutcome::NoLongerRelevant
            } else {
                match self.st.budget.check(kind, now, self.set.tz, &self.set.budget) {
                    Ok(()) => RetryOutcome::Shown,
                    Err(hold) => {
                        // Held again (a message came meanwhile): wait for this hold.
                        if let Some(kept) = self.st.held.iter_mut().find(|k| k.message == h.message) {
                            kept.retry_at = hold.until;
                        }
                        continue;
                    }
                }
            };
            self.st.held.retain(|k| k.message != h.message);
            self.emit(now, EventKind::NotificationRetried { message: kind, held_at: h.held_at, outcome });
            if outcome == RetryOutcome::Shown {
                self.st.budget.record(kind, now, self.set.tz);
                self.emit(now, h.message.event(now));
            }
        }
        Ok(())
    }

    /// Whether what the message says is still true at `now`.
    fn still_relevant(&self, h: &HeldMessage, now: Timestamp) -> Result<bool> {
        Ok(match &h.message {
            // The day's goal stays reached.
            Retryable::StepGoal { .. } => true,
            // Still sitting: no active minute since it was held.
            Retryable::InactivityNudge { .. } => self.st.activity.last_active_end.is_none_or(|t| t <= h.held_at),
            // Still overdue: the visit has not happened meanwhile.
            Retryable::RoutineOverdue { routine_id, .. } => {
                let track = store::routines::load(self.conn, self.sealer, routine_id)?;
                match (track, RoutineSubject::parse(routine_id)) {
                    (Some(track), Some(subject)) => {
                        track.routine(subject, now, self.set.tz).is_some_and(|r| r.status == RoutineStatus::Overdue)
                    }
                    _ => false,
                }
            }
        })
    }
}
