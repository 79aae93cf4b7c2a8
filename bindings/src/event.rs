//! Events: what the engine tells the app. Every call that records input or
//! advances time returns the events it caused, in time order, and delivers
//! them to every live listener.

use crate::time::from_core;
use crate::visits::PlaceKind;
use kairos_core::EventKind;
use std::time::SystemTime;

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
        /// The local day, `YYYY-MM-DD`.
        day: String,
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
            EventKind::VisitStarted {
                visit_id,
                place_id,
                arrived_at,
            } => KairosEvent::VisitStarted {
                at,
                visit_id,
                place_id,
                arrived_at: from_core(arrived_at),
            },
            EventKind::VisitEnded {
                visit_id,
                place_id,
                arrived_at,
                departed_at,
                minutes,
            } => KairosEvent::VisitEnded {
                at,
                visit_id,
                place_id,
                arrived_at: from_core(arrived_at),
                departed_at: from_core(departed_at),
                minutes,
            },
            EventKind::PlaceClassified {
                place_id,
                place_kind,
            } => KairosEvent::PlaceClassified {
                at,
                place_id,
                place_kind: place_kind.into(),
            },
            EventKind::StepGoalReached { day, steps, goal } => KairosEvent::StepGoalReached {
                at,
                day,
                steps: i64::try_from(steps).unwrap_or(i64::MAX),
                goal: i32::try_from(goal).unwrap_or(i32::MAX),
            },
            EventKind::InactivityNudge {
                sedentary_since,
                minutes,
            } => KairosEvent::InactivityNudge {
                at,
                sedentary_since: from_core(sedentary_since),
                minutes,
            },
            EventKind::DatabaseRecovered { moved_to, reason } => KairosEvent::DatabaseRecovered {
                at,
                moved_to,
                reason,
            },
        }
    }
}
