//! Events: what the engine tells the app. Every call that records input or
//! advances time returns the events it caused, in time order.

use crate::time::Timestamp;
use crate::visits::PlaceKind;
use serde::Serialize;

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
        /// The local day, `YYYY-MM-DD`.
        day: String,
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
    /// The profile database was unreadable at open; it was moved aside and
    /// the engine started with a fresh one.
    DatabaseRecovered {
        /// Where the unreadable file now lies.
        moved_to: String,
        /// What was wrong.
        reason: String,
    },
}

impl Event {
    /// An event at `at`.
    pub fn new(at: Timestamp, kind: EventKind) -> Self {
        Event { at, kind }
    }
}
