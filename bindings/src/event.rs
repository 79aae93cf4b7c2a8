//! Events: what the engine tells the app. Every call that records input or
//! advances time returns the events it caused, in time order, and delivers
//! them to every live listener.

use crate::local_day::LocalDay;
use crate::sensing::{SensingAccuracy, SensingReason};
use crate::time::from_core;
use crate::visits::PlaceKind;
use kairos_core::offers::Suppression;
use kairos_core::EventKind;
use std::time::SystemTime;

/// What kind of movement made an offer fire (or would have): the kind of the
/// offer's catalog trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OfferTrigger {
    /// Entering one of the offer's places.
    Enter,
    /// Staying inside one of the offer's places long enough.
    Dwell,
    /// Leaving one of the offer's places.
    Exit,
    /// Passing near one of the offer's places while on the move.
    Nearby,
}

impl From<kairos_core::OfferTrigger> for OfferTrigger {
    fn from(t: kairos_core::OfferTrigger) -> Self {
        match t {
            kairos_core::OfferTrigger::Enter => OfferTrigger::Enter,
            kairos_core::OfferTrigger::Dwell => OfferTrigger::Dwell,
            kairos_core::OfferTrigger::Exit => OfferTrigger::Exit,
            kairos_core::OfferTrigger::Nearby => OfferTrigger::Nearby,
        }
    }
}

/// Why an offer that could have fired did not (`OfferSuppressed.reason`);
/// `OfferSuppressed.explanation` says it in words, with the numbers (the
/// cap, until when).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SuppressionReason {
    /// Outside the offer's validity, days or hours, or the place is closed.
    OutsideSchedule,
    /// The shopper does not match the offer's targeting.
    NotTargeted,
    /// The catalog in force has expired.
    CatalogExpired,
    /// The shopper already redeemed this offer.
    AlreadyRedeemed,
    /// The shopper dismissed this offer recently (the cooldown).
    DismissedRecently,
    /// The offer's lifetime cap is reached.
    OfferTotalCap,
    /// The offer's daily cap is reached.
    OfferDailyCap,
    /// The offer fired too recently.
    OfferMinGap,
    /// The merchant's daily cap is reached.
    MerchantDailyCap,
    /// The daily cap over all offers is reached.
    GlobalDailyCap,
    /// Another offer was shown too recently (the frequency cap).
    GlobalMinGap,
    /// Inside the shopper's quiet hours.
    QuietHours,
    /// The shopper is driving and the offer does not allow it.
    WhileDriving,
    /// The notification budget shared by every message held it (the day's
    /// messages are spent, or one was shown within the minimum gap).
    NotificationBudget,
    /// The shopper's learned chance of redeeming it is under the relevance
    /// floor (the next best action: she dismissed or ignored offers like
    /// it).
    LowRelevance,
    /// Another eligible offer ranked higher at the same moment.
    Outranked,
}

/// The kinds of message that share the notification budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum MessageKind {
    /// An offer (`OfferTriggered`).
    Offer,
    /// An on-the-way reminder (`OnTheWayReminder`).
    OnTheWayReminder,
    /// An overdue routine (`RoutineOverdue`).
    RoutineOverdue,
    /// The step goal reached (`StepGoalReached`).
    StepGoal,
    /// An inactivity nudge (`InactivityNudge`).
    InactivityNudge,
}

impl From<kairos_core::offers::MessageKind> for MessageKind {
    fn from(k: kairos_core::offers::MessageKind) -> Self {
        use kairos_core::offers::MessageKind as Core;
        match k {
            Core::Offer => MessageKind::Offer,
            Core::OnTheWayReminder => MessageKind::OnTheWayReminder,
            Core::RoutineOverdue => MessageKind::RoutineOverdue,
            Core::StepGoal => MessageKind::StepGoal,
            Core::InactivityNudge => MessageKind::InactivityNudge,
        }
    }
}

/// Which limit of the notification budget held a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum BudgetLimit {
    /// The day's messages are spent.
    DailyBudget,
    /// A message of the same or higher rank was shown within the gap.
    MinGap,
}

impl From<kairos_core::offers::BudgetLimit> for BudgetLimit {
    fn from(l: kairos_core::offers::BudgetLimit) -> Self {
        match l {
            kairos_core::offers::BudgetLimit::DailyBudget => BudgetLimit::DailyBudget,
            kairos_core::offers::BudgetLimit::MinGap => BudgetLimit::MinGap,
        }
    }
}

/// What became of a message the notification budget held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum RetryOutcome {
    /// The budget allowed it and it still held: shown now (its own event
    /// follows).
    Shown,
    /// No longer true (the shopper walked, the routine's visit happened).
    NoLongerRelevant,
    /// Its day ended before the budget allowed it.
    DayEnded,
}

impl From<kairos_core::offers::RetryOutcome> for RetryOutcome {
    fn from(o: kairos_core::offers::RetryOutcome) -> Self {
        match o {
            kairos_core::offers::RetryOutcome::Shown => RetryOutcome::Shown,
            kairos_core::offers::RetryOutcome::NoLongerRelevant => RetryOutcome::NoLongerRelevant,
            kairos_core::offers::RetryOutcome::DayEnded => RetryOutcome::DayEnded,
        }
    }
}

impl From<&Suppression> for SuppressionReason {
    fn from(s: &Suppression) -> Self {
        match s {
            Suppression::OutsideSchedule => SuppressionReason::OutsideSchedule,
            Suppression::NotTargeted => SuppressionReason::NotTargeted,
            Suppression::CatalogExpired => SuppressionReason::CatalogExpired,
            Suppression::AlreadyRedeemed => SuppressionReason::AlreadyRedeemed,
            Suppression::DismissedRecently { .. } => SuppressionReason::DismissedRecently,
            Suppression::OfferTotalCap { .. } => SuppressionReason::OfferTotalCap,
            Suppression::OfferDailyCap { .. } => SuppressionReason::OfferDailyCap,
            Suppression::OfferMinGap { .. } => SuppressionReason::OfferMinGap,
            Suppression::MerchantDailyCap { .. } => SuppressionReason::MerchantDailyCap,
            Suppression::GlobalDailyCap { .. } => SuppressionReason::GlobalDailyCap,
            Suppression::GlobalMinGap { .. } => SuppressionReason::GlobalMinGap,
            Suppression::QuietHours => SuppressionReason::QuietHours,
            Suppression::WhileDriving => SuppressionReason::WhileDriving,
            Suppression::NotificationBudget { .. } => SuppressionReason::NotificationBudget,
            Suppression::LowRelevance { .. } => SuppressionReason::LowRelevance,
            Suppression::Outranked { .. } => SuppressionReason::Outranked,
        }
    }
}

/// One thing that happened. Every variant carries `at`: the engine time it
/// happened (an input's time, or `tick`'s `now`).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum KairosEvent {
    /// A stay reached the dwell threshold: the shopper is visiting a place.
    VisitStarted {
        /// When it happened.
        at: SystemTime,
        /// The visit.
        visit_id: i64,
        /// Where.
        place_id: i64,
        /// First fix of the stay.
        arrived_at: SystemTime,
    },
    /// A visit's departure was confirmed.
    VisitEnded {
        /// When it happened.
        at: SystemTime,
        /// The visit.
        visit_id: i64,
        /// Where.
        place_id: i64,
        /// First fix of the stay.
        arrived_at: SystemTime,
        /// Last fix inside the stay.
        departed_at: SystemTime,
        /// Length in whole minutes.
        minutes: i64,
    },
    /// A place was recognised as home or work (or stopped being one).
    PlaceClassified {
        /// When it happened.
        at: SystemTime,
        /// The place.
        place_id: i64,
        /// Its new kind.
        place_kind: PlaceKind,
    },
    /// The day's step goal was reached (once per local day).
    StepGoalReached {
        /// When it happened.
        at: SystemTime,
        /// The local day.
        day: LocalDay,
        /// Steps counted.
        steps: i64,
        /// The goal.
        goal: i32,
    },
    /// The shopper has been sitting for the sedentary period: time for a
    /// nudge.
    InactivityNudge {
        /// When it happened.
        at: SystemTime,
        /// Start of the sedentary stretch.
        sedentary_since: SystemTime,
        /// Its length in minutes.
        minutes: i64,
    },
    /// The phone entered a catalog place's fence.
    FenceEntered {
        /// When it happened.
        at: SystemTime,
        /// The catalog place.
        place_id: String,
        /// Its merchant.
        merchant_id: String,
    },
    /// The phone has stayed in a catalog place's fence for the shortest dwell
    /// any of its offers asks for.
    FenceDwelled {
        /// When it happened.
        at: SystemTime,
        /// The catalog place.
        place_id: String,
        /// Its merchant.
        merchant_id: String,
        /// When the stay began.
        since: SystemTime,
    },
    /// The phone left a catalog place's fence (`at` is when it was first seen
    /// outside).
    FenceExited {
        /// When it happened.
        at: SystemTime,
        /// The catalog place.
        place_id: String,
        /// Its merchant.
        merchant_id: String,
        /// When the stay began.
        entered_at: SystemTime,
    },
    /// An offer fired: show it. It can be claimed until `expires_at`; pass
    /// `instance_id` to `presented`, `dismissed` and `redeemed`.
    OfferTriggered {
        /// When it happened.
        at: SystemTime,
        /// Id of this instance.
        instance_id: i64,
        /// The catalog offer.
        offer_id: String,
        /// Its merchant.
        merchant_id: String,
        /// The place that triggered it.
        place_id: String,
        /// What triggered it.
        trigger: OfferTrigger,
        /// Headline to show.
        title: String,
        /// End of the claim window.
        expires_at: SystemTime,
    },
    /// An offer could have fired but did not; `reason` says why and
    /// `explanation` says it in words.
    OfferSuppressed {
        /// When it happened.
        at: SystemTime,
        /// The catalog offer.
        offer_id: String,
        /// Its merchant.
        merchant_id: String,
        /// The place involved.
        place_id: String,
        /// What would have triggered it.
        trigger: OfferTrigger,
        /// Why it did not fire.
        reason: SuppressionReason,
        /// The reason in words.
        explanation: String,
    },
    /// An offer would have fired, but this install is in its holdout: it is
    /// recorded to measure lift and never shown.
    OfferHeldOut {
        /// When it happened.
        at: SystemTime,
        /// Id of the recorded instance.
        instance_id: i64,
        /// The catalog offer.
        offer_id: String,
        /// Its merchant.
        merchant_id: String,
    },
    /// A triggered offer's claim window ended unused (`at` is the end of the
    /// window).
    OfferExpired {
        /// When it happened.
        at: SystemTime,
        /// The instance.
        instance_id: i64,
        /// The catalog offer.
        offer_id: String,
    },
    /// A routine's expected visit is overdue by its tolerance (once per
    /// missed cycle).
    RoutineOverdue {
        /// When it happened.
        at: SystemTime,
        /// The routine (`place:<id>` or `category:<name>`).
        routine_id: String,
        /// When the missed visit was expected.
        expected_at: SystemTime,
        /// Consecutive cycles missed.
        cycles_missed: i32,
        /// Local calendar days from the expected visit's day to the event's.
        days_overdue: i32,
        /// The routine's period in days.
        period_days: f64,
    },
    /// A visit served an overdue routine: it is back on track.
    RoutineResumed {
        /// When it happened.
        at: SystemTime,
        /// The routine.
        routine_id: String,
        /// Cycles that had been missed.
        cycles_missed: i32,
        /// When the next visit is now expected.
        next_expected_at: SystemTime,
    },
    /// The shopper is heading towards a catalog place that serves an overdue
    /// routine: remind them.
    OnTheWayReminder {
        /// When it happened.
        at: SystemTime,
        /// The overdue routines the place serves.
        routine_ids: Vec<String>,
        /// The catalog place.
        place_id: String,
        /// Its merchant.
        merchant_id: String,
        /// Distance to the place's fence, metres.
        distance_m: f64,
        /// Days the most overdue routine is overdue.
        days_overdue: i32,
    },
    /// A message (routine reminder, step-goal message, inactivity nudge)
    /// was due but the notification budget held it: do not show anything.
    NotificationHeld {
        /// When it happened.
        at: SystemTime,
        /// The message held.
        message: MessageKind,
        /// Which limit held it.
        limit: BudgetLimit,
        /// When a message of its kind may be shown again.
        until: SystemTime,
        /// The sentence, with the numbers.
        explanation: String,
    },
    /// A message the budget held earlier was tried again: shown now (its
    /// own event follows in the same list), or dropped.
    NotificationRetried {
        /// When it happened.
        at: SystemTime,
        /// The message.
        message: MessageKind,
        /// When the budget held it.
        held_at: SystemTime,
        /// What became of it.
        outcome: RetryOutcome,
    },
    /// A new catalog is in force.
    CatalogLoaded {
        /// When it happened.
        at: SystemTime,
        /// Its version.
        version: i64,
        /// Offers it holds.
        offers: i64,
        /// Fences it holds.
        fences: i64,
    },
    /// Catalog tiles were loaded (a sync brought tiles, whole or as
    /// deltas); a `CatalogLoaded` for the merged catalog follows. Counts
    /// and a version only: no tile id or coordinate.
    TilesLoaded {
        /// When it happened.
        at: SystemTime,
        /// The version of the signed catalog header the tiles are under.
        header_version: i64,
        /// Tiles that arrived (whole or patched by a delta) and are held.
        tiles_updated: i64,
        /// Tiles held after the load.
        tiles_held: i64,
    },
    /// The engine's sensing plan changed (only once the app follows it;
    /// `docs/geofencing.md`, "The sensing plan").
    SensingPlanChanged {
        /// When it happened.
        at: SystemTime,
        /// The class of fix to ask for.
        accuracy: SensingAccuracy,
        /// Time between fixes, ms.
        interval_ms: i64,
        /// Displacement filter, metres.
        min_displacement_m: f64,
        /// Whether to wake the app when the shopper starts moving.
        wake_on_motion: bool,
        /// The rule that applied.
        reason: SensingReason,
        /// Whether the wake regions changed (call `sensingPlan()` for the
        /// new set).
        regions_changed: bool,
    },
    /// The device clock had been wrong and was corrected: `tick` said the
    /// present is `to`, more than `CLOCK_CORRECTION_MS` (`core/src/policy/fixes.rs`, 7 days)
    /// before the engine's clock `from`. The engine went back to `to` and
    /// carries on (ADR 0009).
    ClockCorrected {
        /// When it happened (the corrected present).
        at: SystemTime,
        /// The engine clock before the correction.
        from: SystemTime,
        /// The corrected present.
        to: SystemTime,
    },
    /// The profile database was unreadable at open; it was moved aside and
    /// the engine started with a fresh one.
    DatabaseRecovered {
        /// When it happened.
        at: SystemTime,
        /// Where the unreadable file now lies.
        moved_to: String,
        /// What was wrong.
        reason: String,
    },
}

impl From<kairos_core::Event> for KairosEvent {
    fn from(e: kairos_core::Event) -> Self {
        let at = from_core(e.at);
        match e.kind {
            EventKind::VisitStarted { visit_id, place_id, arrived_at } => {
                KairosEvent::VisitStarted { at, visit_id, place_id, arrived_at: from_core(arrived_at) }
            }
            EventKind::VisitEnded { visit_id, place_id, arrived_at, departed_at, minutes } => KairosEvent::VisitEnded {
                at,
                visit_id,
                place_id,
                arrived_at: from_core(arrived_at),
                departed_at: from_core(departed_at),
                minutes,
            },
            EventKind::PlaceClassified { place_id, place_kind } => {
                KairosEvent::PlaceClassified { at, place_id, place_kind: place_kind.into() }
            }
            EventKind::StepGoalReached { day, steps, goal } => KairosEvent::StepGoalReached {
                at,
                day: day.into(),
                steps: i64::try_from(steps).unwrap_or(i64::MAX),
                goal: i32::try_from(goal).unwrap_or(i32::MAX),
            },
            EventKind::InactivityNudge { sedentary_since, minutes } => {
                KairosEvent::InactivityNudge { at, sedentary_since: from_core(sedentary_since), minutes }
            }
            EventKind::FenceEntered { place_id, merchant_id } => {
                KairosEvent::FenceEntered { at, place_id, merchant_id }
            }
            EventKind::FenceDwelled { place_id, merchant_id, since } => {
                KairosEvent::FenceDwelled { at, place_id, merchant_id, since: from_core(since) }
            }
            EventKind::FenceExited { place_id, merchant_id, entered_at } => {
                KairosEvent::FenceExited { at, place_id, merchant_id, entered_at: from_core(entered_at) }
            }
            EventKind::OfferTriggered { instance_id, offer_id, merchant_id, place_id, trigger, title, expires_at } => {
                KairosEvent::OfferTriggered {
                    at,
                    instance_id,
                    offer_id,
                    merchant_id,
                    place_id,
                    trigger: trigger.into(),
                    title,
                    expires_at: from_core(expires_at),
                }
            }
            EventKind::OfferSuppressed { offer_id, merchant_id, place_id, trigger, reason } => {
                KairosEvent::OfferSuppressed {
                    at,
                    offer_id,
                    merchant_id,
                    place_id,
                    trigger: trigger.into(),
                    reason: SuppressionReason::from(&reason),
                    explanation: reason.to_string(),
                }
            }
            EventKind::OfferHeldOut { instance_id, offer_id, merchant_id } => {
                KairosEvent::OfferHeldOut { at, instance_id, offer_id, merchant_id }
            }
            EventKind::OfferExpired { instance_id, offer_id } => {
                KairosEvent::OfferExpired { at, instance_id, offer_id }
            }
            EventKind::RoutineOverdue { routine_id, expected_at, cycles_missed, days_overdue, period_days } => {
                KairosEvent::RoutineOverdue {
                    at,
                    routine_id,
                    expected_at: from_core(expected_at),
                    cycles_missed: i32::try_from(cycles_missed).unwrap_or(i32::MAX),
                    days_overdue,
                    period_days,
                }
            }
            EventKind::RoutineResumed { routine_id, cycles_missed, next_expected_at } => KairosEvent::RoutineResumed {
                at,
                routine_id,
                cycles_missed: i32::try_from(cycles_missed).unwrap_or(i32::MAX),
                next_expected_at: from_core(next_expected_at),
            },
            EventKind::OnTheWayReminder { routine_ids, place_id, merchant_id, distance_m, days_overdue } => {
                KairosEvent::OnTheWayReminder { at, routine_ids, place_id, merchant_id, distance_m, days_overdue }
            }
            EventKind::NotificationHeld { message, reason: _, limit, until, allowance } => {
                let hold = kairos_core::offers::BudgetHold { limit, until, allowance };
                KairosEvent::NotificationHeld {
                    at,
                    message: message.into(),
                    limit: limit.into(),
                    until: from_core(until),
                    explanation: hold.to_string(),
                }
            }
            EventKind::NotificationRetried { message, held_at, outcome } => KairosEvent::NotificationRetried {
                at,
                message: message.into(),
                held_at: from_core(held_at),
                outcome: outcome.into(),
            },
            EventKind::CatalogLoaded { version, offers, fences } => KairosEvent::CatalogLoaded {
                at,
                version: i64::try_from(version).unwrap_or(i64::MAX),
                offers: i64::try_from(offers).unwrap_or(i64::MAX),
                fences: i64::try_from(fences).unwrap_or(i64::MAX),
            },
            EventKind::TilesLoaded { header_version, tiles_updated, tiles_held } => KairosEvent::TilesLoaded {
                at,
                header_version: i64::try_from(header_version).unwrap_or(i64::MAX),
                tiles_updated: i64::try_from(tiles_updated).unwrap_or(i64::MAX),
                tiles_held: i64::try_from(tiles_held).unwrap_or(i64::MAX),
            },
            EventKind::SensingPlanChanged {
                accuracy,
                interval_ms,
                min_displacement_m,
                wake_on_motion,
                reason,
                regions_changed,
            } => KairosEvent::SensingPlanChanged {
                at,
                accuracy: accuracy.into(),
                interval_ms,
                min_displacement_m,
                wake_on_motion,
                reason: reason.into(),
                regions_changed,
            },
            EventKind::ClockCorrected { from, to } => {
                KairosEvent::ClockCorrected { at, from: from_core(from), to: from_core(to) }
            }
            EventKind::DatabaseRecovered { moved_to, reason } => {
                KairosEvent::DatabaseRecovered { at, moved_to, reason }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_loaded_reaches_the_app_with_its_counts_and_version() {
        let t = kairos_core::Timestamp::from_millis(1_795_600_800_000);
        let e = KairosEvent::from(kairos_core::Event::new(t, kairos_core::EventKind::tiles_loaded(4, 2, 9)));
        let want = KairosEvent::TilesLoaded { at: from_core(t), header_version: 4, tiles_updated: 2, tiles_held: 9 };
        assert_eq!(e, want);
    }

    #[test]
    fn suppression_reasons_keep_their_kind_and_explanation() {
        let t = kairos_core::Timestamp::from_millis(1_795_600_800_000);
        let core = kairos_core::Event::new(
            t,
            EventKind::OfferSuppressed {
                offer_id: "o".into(),
                merchant_id: "m".into(),
                place_id: "p".into(),
                trigger: kairos_core::OfferTrigger::Dwell,
                reason: Suppression::GlobalMinGap { minutes: 30, until: t },
            },
        );
        match KairosEvent::from(core) {
            KairosEvent::OfferSuppressed { trigger, reason, explanation, .. } => {
                assert_eq!((trigger, reason), (OfferTrigger::Dwell, SuppressionReason::GlobalMinGap));
                assert!(explanation.contains("30"), "{explanation}");
            }
            other => panic!("{other:?}"),
        }
    }
}
