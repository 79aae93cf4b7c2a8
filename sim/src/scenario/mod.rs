//! Scenarios: a TOML file that sets up an engine (zone, settings, catalog,
//! the shopper's history), replays tracks and steps through it with the
//! app's actions, and states which lines must or must not appear.
//!
//! | file | holds |
//! | --- | --- |
//! | `file.rs` | the file as written (serde types) |
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
pub mod run;
mod segments;
pub mod tiles;
pub mod till;
mod tracks;

use crate::rejections::{self, FixSource, ReadRefusal};
use catalog::CatalogPlan;
use chrono_tz::Tz;
use clock::Clock;
use file::{PlaceRef, ScenarioFile};
use kairos_core::privacy::Purpose;
use kairos_core::{EngineConfig, LocationFix, StepSample, Timestamp};
use matchers::Matcher;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

/// Resolves names and times while a scenario file is read.
pub struct Resolver<'a> {
    clock: Clock,
    places: &'a BTreeMap<String, (f64, f64)>,
    catalog: Option<&'a CatalogPlan>,
}

impl Resolver<'_> {
    /// A scenario time.
    pub fn time(&self, s: &str) -> Result<Timestamp, String> {
        self.clock.parse(s)
    }

    /// An instant in local time, for messages.
    pub fn show(&self, t: Timestamp) -> String {
        t.in_tz(self.clock.tz).format("%Y-%m-%d %H:%M:%S").to_string()
    }

    /// A place's point.
    pub fn place(&self, p: &PlaceRef) -> Result<(f64, f64), String> {
        match p {
            PlaceRef::Point(ll) => check_point(ll.lat, ll.lon),
            PlaceRef::Named(name) => {
                if let Some(&p) = self.places.get(name) {
                    return Ok(p);
                }
                if let Some(p) = self.catalog.and_then(|c| catalog::place_centre(&c.catalog, name)) {
                    return Ok(p);
                }
                let known: Vec<&str> = self.places.keys().map(String::as_str).collect();
                Err(format!(
                    "unknown place {name:?}: not in [places] ({}) nor a catalog place id",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ))
            }
        }
    }
}

fn check_point(lat: f64, lon: f64) -> Result<(f64, f64), String> {
    if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0 {
        Ok((lat, lon))
    } else {
        Err(format!("({lat}, {lon}) is not a point (latitude within ±90, longitude within ±180)"))
    }
}

/// Reads and checks the scenario at `path` (paths inside are relative to
/// its folder). Every error names what is wrong and where.
pub fn load(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(path, &text)
}

/// Reads and checks the scenario `text` as if read from `path` (files it
/// names are read relative to `path`'s folder), as [`load`] does.
pub fn parse(path: &Path, text: &str) -> Result<Scenario, String> {
    let shown = path.display().to_string();
    let file: ScenarioFile = toml::from_str(text).map_err(|e| format!("{shown}: {}", e.to_string().trim_end()))?;
    resolve(path, file).map_err(|e| format!("{shown}: {e}"))
}

fn resolve(path: &Path, f: ScenarioFile) -> Result<Scenario, String> {
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let tz: Tz = f.time_zone.parse().map_err(|_| format!("time_zone {:?} is not an IANA zone", f.time_zone))?;
    let start = clock::Clock { tz, day: chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date") }
        .parse(&f.start)
        .map_err(|e| format!("start: {e}"))?;
    let clock = Clock { tz, day: start.local_day(tz) };
    let until = f.until.as_deref().map(|u| clock.parse(u)).transpose().map_err(|e| format!("until: {e}"))?;
    let window_ms = match f.tick_seconds {
        Some(s) if (1..=3600).contains(&s) => i64::from(s) * 1000,
        Some(s) => return Err(format!("tick_seconds must be within 1..=3600, got {s}")),
        None => 60_000,
    };
    let config = settings(&f, tz)?;
    let mut places = BTreeMap::new();
    for (name, ll) in &f.places {
        places.insert(name.clone(), check_point(ll.lat, ll.lon).map_err(|e| format!("[places] {name}: {e}"))?);
    }
    let catalog = match &f.catalog {
        Some(c) => {
            let load_at = c
                .load_at
                .as_deref()
                .map(|t| clock.parse(t))
                .transpose()
                .map_err(|e| format!("[catalog] load_at: {e}"))?;
            Some(catalog::resolve(c, &dir, load_at)?)
        }
        None => None,
    };
    let r = Resolver { clock, places: &places, catalog: catalog.as_ref() };
    let consent = match &f.consent {
        Some(c) => {
            if c.policy_version.trim().is_empty() {
                return Err("[consent] policy_version must name the policy the shopper saw".into());
            }
            let at = c.at.as_deref().map(|t| r.time(t)).transpose().map_err(|e| format!("[consent] at: {e}"))?;
            let choices: Vec<(Purpose, bool)> = [
                (Purpose::Activity, c.activity),
                (Purpose::Visits, c.visits),
                (Purpose::Offers, c.offers),
                (Purpose::Social, c.social),
            ]
            .into_iter()
            .filter_map(|(p, g)| g.map(|g| (p, g)))
            .collect();
            if choices.is_empty() {
                return Err("[consent] gives no choice: set activity, visits, offers or social".into());
            }
            Some(Consent { choices, policy_version: c.policy_version.clone(), at })
        }
        None => None,
    };
    let sync_at = f.sync_at.as_deref().map(|t| r.time(t)).transpose().map_err(|e| format!("sync_at: {e}"))?;
    let syncs = tiles::syncs(&f.sync, &r, catalog.as_ref())?;
    let social = match &f.social {
        Some(s) => {
            let at = r.time(&s.sync_at).map_err(|e| format!("[social] sync_at: {e}"))?;
            let mut friends = Vec::new();
            for (i, friend) in s.friend.iter().enumerate() {
                let mut visits = Vec::new();
                for v in &friend.visits {
                    let day = chrono::NaiveDate::parse_from_str(&v.day, "%Y-%m-%d")
                        .map_err(|_| format!("[[social.friend]] {}: day {:?} is not YYYY-MM-DD", i + 1, v.day))?;
                    visits.push((v.merchant.clone(), day));
                }
                friends.push(visits);
            }
            Some(Social { sync_at: at, friends })
        }
        None => None,
    };

    let mut history = Vec::new();
    for (i, v) in f.history.visit.iter().enumerate() {
        let what = format!("[[history.visit]] {}", i + 1);
        let (lat, lon) = r.place(&v.place).map_err(|e| format!("{what}: place: {e}"))?;
        let at = r.time(&v.at).map_err(|e| format!("{what}: at: {e}"))?;
        if !(v.minutes.is_finite() && v.minutes >= 1.0) {
            return Err(format!("{what}: minutes must be at least 1"));
        }
        if at.plus_millis((v.minutes * 60_000.0) as i64 + 10 * 60_000) > start {
            return Err(format!("{what}: a history visit must end (with 10 minutes to leave) before start"));
        }
        history.push(HistoryVisit { lat, lon, at, minutes: v.minutes });
    }
    history.sort_by_key(|v| v.at);

    let tracks::Tracks { fixes, fix_sources, fix_delivery, read_refusals, notes, mut steps } =
        tracks::read(&r, &f.track, &dir)?;
    for (i, s) in f.steps.iter().enumerate() {
        steps.extend(step_entry(&r, s, &dir).map_err(|e| format!("[[steps]] {}: {e}", i + 1))?);
    }
    // Fixes outside the engine's time range are refused alone during the
    // replay: they neither start it early nor end it late.
    let in_range = |f: &&LocationFix| rejections::in_time_range(f);
    if let Some(early) =
        fixes.iter().filter(in_range).map(|f| f.at).chain(steps.iter().map(|s| s.end())).filter(|t| *t < start).min()
    {
        return Err(format!(
            "an input at {} is before start {}: put the past in [history]",
            r.show(early),
            r.show(start)
        ));
    }

    let mut actions = Vec::new();
    for (i, a) in f.action.iter().enumerate() {
        let what = format!("[[action]] {}", i + 1);
        let act = match a.act.as_str() {
            "present" => Act::Present,
            "redeem" => Act::Redeem,
            "dismiss" => Act::Dismiss,
            other => return Err(format!("{what}: do = {other:?}: expected present, redeem or dismiss")),
        };
        let refused = match a.refused.as_deref() {
            None => None,
            Some("store_closed") => Some(Refusal::StoreClosed),
            Some("invalid_offer_transition") => Some(Refusal::InvalidOfferTransition),
            Some("unknown_offer") => Some(Refusal::UnknownOffer),
            Some(other) => {
                return Err(format!(
                    "{what}: refused = {other:?}: expected store_closed, invalid_offer_transition or unknown_offer"
                ))
            }
        };
        if let Some(c) = &catalog {
            if !c.catalog.merchants.iter().any(|m| m.offer(&a.offer).is_some()) {
                return Err(format!("{what}: offer {:?} is not in the catalog", a.offer));
            }
        }
        actions.push(Action {
            at: r.time(&a.at).map_err(|e| format!("{what}: at: {e}"))?,
            act,
            offer_id: a.offer.clone(),
            refused,
        });
    }
    actions.sort_by_key(|a| a.at);

    let last_input =
        fixes.iter().filter(in_range).map(|f| f.at).chain(steps.iter().map(|s| s.end())).max().unwrap_or(start);
    let end = until.unwrap_or(last_input).max(last_input);
    let mut expectations = Vec::new();
    for (i, e) in f.expect.iter().enumerate() {
        expectations
            .push(expect_entry(&r, e, start, end).map_err(|m| format!("[[expect]] {} ({}): {m}", i + 1, e.kind))?);
    }
    for (i, n) in f.never.iter().enumerate() {
        let what = format!("[[never]] {} ({})", i + 1, n.kind);
        check_kind(&n.kind).map_err(|m| format!("{what}: {m}"))?;
        let from = n.from.as_deref().map(|t| r.time(t)).transpose().map_err(|m| format!("{what}: from: {m}"))?;
        let to = n.to.as_deref().map(|t| r.time(t)).transpose().map_err(|m| format!("{what}: to: {m}"))?;
        expectations.push(Expectation {
            polarity: Polarity::Never,
            kind: n.kind.clone(),
            at: None,
            from: from.unwrap_or(start),
            to: to.unwrap_or(Timestamp(i64::MAX)),
            fields: fields(&n.fields, &clock).map_err(|m| format!("{what}: {m}"))?,
            count: None,
            place: None,
            note: n.note.clone(),
        });
    }
    if expectations.is_empty() {
        return Err("a scenario needs at least one [[expect]] or [[never]]".into());
    }
    let mut config = config;
    config.install_id = Some(f.install_id.clone());
    if let Some(c) = &catalog {
        config.catalog_keys = vec![(c.key_id.clone(), c.public_key.clone())];
    }
    Ok(Scenario {
        path: path.to_path_buf(),
        name: f.name,
        description: f.description,
        needs_dense_sensing: f
            .needs_dense_sensing
            .or_else(|| catalog.as_ref().and_then(|c| c.tiles.as_ref()).map(|_| tiles::DENSE_ONLY.to_string())),
        tz,
        start,
        until,
        window_ms,
        config,
        catalog,
        consent,
        sync_at,
        syncs,
        social,
        places,
        history,
        fixes,
        fix_sources,
        fix_delivery,
        read_refusals,
        notes,
        steps,
        actions,
        expectations,
    })
}

fn check_kind(kind: &str) -> Result<(), String> {
    if known_kinds().contains(&kind) {
        Ok(())
    } else {
        Err(format!("unknown kind {kind:?}; known kinds: {}", known_kinds().join(", ")))
    }
}

fn fields(t: &toml::Table, clock: &Clock) -> Result<Vec<(String, Matcher)>, String> {
    t.iter().map(|(k, v)| Ok((k.clone(), Matcher::parse(v, clock).map_err(|e| format!("fields.{k}: {e}"))?))).collect()
}

fn expect_entry(
    r: &Resolver<'_>,
    e: &file::ExpectFile,
    start: Timestamp,
    end: Timestamp,
) -> Result<Expectation, String> {
    check_kind(&e.kind)?;
    let at = e.at.as_deref().map(|t| r.time(t)).transpose().map_err(|m| format!("at: {m}"))?;
    let from = e.from.as_deref().map(|t| r.time(t)).transpose().map_err(|m| format!("from: {m}"))?;
    let to = e.to.as_deref().map(|t| r.time(t)).transpose().map_err(|m| format!("to: {m}"))?;
    if at.is_some() && (from.is_some() || to.is_some()) {
        return Err("give at (with within_minutes) or from/to, not both".into());
    }
    if e.within_minutes.is_some() && at.is_none() {
        return Err("within_minutes goes with at".into());
    }
    let probe = matches!(e.kind.as_str(), "today" | "place" | "outbox");
    if probe && at.is_none() {
        return Err(format!("a {} check needs at (when to look)", e.kind));
    }
    if e.place.is_some() != (e.kind == "place") {
        return Err("place = ... is given exactly for kind = \"place\"".into());
    }
    let tol = match e.within_minutes {
        Some(m) if m.is_finite() && m >= 0.0 => (m * 60_000.0).round() as i64,
        Some(m) => return Err(format!("within_minutes must be a non-negative number, got {m}")),
        None if probe => 0,
        None => 60_000,
    };
    let (from, to) = match at {
        Some(at) => (at.plus_millis(-tol), at.plus_millis(tol)),
        None => (from.unwrap_or(start), to.unwrap_or(end.max(start)).max(from.unwrap_or(start))),
    };
    let place = e.place.as_ref().map(|p| r.place(p)).transpose().map_err(|m| format!("place: {m}"))?;
    Ok(Expectation {
        polarity: Polarity::Expect,
        kind: e.kind.clone(),
        at,
        from,
        to,
        fields: fields(&e.fields, &r.clock)?,
        count: e.count,
        place,
        note: e.note.clone(),
    })
}

fn step_entry(r: &Resolver<'_>, s: &file::StepsFile, dir: &Path) -> Result<Vec<StepSample>, String> {
    match (s.file.as_ref(), s.from.as_ref(), s.at.as_ref()) {
        (Some(name), None, None) if s.to.is_none() && s.steps.is_none() && s.counter.is_none() => {
            crate::inputs::read_steps(&dir.join(name)).map_err(|e| e.to_string())
        }
        (None, Some(from), None) if s.counter.is_none() => {
            let (Some(to), Some(steps)) = (&s.to, s.steps) else {
                return Err("an interval needs from, to and steps".into());
            };
            let (start, end) = (r.time(from)?, r.time(to)?);
            let sample = StepSample::Interval { start, end, steps };
            sample.validate()?;
            Ok(vec![sample])
        }
        (None, None, Some(at)) if s.to.is_none() && s.steps.is_none() => {
            let count = s.counter.ok_or("a counter reading needs at and counter")?;
            Ok(vec![StepSample::Counter { at: r.time(at)?, count_since_boot: count }])
        }
        _ => Err("give file, or from/to/steps (an interval), or at/counter (a step counter reading)".into()),
    }
}

fn settings(f: &ScenarioFile, tz: Tz) -> Result<EngineConfig, String> {
    let s = &f.settings;
    let mut c = EngineConfig::new(PathBuf::new(), tz.name());
    let minutes = |m: i64| m.saturating_mul(60_000);
    if let Some(v) = s.step_goal {
        c.step_goal = v;
    }
    if let Some(v) = s.sedentary_minutes {
        c.sedentary_ms = minutes(v);
    }
    if let Some([a, b]) = s.waking_hours {
        c.waking_hours = (a, b);
    }
    if let Some(v) = s.stay_radius_m {
        c.stay_radius_m = v;
    }
    if let Some(v) = s.min_dwell_minutes {
        c.min_dwell_ms = minutes(v);
    }
    if let Some(v) = s.gap_minutes {
        c.gap_threshold_ms = minutes(v);
    }
    if let Some(v) = s.raw_fix_retention_days {
        c.raw_fix_retention_ms = minutes(v).saturating_mul(24 * 60);
    }
    if let Some([a, b]) = s.quiet_hours {
        c.offer_policy.quiet_hours = (a, b);
    }
    if let Some(v) = s.offers_per_day {
        c.offer_policy.global_per_day = v;
    }
    if let Some(v) = s.offer_gap_minutes {
        c.offer_policy.global_min_gap_ms = minutes(v);
    }
    if let Some(v) = s.merchant_offers_per_day {
        c.offer_policy.merchant_per_day = v;
    }
    if let Some(v) = s.dismissal_cooldown_days {
        c.offer_policy.dismissal_cooldown_ms = minutes(v).saturating_mul(24 * 60);
    }
    if let Some(v) = s.notifications_per_day {
        c.notification_budget.per_day = v;
    }
    if let Some(v) = s.notification_gap_minutes {
        c.notification_budget.min_gap_ms = minutes(v);
    }
    // The engine checks the values when it opens; check them now so that
    // `validate` reports them.
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary profile: {e}"))?;
    let mut probe = c.clone();
    probe.data_dir = dir.path().to_path_buf();
    kairos_core::Engine::open(probe).map_err(|e| format!("[settings]: {e}"))?;
    Ok(c)
}
