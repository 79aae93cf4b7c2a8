//! One notification budget for every message the engine raises for the
//! shopper: offers, routine reminders (overdue, on the way), step-goal
//! messages and inactivity nudges share a daily budget and a minimum gap,
//! so they cannot stack on top of each other.
//!
//! **Priorities between kinds.** Each kind has a rank
//! ([`MessageKind::priority`]): offers (the shopper is at the shop now: an
//! errand reminder just before must not silence the shop's own offer)
//! outrank the on-the-way reminder (the store is on the way now, and will
//! not be later), which outranks an overdue routine (a fact that keeps until
//! the next trip), the step goal (good news that keeps) and the inactivity
//! nudge (a suggestion). The minimum gap holds a message only after a
//! message of the **same or higher** rank: an offer may follow a nudge at
//! once, a nudge may not follow an offer within the gap. The daily budget
//! holds every kind alike once it is spent, except that the kinds ranked
//! below the on-the-way reminder leave the last [`crate::policy::BUDGET_RESERVED_FOR_OFFERS`]
//! messages of the day to the higher kinds.
//!
//! A held message is not shown: the engine reports it (an offer as
//! `offer_suppressed` with reason `notification_budget`, any other message
//! as `notification_held`), with which limit held it and until when.

use crate::domain::time::{Timestamp, MINUTE_MS};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of message that share the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// An offer fired (`offer_triggered`).
    Offer,
    /// A routine errand overdue with its store on the way
    /// (`on_the_way_reminder`).
    OnTheWayReminder,
    /// A routine fell overdue (`routine_overdue`).
    RoutineOverdue,
    /// The day's step goal was reached (`step_goal_reached`).
    StepGoal,
    /// The shopper sat too long (`inactivity_nudge`).
    InactivityNudge,
}

impl MessageKind {
    /// Every kind, highest rank first.
    pub const ALL: [MessageKind; 5] = [
        MessageKind::Offer,
        MessageKind::OnTheWayReminder,
        MessageKind::RoutineOverdue,
        MessageKind::StepGoal,
        MessageKind::InactivityNudge,
    ];

    /// Its rank: higher wins (see the module's documentation).
    pub fn priority(self) -> u8 {
        match self {
            MessageKind::Offer => 4,
            MessageKind::OnTheWayReminder => 3,
            MessageKind::RoutineOverdue => 2,
            MessageKind::StepGoal => 1,
            MessageKind::InactivityNudge => 0,
        }
    }

    /// The stable snake_case name (the event kind it is shown as).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Offer => "offer",
            MessageKind::OnTheWayReminder => "on_the_way_reminder",
            MessageKind::RoutineOverdue => "routine_overdue",
            MessageKind::StepGoal => "step_goal",
            MessageKind::InactivityNudge => "inactivity_nudge",
        }
    }
}

/// The budget an app may tune (defaults in [`crate::policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetPolicy {
    /// Most messages shown per local day (device's zone), all kinds.
    pub per_day: u32,
    /// Fewest milliseconds between a message and the previous one of the
    /// same or higher rank.
    pub min_gap_ms: i64,
}

impl Default for BudgetPolicy {
    fn default() -> Self {
        BudgetPolicy {
            per_day: crate::policy::DEFAULT_NOTIFICATIONS_PER_DAY,
            min_gap_ms: crate::policy::DEFAULT_NOTIFICATION_MIN_GAP_MS,
        }
    }
}

/// Which limit of the budget held a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetLimit {
    /// The day's messages are spent.
    DailyBudget,
    /// A message of the same or higher rank was shown within the gap.
    MinGap,
}

impl BudgetLimit {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetLimit::DailyBudget => "daily_budget",
            BudgetLimit::MinGap => "min_gap",
        }
    }
}

/// What became of a held message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryOutcome {
    /// The budget allowed it and it still held: shown now.
    Shown,
    /// No longer true (the shopper walked, the routine's visit happened).
    NoLongerRelevant,
    /// Its day ended before the budget allowed it.
    DayEnded,
}

impl RetryOutcome {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryOutcome::Shown => "shown",
            RetryOutcome::NoLongerRelevant => "no_longer_relevant",
            RetryOutcome::DayEnded => "day_ended",
        }
    }
}

/// Why the budget held a message, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetHold {
    /// The limit that held it.
    pub limit: BudgetLimit,
    /// When a message of its kind may be shown again: the end of the gap,
    /// or the start of the next local day.
    pub until: Timestamp,
    /// The budget of the day, or the gap in minutes.
    pub allowance: i64,
}

impl fmt::Display for BudgetHold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.limit {
            BudgetLimit::DailyBudget => {
                write!(
                    f,
                    "notification budget: the day's {} messages are spent (next from {})",
                    self.allowance, self.until
                )
            }
            BudgetLimit::MinGap => write!(
                f,
                "notification budget: at most one message per {} minutes (next from {})",
                self.allowance, self.until
            ),
        }
    }
}

/// What the budget remembers: the messages shown on the current local day,
/// and when each kind was last shown. Kept in the engine state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageBudget {
    /// The device's local day the count is for.
    day: Option<NaiveDate>,
    /// Messages shown that day.
    shown: u32,
    /// The last time each kind was shown.
    last: Vec<(MessageKind, Timestamp)>,
}

impl MessageBudget {
    /// Whether a message of `kind` may be shown at `at` (device zone `tz`),
    /// and if not, what holds it.
    pub fn check(&self, kind: MessageKind, at: Timestamp, tz: Tz, policy: &BudgetPolicy) -> Result<(), BudgetHold> {
        if self.same_notification(kind, at) {
            return Ok(());
        }
        let day = at.local_day(tz);
        let shown = if self.day == Some(day) { self.shown } else { 0 };
        let reserved = if kind.priority() < MessageKind::OnTheWayReminder.priority() {
            crate::policy::BUDGET_RESERVED_FOR_OFFERS.min(policy.per_day.saturating_sub(1))
        } else {
            0
        };
        if shown + reserved >= policy.per_day {
            let until = next_day_start(day, tz);
            return Err(BudgetHold { limit: BudgetLimit::DailyBudget, until, allowance: i64::from(policy.per_day) });
        }
        let previous = self.last.iter().filter(|(k, _)| k.priority() >= kind.priority()).map(|&(_, t)| t).max();
        if let Some(last) = previous {
            let until = last.plus_millis(policy.min_gap_ms);
            if at < until {
                return Err(BudgetHold { limit: BudgetLimit::MinGap, until, allowance: policy.min_gap_ms / MINUTE_MS });
            }
        }
        Ok(())
    }

    /// Records a message of `kind` shown at `at`.
    pub fn record(&mut self, kind: MessageKind, at: Timestamp, tz: Tz) {
        if self.same_notification(kind, at) {
            return;
        }
        let day = at.local_day(tz);
        if self.day != Some(day) {
            (self.day, self.shown) = (Some(day), 0);
        }
        self.shown += 1;
        match self.last.iter_mut().find(|(k, _)| *k == kind) {
            Some(entry) => entry.1 = entry.1.max(at),
            None => self.last.push((kind, at)),
        }
    }
}

impl MessageBudget {
    /// After a device clock correction to `now` (ADR 0009): a message
    /// stamped after `now` was shown by the wrong clock, in fact at or
    /// before `now`; its time is bounded by `now`, so that its gap runs
    /// from the correction instead of holding every message until its
    /// future instant. A count kept for a local day after `now`'s is
    /// dropped.
    pub fn rewind(&mut self, now: Timestamp, tz: Tz) {
        for entry in &mut self.last {
            entry.1 = entry.1.min(now);
        }
        if self.day.is_some_and(|d| d > now.local_day(tz)) {
            (self.day, self.shown) = (None, 0);
        }
    }

    /// Whether a message of `kind` at `at` joins the one of its kind shown
    /// at that very instant (two routines falling overdue together): one
    /// notification, counted once, never held by its own gap.
    fn same_notification(&self, kind: MessageKind, at: Timestamp) -> bool {
        self.last.iter().any(|&(k, t)| k == kind && t == at)
    }
}

/// The first instant of the local day after `day` in `tz`.
fn next_day_start(day: NaiveDate, tz: Tz) -> Timestamp {
    crate::domain::time::local_day_bounds(day, tz).1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    const LA: Tz = chrono_tz::America::Los_Angeles;

    fn policy(per_day: u32, gap_minutes: i64) -> BudgetPolicy {
        BudgetPolicy { per_day, min_gap_ms: gap_minutes * MINUTE_MS }
    }

    #[test]
    fn the_gap_holds_a_message_only_after_one_of_the_same_or_higher_rank() {
        let p = policy(10, 15);
        let mut b = MessageBudget::default();
        b.record(MessageKind::InactivityNudge, ts("2026-11-28T10:30:00-08:00"), LA);
        // An offer two minutes after a nudge: shown.
        assert_eq!(b.check(MessageKind::Offer, ts("2026-11-28T10:32:00-08:00"), LA, &p), Ok(()));
        b.record(MessageKind::Offer, ts("2026-11-28T10:32:00-08:00"), LA);
        // A nudge or a goal message within 15 minutes of the offer: held.
        let held = b.check(MessageKind::StepGoal, ts("2026-11-28T10:40:00-08:00"), LA, &p).unwrap_err();
        assert_eq!(
            (held.limit, held.until, held.allowance),
            (BudgetLimit::MinGap, ts("2026-11-28T10:47:00-08:00"), 15)
        );
        // The on-the-way reminder ranks below the offer: held too.
        assert!(b.check(MessageKind::OnTheWayReminder, ts("2026-11-28T10:40:00-08:00"), LA, &p).is_err());
        // Another offer within the gap: held.
        assert!(b.check(MessageKind::Offer, ts("2026-11-28T10:46:59-08:00"), LA, &p).is_err());
        assert_eq!(b.check(MessageKind::Offer, ts("2026-11-28T10:47:00-08:00"), LA, &p), Ok(()));
        // A reminder shortly before does not hold an offer; a second
        // reminder at the same instant joins the first.
        b.record(MessageKind::OnTheWayReminder, ts("2026-11-28T11:00:00-08:00"), LA);
        assert_eq!(b.check(MessageKind::Offer, ts("2026-11-28T11:02:00-08:00"), LA, &p), Ok(()));
        assert_eq!(b.check(MessageKind::OnTheWayReminder, ts("2026-11-28T11:00:00-08:00"), LA, &p), Ok(()));
        assert!(b.check(MessageKind::OnTheWayReminder, ts("2026-11-28T11:01:00-08:00"), LA, &p).is_err());
    }

    #[test]
    fn the_daily_budget_is_per_local_day_and_keeps_its_last_message_for_the_higher_kinds() {
        let p = policy(3, 0);
        let mut b = MessageBudget::default();
        b.record(MessageKind::RoutineOverdue, ts("2026-11-28T03:36:00-08:00"), LA);
        b.record(MessageKind::Offer, ts("2026-11-28T10:32:00-08:00"), LA);
        // One message left: a nudge may not take it, an offer may.
        let held = b.check(MessageKind::InactivityNudge, ts("2026-11-28T12:00:00-08:00"), LA, &p).unwrap_err();
        assert_eq!((held.limit, held.until), (BudgetLimit::DailyBudget, ts("2026-11-29T00:00:00-08:00")));
        assert_eq!(b.check(MessageKind::Offer, ts("2026-11-28T12:00:00-08:00"), LA, &p), Ok(()));
        b.record(MessageKind::Offer, ts("2026-11-28T12:00:00-08:00"), LA);
        assert!(b.check(MessageKind::OnTheWayReminder, ts("2026-11-28T23:59:00-08:00"), LA, &p).is_err());
        // A new local day, a new budget.
        assert_eq!(b.check(MessageKind::InactivityNudge, ts("2026-11-29T00:00:00-08:00"), LA, &p), Ok(()));
    }

    #[test]
    fn a_message_stamped_by_a_clock_since_corrected_holds_its_gap_from_the_correction_only() {
        let p = policy(10, 15);
        let mut b = MessageBudget::default();
        b.record(MessageKind::Offer, ts("2090-11-28T10:10:00-08:00"), LA);
        let now = ts("2026-11-28T10:11:00-08:00");
        b.rewind(now, LA);
        assert!(b.check(MessageKind::Offer, ts("2026-11-28T10:20:00-08:00"), LA, &p).is_err(), "the gap still runs");
        assert_eq!(b.check(MessageKind::Offer, ts("2026-11-28T10:26:00-08:00"), LA, &p), Ok(()));
    }

    #[test]
    fn ranks_are_distinct_and_listed_highest_first() {
        let ranks: Vec<u8> = MessageKind::ALL.iter().map(|k| k.priority()).collect();
        assert!(ranks.windows(2).all(|w| w[0] > w[1]), "{ranks:?}");
        for k in MessageKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
