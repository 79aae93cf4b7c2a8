//! Events: what the engine tells the app. Every call that records input or
//! advances time returns the events it caused, in time order.

use crate::domain::catalog::Trigger;
use crate::domain::offers::{BudgetLimit, MessageKind, Suppression};
use crate::domain::time::Timestamp;
use crate::domain::visits::PlaceKind;
use chrono::NaiveDate;
use serde::Serialize;

/// Why a message was held (a closed set of one, named in JSON as
/// `reason`, as offer suppressions are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// The notification budget (`domain::offers::budget`).
    NotificationBudget,
}

/// One thing that happened, at engine time `at`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// When it happened (an input's time, or `tick`'s `now`).
    #[serde(rename = "t")]
    pub at: Timestamp,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The kinds of event. Serialised with `kind` in snake_case and the
/// variant's fields beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A stay reached the dwell threshold.
    VisitStarted {
        /// The visit.
        visit_id: i64,
        /// Where.
        place_id: i64,
        /// First fix of the stay.
        arrived_at: Timestamp,
    },
    /// A visit's departure was confirmed.
    VisitEnded {
        /// The visit.
        visit_id: i64,
        /// Where.
        place_id: i64,
        /// First fix of the stay.
        arrived_at: Timestamp,
        /// Last fix inside the stay.
        departed_at: Timestamp,
        /// Length in whole minutes.
        minutes: i64,
    },
    /// A place was recognised as home or work (or stopped being one).
    PlaceClassified {
        /// The place.
        place_id: i64,
        /// Its new kind.
        place_kind: PlaceKind,
    },
    /// The day's step goal was reached (once per local day).
    StepGoalReached {
        /// The local day (serialised `YYYY-MM-DD`).
        day: NaiveDate,
        /// Steps counted.
        steps: u64,
        /// The goal.
        goal: u32,
    },
    /// The shopper has been sitting for the sedentary period.
    InactivityNudge {
        /// Start of the sedentary stretch.
        sedentary_since: Timestamp,
        /// Its length in minutes.
        minutes: i64,
    },
    /// The phone entered a catalog place's fence.
    FenceEntered {
        /// The catalog place.
        place_id: String,
        /// Its merchant.
        merchant_id: String,
    },
    /// The phone has stayed in a catalog place's fence for the shortest
    /// dwell any of its offers asks for.
    FenceDwelled {
        /// The catalog place.
        place_id: String,
        /// Its merchant.
        merchant_id: String,
        /// When the stay began.
        since: Timestamp,
    },
    /// The phone left a catalog place's fence (the time is when it was
    /// first seen outside).
    FenceExited {
        /// The catalog place.
        place_id: String,
        /// Its merchant.
        merchant_id: String,
        /// When the stay began.
        entered_at: Timestamp,
    },
    /// An offer fired: show it. It can be claimed until `expires_at`.
    OfferTriggered {
        /// Id of this instance, for `presented` / `dismissed` / `redeemed`.
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
        expires_at: Timestamp,
    },
    /// An offer could have fired but did not; `reason` says why.
    OfferSuppressed {
        /// The catalog offer.
        offer_id: String,
        /// Its merchant.
        merchant_id: String,
        /// The place involved.
        place_id: String,
        /// What would have triggered it.
        trigger: OfferTrigger,
        /// Why it did not fire.
        #[serde(flatten)]
        reason: Suppression,
    },
    /// An offer would have fired, but this install is in its holdout: it is
    /// recorded (to measure lift) and never shown.
    OfferHeldOut {
        /// Id of the recorded instance.
        instance_id: i64,
        /// The catalog offer.
        offer_id: String,
        /// Its merchant.
        merchant_id: String,
    },
    /// A triggered offer's claim window ended unused (the time is the end
    /// of the window).
    OfferExpired {
        /// The instance.
        instance_id: i64,
        /// The catalog offer.
        offer_id: String,
    },
    /// A routine's expected visit is past its tolerance (see
    /// `docs/routines.md`): fires once per missed cycle, at the instant it
    /// became overdue (`expected + tolerance` on the device's wall clock),
    /// from `tick` or any input that moves the clock past it. Not for home
    /// or work.
    RoutineOverdue {
        /// The routine (`place:<id>` or `category:<name>`).
        routine_id: String,
        /// When the missed visit was expected.
        expected_at: Timestamp,
        /// Consecutive cycles missed (1, then 2; the third lapses the
        /// routine silently).
        cycles_missed: u32,
        /// Local calendar days from the expected visit's day to the event's.
        days_overdue: i32,
        /// The routine's period in days.
        period_days: f64,
    },
    /// A visit served an overdue (or lapsed) routine: it is back on track.
    RoutineResumed {
        /// The routine.
        routine_id: String,
        /// Cycles that had been missed.
        cycles_missed: u32,
        /// When the next visit is now expected.
        next_expected_at: Timestamp,
    },
    /// The shopper, on the move, is heading towards a catalog place that
    /// serves an overdue routine: remind them (at most once per routine per
    /// day; never at home or in quiet hours).
    OnTheWayReminder {
        /// The overdue routines the place serves.
        routine_ids: Vec<String>,
        /// The catalog place.
        place_id: String,
        /// Its merchant.
        merchant_id: String,
        /// Distance from the shopper to the place's fence, metres.
        distance_m: f64,
        /// Local calendar days the most overdue of the routines is overdue.
        days_overdue: i32,
    },
    /// A message (a routine reminder, a step-goal message or an inactivity
    /// nudge) was due but the notification budget held it: it is not
    /// shown. Held offers are `OfferSuppressed` with reason
    /// `notification_budget` instead.
    NotificationHeld {
        /// The message held.
        message: MessageKind,
        /// Always `notification_budget`.
        reason: HoldReason,
        /// Which limit of the budget held it.
        limit: BudgetLimit,
        /// When a message of its kind may be shown again.
        until: Timestamp,
        /// The day's budget, or the gap in minutes.
        allowance: i64,
    },
    /// A message the notification budget held earlier was tried again:
    /// shown now (its own event follows), or dropped (no longer relevant,
    /// or its day ended) (`domain::offers::held`).
    NotificationRetried {
        /// The message.
        message: MessageKind,
        /// When the budget held it.
        held_at: Timestamp,
        /// What became of it.
        outcome: crate::domain::offers::budget::RetryOutcome,
    },
    /// A new catalog is in force.
    CatalogLoaded {
        /// Its version.
        version: u64,
        /// Offers it holds.
        offers: u64,
        /// Fences it holds.
        fences: u64,
    },
    /// Catalog tiles were loaded (ADR 0012): at a sync that brought tiles
    /// (whole or as deltas), or through `Engine::load_tiles`. Followed by
    /// the `CatalogLoaded` of the merged catalog. Counts and a version
    /// only: no tile id or coordinate, so it says when a region's offers
    /// arrived without saying where the phone is.
    TilesLoaded {
        /// The version of the signed catalog header the tiles are under.
        header_version: u64,
        /// Tiles that arrived (whole or patched by a delta) and are held.
        tiles_updated: u64,
        /// Tiles held after the load (the region within the memory budget).
        tiles_held: u64,
    },
    /// The sensing plan changed enough for the app to re-tune its location
    /// requests (reported once the app has asked for the plan with
    /// `Engine::sensing_plan`; `docs/geofencing.md`, "The sensing plan").
    SensingPlanChanged {
        /// The class of fix to ask for.
        accuracy: crate::domain::sensing::Accuracy,
        /// Time between fixes, ms.
        interval_ms: i64,
        /// Displacement filter, metres.
        min_displacement_m: f64,
        /// Whether to wake the app when the shopper starts moving.
        wake_on_motion: bool,
        /// The rule that applied.
        reason: crate::domain::sensing::SensingReason,
        /// Whether the wake regions changed (read them with
        /// `Engine::sensing_plan` and register them again).
        regions_changed: bool,
    },
    /// The device clock had been wrong and was corrected: `tick` said the
    /// present is `to`, more than `policy::CLOCK_CORRECTION_MS` (7 days) before the engine's clock `from`
    /// (which an input from the wrong clock had moved there). The engine
    /// moved its clock back to `to` and forgot its working state after it
    /// (ADR 0009); what it recorded at those instants stays recorded.
    ClockCorrected {
        /// The engine clock before the correction.
        from: Timestamp,
        /// The corrected present.
        to: Timestamp,
    },
    /// The profile database was unreadable at open; it was moved aside and
    /// the engine started with a fresh one.
    DatabaseRecovered {
        /// Where the unreadable file now lies.
        moved_to: String,
        /// What was wrong.
        reason: String,
    },
}

/// What kind of movement made an offer fire (or would have): the kind of
/// the offer's catalog trigger, without its parameters. Serialised in
/// snake_case (`enter`, `dwell`, `exit`, `nearby`), as the catalog writes
/// the trigger's `type`.
///
/// Not `#[non_exhaustive]`, like [`EventKind`]: the bindings mirror both
/// with exhaustive matches, so a new variant fails their build (and gets
/// its Kotlin and Swift counterpart) instead of being mapped to a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
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

impl OfferTrigger {
    /// The snake_case name, as serialised and as the offer history stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            OfferTrigger::Enter => "enter",
            OfferTrigger::Dwell => "dwell",
            OfferTrigger::Exit => "exit",
            OfferTrigger::Nearby => "nearby",
        }
    }
}

impl From<&Trigger> for OfferTrigger {
    fn from(t: &Trigger) -> Self {
        match t {
            Trigger::Enter => OfferTrigger::Enter,
            Trigger::Dwell { .. } => OfferTrigger::Dwell,
            Trigger::Exit => OfferTrigger::Exit,
            Trigger::Nearby { .. } => OfferTrigger::Nearby,
        }
    }
}

impl std::fmt::Display for OfferTrigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EventKind {
    /// [`EventKind::TilesLoaded`]: `tiles_updated` tiles arrived (and are
    /// held), `tiles_held` held in all, under header `header_version`.
    pub fn tiles_loaded(header_version: u64, tiles_updated: usize, tiles_held: usize) -> EventKind {
        EventKind::TilesLoaded { header_version, tiles_updated: tiles_updated as u64, tiles_held: tiles_held as u64 }
    }
}

impl Event {
    /// An event at `at`.
    pub fn new(at: Timestamp, kind: EventKind) -> Self {
        Event { at, kind }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_and_days_keep_their_json_spellings() {
        let at = Timestamp::from_millis(1_795_600_800_000);
        let offer = Event::new(
            at,
            EventKind::OfferTriggered {
                instance_id: 1,
                offer_id: "o".into(),
                merchant_id: "m".into(),
                place_id: "p".into(),
                trigger: OfferTrigger::from(&Trigger::Dwell { minutes: 5 }),
                title: "t".into(),
                expires_at: at,
            },
        );
        let json = serde_json::to_value(&offer).unwrap();
        assert_eq!((json["kind"].as_str(), json["trigger"].as_str()), (Some("offer_triggered"), Some("dwell")));
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let goal = Event::new(at, EventKind::StepGoalReached { day, steps: 8000, goal: 7500 });
        assert_eq!(serde_json::to_value(&goal).unwrap()["day"].as_str(), Some("2026-11-24"));
        for (t, name) in
            [(OfferTrigger::Enter, "enter"), (OfferTrigger::Exit, "exit"), (OfferTrigger::Nearby, "nearby")]
        {
            assert_eq!((t.as_str(), serde_json::to_value(t).unwrap()), (name, serde_json::json!(name)));
        }
    }

    #[test]
    fn tiles_loaded_is_counts_and_a_version_without_a_tile_id_or_coordinate() {
        let at = Timestamp::from_millis(1_795_600_800_000);
        let e = Event::new(at, EventKind::tiles_loaded(7, 2, 9));
        let json = serde_json::to_value(&e).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["header_version", "kind", "t", "tiles_held", "tiles_updated"]);
        assert_eq!(json["kind"], "tiles_loaded");
        assert_eq!((json["header_version"].as_u64(), json["tiles_updated"].as_u64()), (Some(7), Some(2)));
    }
}
