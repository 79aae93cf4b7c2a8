//! Scenarios: a TOML file that sets up an engine (zone, settings, catalog,
//! the shopper's history), replays tracks and steps through it with the
//! app's actions, and states which lines must or must not appear.
//!
//! | file | holds |
//! | --- | --- |
//! | `file.rs` | the file as written (serde types) |
//! | `read.rs` | reading a file into a [`Scenario`], every part checked |
//! | `resolver.rs` | names and times resolved while it is read (below the track generators) |
//! | `clock.rs` | reading times, local or absolute |
//! | `catalog.rs` | signing or verifying the catalog |
//! | `segments.rs` | inline tracks from stay/walk/drive segments |
//! | `tracks.rs` | every `[[track]]`: files read and checked, inline ones generated |
//! | `matchers.rs` | field matchers of expectations |
//! | `run.rs` | the run through the real engine |
//! | `tiles.rs` | `[[sync]]` and tiled catalogs: the `tile_not_held` line |
//! | `expect.rs` | judging expectations and explaining failures |
//!
//! `docs/scenarios.md` documents the format field by field.

pub mod catalog;
pub mod clock;
pub mod expect;
pub mod file;
pub mod matchers;
pub mod read;
pub mod resolver;
pub mod run;
mod segments;
pub mod tiles;
pub mod till;
mod tracks;

use crate::rejections::{FixSource, ReadRefusal};
use catalog::CatalogPlan;
use chrono_tz::Tz;
use kairos_core::privacy::Purpose;
use kairos_core::{EngineConfig, LocationFix, StepSample, Timestamp};
use matchers::Matcher;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A scenario read, checked and ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its title.
    pub name: String,
    /// What it proves.
    pub description: String,
    /// Why it can only be replayed dense (`needs_dense_sensing`).
    pub needs_dense_sensing: Option<String>,
    /// The device zone.
    pub tz: Tz,
    /// When the replay starts.
    pub start: Timestamp,
    /// Keep ticking until then, if given.
    pub until: Option<Timestamp>,
    /// Replay window and tick cadence.
    pub window_ms: i64,
    /// The engine configuration, less the data directory.
    pub config: EngineConfig,
    /// The catalog, if any.
    pub catalog: Option<CatalogPlan>,
    /// The shopper's consent choices, if given.
    pub consent: Option<Consent>,
    /// When `--sync` syncs, if given.
    pub sync_at: Option<Timestamp>,
    /// `[[sync]]`: syncs during the replay, in time order.
    pub syncs: Vec<Timestamp>,
    /// Friends seeded through an embedded backend, and the shopper's sync
    /// that fetches their counts, if given.
    pub social: Option<Social>,
    /// Named places.
    pub places: BTreeMap<String, (f64, f64)>,
    /// Prior visits, in time order.
    pub history: Vec<HistoryVisit>,
    /// The replay's fixes, track by track, each in its file's order.
    pub fixes: Vec<LocationFix>,
    /// Where each fix came from (one per fix).
    pub fix_sources: Vec<FixSource>,
    /// When each fix is delivered to the engine (one per fix; see
    /// `[[track]] delivery`).
    pub fix_delivery: Vec<Timestamp>,
    /// Points the track readers refused alone.
    pub read_refusals: Vec<ReadRefusal>,
    /// What was read but is not replayed, in words (for `validate`).
    pub notes: Vec<String>,
    /// The replay's step samples.
    pub steps: Vec<StepSample>,
    /// The app's actions, in time order.
    pub actions: Vec<Action>,
    /// What must and must not happen.
    pub expectations: Vec<Expectation>,
}

/// `[consent]`, resolved.
#[derive(Debug, Clone)]
pub struct Consent {
    /// `(purpose, granted)` for each purpose given.
    pub choices: Vec<(Purpose, bool)>,
    /// The policy version the shopper saw.
    pub policy_version: String,
    /// When they chose, if given.
    pub at: Option<Timestamp>,
}

/// `[social]`, resolved.
#[derive(Debug, Clone)]
pub struct Social {
    /// When the shopper accepts the invites and syncs.
    pub sync_at: Timestamp,
    /// Each friend's visits, `(merchant id, local day)`.
    pub friends: Vec<Vec<(String, chrono::NaiveDate)>>,
}

/// A prior stay, replayed before the day.
#[derive(Debug, Clone, Copy)]
pub struct HistoryVisit {
    /// Where.
    pub lat: f64,
    /// Where.
    pub lon: f64,
    /// Arrival.
    pub at: Timestamp,
    /// Length in minutes.
    pub minutes: f64,
}

/// What the app does to an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// `Engine::presented`.
    Present,
    /// `Engine::redeemed`.
    Redeem,
    /// `Engine::dismissed`.
    Dismiss,
}

impl Act {
    /// The word in scenario files and timelines.
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Present => "present",
            Act::Redeem => "redeem",
            Act::Dismiss => "dismiss",
        }
    }
}

/// An app action at a time.
#[derive(Debug, Clone)]
pub struct Action {
    /// When.
    pub at: Timestamp,
    /// What.
    pub act: Act,
    /// On the latest instance triggered for this offer id.
    pub offer_id: String,
    /// The refusal the engine must answer with, if one is expected.
    pub refused: Option<Refusal>,
}

/// A refusal of an app action a scenario expects (`refused = "..."`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `KairosError::StoreClosed`: the place is closed.
    StoreClosed,
    /// `KairosError::InvalidOfferTransition`: the state does not allow it.
    InvalidOfferTransition,
    /// `KairosError::UnknownOffer`.
    UnknownOffer,
}

impl Refusal {
    /// The code in scenario files and timelines.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::StoreClosed => "store_closed",
            Refusal::InvalidOfferTransition => "invalid_offer_transition",
            Refusal::UnknownOffer => "unknown_offer",
        }
    }

    /// The refusal `e` is, if it is one of these.
    pub fn of(e: &kairos_core::KairosError) -> Option<Refusal> {
        match e {
            kairos_core::KairosError::StoreClosed { .. } => Some(Refusal::StoreClosed),
            kairos_core::KairosError::InvalidOfferTransition { .. } => Some(Refusal::InvalidOfferTransition),
            kairos_core::KairosError::UnknownOffer { .. } => Some(Refusal::UnknownOffer),
            _ => None,
        }
    }
}

/// Whether a line must appear or must not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    /// `[[expect]]`.
    Expect,
    /// `[[never]]`.
    Never,
}

/// One expectation, resolved.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// Expect or never.
    pub polarity: Polarity,
    /// The line kind.
    pub kind: String,
    /// The time the scenario named (`at`), if any.
    pub at: Option<Timestamp>,
    /// Inclusive range of `t` the line must fall in.
    pub from: Timestamp,
    /// End of that range.
    pub to: Timestamp,
    /// Field matchers.
    pub fields: Vec<(String, Matcher)>,
    /// Exact count, if given.
    pub count: Option<u32>,
    /// For `place` probes: the point.
    pub place: Option<(f64, f64)>,
    /// The scenario's note.
    pub note: Option<String>,
}

impl Expectation {
    /// Whether this expectation is answered by a probe of the engine at
    /// its time (`today`, `place`) rather than by events.
    pub fn is_probe(&self) -> bool {
        matches!(self.kind.as_str(), "today" | "place" | "outbox")
    }
}

/// Line kinds the simulator itself adds beside the engine's events.
pub const SIM_KINDS: [&str; 9] = [
    "app_action",
    "today",
    "place",
    "outbox",
    "consent",
    "sync",
    "fix_rejected",
    till::VERIFIED_KIND,
    tiles::NOT_HELD_KIND,
];

/// Every kind of line an expectation may name.
pub fn known_kinds() -> Vec<&'static str> {
    let mut k = vec![
        "visit_started",
        "visit_ended",
        "place_classified",
        "step_goal_reached",
        "inactivity_nudge",
        "fence_entered",
        "fence_dwelled",
        "fence_exited",
        "offer_triggered",
        "offer_suppressed",
        "offer_held_out",
        "offer_expired",
        "notification_held",
        "notification_retried",
        "catalog_loaded",
        "tiles_loaded",
        "routine_overdue",
        "routine_resumed",
        "on_the_way_reminder",
        "database_recovered",
        "clock_corrected",
    ];
    k.extend(SIM_KINDS);
    k
}
