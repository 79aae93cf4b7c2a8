//! What the engine holds: what it keeps between calls ([`EngineState`],
//! saved with every write), the settings fixed at open ([`Settings`]), and
//! one call's view of both ([`Ctx`], which the write path in `pipeline.rs`
//! works on).
//!
//! The serialised form of [`EngineState`] is stored in the profile: its
//! field names and defaults are a format; change them only with a
//! migration.

use crate::domain::event::Event;
use crate::domain::location::{FixFilter, LocationFix};
use crate::domain::steps::{CounterState, InactivityState};
use crate::domain::time::Timestamp;
use crate::domain::visits::{PlaceBook, StayDetector, StayParams};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A visit under way.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct OpenVisit {
    /// The visit's row.
    pub visit_id: i64,
    /// The place it is at.
    pub place_id: i64,
    /// Its first fix.
    pub arrived_at: Timestamp,
}

/// Everything the engine keeps between calls, persisted in each write.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct EngineState {
    /// The latest time seen from any input or `tick`; never goes back.
    pub clock: Option<Timestamp>,
    /// Orders, de-duplicates and sanity-checks fixes.
    pub filter: FixFilter,
    /// Finds stays in the accepted fixes.
    pub detector: StayDetector,
    /// The visit under way, if any.
    pub open_visit: Option<OpenVisit>,
    /// The step counter's last reading.
    pub counter: CounterState,
    /// What the inactivity nudge knows.
    pub activity: InactivityState,
    /// Which catalog fences the phone is in, with hysteresis.
    #[serde(default)]
    pub fences: crate::domain::fences::FenceTracker,
    /// Fences the phone is passing near (for `nearby` offers), latched
    /// until it moves away, so each approach counts once.
    #[serde(default)]
    pub near: std::collections::BTreeSet<crate::domain::fences::FenceId>,
    /// Latest movement speed estimate `(at, m/s)`.
    pub motion: Option<(Timestamp, f64)>,
    /// The fix that starts the current speed window (see
    /// `domain::location::estimate_speed`).
    pub prev_fix: Option<LocationFix>,
    /// The latest fix accepted in time order: where the sensing plan places
    /// the phone (`prev_fix` may be up to `SPEED_WINDOW_MS` older).
    #[serde(default)]
    pub last_fix: Option<LocationFix>,
    /// The last in-order fix before the latest forward leap of more than
    /// `policy::CLOCK_CORRECTION_MS` from one in-order fix to the next: the
    /// last fix a later clock correction can trust (the leap's own purge
    /// may have removed the stored ones; ADR 0009).
    #[serde(default)]
    pub fix_before_leap: Option<LocationFix>,
    /// Last retention purge.
    pub last_purge: Option<Timestamp>,
    /// The latest local day whose summaries were built.
    #[serde(default)]
    pub last_closed_day: Option<chrono::NaiveDate>,
    /// Summaries dropped from the outbox by its limits, ever.
    #[serde(default)]
    pub outbox_dropped: u64,
    /// When sync may try again.
    #[serde(default)]
    pub sync_backoff: crate::engine::sync::Backoff,
    /// What the on-the-way reminder watches.
    #[serde(default)]
    pub reminders: crate::domain::routines::reminder::ReminderWatch,
    /// The notification budget's memory: messages shown today, and when
    /// each kind was last shown.
    #[serde(default)]
    pub budget: crate::domain::offers::MessageBudget,
    /// Messages the budget held, waiting to be tried again.
    #[serde(default)]
    pub held: Vec<crate::domain::offers::held::HeldMessage>,
    /// Draws taken from this install's next-best-action stream.
    #[serde(default)]
    pub relevance_draws: u64,
}

/// Settings the write path needs, fixed at open.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The device's time zone.
    pub tz: Tz,
    /// What makes a stay.
    pub stay: StayParams,
    /// The daily step goal.
    pub step_goal: u32,
    /// How long raw fixes are kept.
    pub raw_fix_retention_ms: i64,
    /// Sitting time before an inactivity nudge.
    pub sedentary_ms: i64,
    /// Local hours the nudge may speak in.
    pub waking_hours: (u32, u32),
    /// Caps, quiet hours and manners of offers.
    pub offer_policy: crate::domain::offers::OfferPolicy,
    /// Radius of the tiles held around each anchor, metres.
    pub tile_radius_m: f64,
    /// The notification budget shared by every message.
    pub budget: crate::domain::offers::BudgetPolicy,
    /// How competing offers are ranked (the next best action).
    pub relevance: crate::domain::offers::RelevancePolicy,
    /// Which purposes' summaries are noised, with which epsilon.
    pub local_privacy: crate::domain::privacy::LocalPrivacy,
}

/// One call's view of the engine: the transaction, the state, the settings
/// and the events raised so far.
pub(crate) struct Ctx<'a> {
    /// The call's transaction.
    pub conn: &'a crate::store::Connection,
    /// The state kept between calls (saved with the transaction).
    pub st: &'a mut EngineState,
    /// The learned places, in memory.
    pub places: &'a mut PlaceBook,
    /// Fixed at open.
    pub set: &'a Settings,
    /// The catalog in force.
    pub catalog: Option<&'a crate::domain::offers::loaded::LoadedCatalog>,
    /// This install's id (holdout buckets).
    pub install_id: &'a str,
    /// Seals coordinates at rest.
    pub sealer: &'a crate::domain::privacy::seal::Sealer,
    /// Draws the local-privacy noise (never touched while it is off).
    pub noise: &'a mut crate::domain::privacy::ldp::NoiseSource,
    /// The events raised so far, in order.
    pub events: Vec<Event>,
    /// Fence hits and transitions, reused from fix to fix.
    pub scratch: Scratch,
}

/// Buffers reused from fix to fix within a write.
#[derive(Default)]
pub(crate) struct Scratch {
    pub hits: Vec<crate::domain::fences::FenceHit>,
    pub transitions: Vec<crate::domain::fences::FenceEvent>,
}
