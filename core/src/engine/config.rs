//! The configuration an app passes to [`crate::Engine::open`].

use crate::error::{Error, Result};
use crate::policy;
use chrono_tz::Tz;
use std::path::PathBuf;

/// Everything the engine needs to open. Build it with
/// [`EngineConfig::new`] and adjust fields as needed.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Directory that holds the profile database (created if missing).
    pub data_dir: PathBuf,
    /// The device's IANA time zone, e.g. `America/Los_Angeles`. Used to cut
    /// local days for steps and to judge night and waking hours.
    pub time_zone: String,
    /// Daily step goal.
    pub step_goal: u32,
    /// How long raw fixes are kept, in milliseconds.
    pub raw_fix_retention_ms: i64,
    /// Radius of a stay, in metres.
    pub stay_radius_m: f64,
    /// Dwell before a stay becomes a visit, in milliseconds.
    pub min_dwell_ms: i64,
    /// Silence longer than this is never counted as dwell, in milliseconds.
    pub gap_threshold_ms: i64,
    /// Sedentary period before an inactivity nudge, in milliseconds.
    pub sedentary_ms: i64,
    /// Local waking hours `[start, end)` within which nudges may fire.
    pub waking_hours: (u32, u32),
    /// Public keys that may sign catalogs, as `(key id, 32-byte Ed25519
    /// public key)`; several allow key rotation.
    pub catalog_keys: Vec<(String, Vec<u8>)>,
    /// This install's id, for holdout buckets. When `None` the engine uses
    /// the one it generated at first open (random, kept in the profile).
    pub install_id: Option<String>,
    /// Offer caps and manners.
    pub offer_policy: crate::domain::offers::OfferPolicy,
    /// The notification budget that offers, routine reminders, step-goal
    /// messages and inactivity nudges share (a daily count and a minimum
    /// gap; `docs/offers.md`).
    pub notification_budget: crate::domain::offers::BudgetPolicy,
    /// The next best action: how competing offers are ranked (learned, by
    /// default) and the relevance floor (`docs/offers.md`).
    pub relevance: crate::domain::offers::RelevancePolicy,
    /// The 32-byte key that seals raw fixes and place coordinates at rest.
    /// Apps generate it once and keep it in the Keychain or Keystore; the
    /// bindings require it. [`EngineConfig::new`] sets an all-zero key,
    /// which is for tests and the simulator only.
    pub sealing_key: [u8; 32],
    /// Optional local differential privacy for the counts of the daily
    /// summaries: an epsilon per purpose, all off by default
    /// (`docs/privacy.md`).
    pub local_privacy: crate::domain::privacy::LocalPrivacy,
    /// Seeds the local-privacy noise, for reproducible tests and
    /// simulations only: seeded noise is predictable and protects nothing.
    /// `None` (the default, and always in apps) draws from the system's
    /// secure generator.
    pub noise_seed: Option<u64>,
    /// Radius around home, work, the other learned places and the current
    /// position within which a tiled catalog's tiles are held, in metres
    /// (default [`policy::TILE_NEED_RADIUS_M`]; 100 to 50,000).
    pub tile_radius_m: f64,
}

impl EngineConfig {
    /// A configuration with every default, over `data_dir`, in `time_zone`.
    pub fn new(data_dir: impl Into<PathBuf>, time_zone: impl Into<String>) -> Self {
        EngineConfig {
            data_dir: data_dir.into(),
            time_zone: time_zone.into(),
            step_goal: policy::DEFAULT_STEP_GOAL,
            raw_fix_retention_ms: policy::DEFAULT_RAW_FIX_RETENTION_MS,
            stay_radius_m: policy::DEFAULT_STAY_RADIUS_M,
            min_dwell_ms: policy::DEFAULT_MIN_DWELL_MS,
            gap_threshold_ms: policy::DEFAULT_GAP_THRESHOLD_MS,
            sedentary_ms: policy::DEFAULT_SEDENTARY_MS,
            waking_hours: policy::DEFAULT_WAKING_HOURS,
            catalog_keys: Vec::new(),
            install_id: None,
            offer_policy: crate::domain::offers::OfferPolicy::default(),
            notification_budget: crate::domain::offers::BudgetPolicy::default(),
            relevance: crate::domain::offers::RelevancePolicy::default(),
            sealing_key: [0; 32],
            tile_radius_m: policy::TILE_NEED_RADIUS_M,
            local_privacy: crate::domain::privacy::LocalPrivacy::default(),
            noise_seed: None,
        }
    }

    /// Checks every field; returns the parsed time zone.
    pub(crate) fn validate(&self) -> Result<Tz> {
        let tz = parse_tz(&self.time_zone)?;
        let bad = |m: String| Err(Error::InvalidConfig(m));
        if self.step_goal == 0 {
            return bad("step_goal must be positive".into());
        }
        if !(self.tile_radius_m.is_finite() && (100.0..=50_000.0).contains(&self.tile_radius_m)) {
            return bad(format!("tile_radius_m must be within 100..=50000, got {}", self.tile_radius_m));
        }
        if self.raw_fix_retention_ms < 0 {
            return bad("raw_fix_retention_ms must not be negative".into());
        }
        if !(self.stay_radius_m.is_finite() && self.stay_radius_m >= 10.0 && self.stay_radius_m <= 5_000.0) {
            return bad(format!("stay_radius_m must be within 10..=5000, got {}", self.stay_radius_m));
        }
        if self.min_dwell_ms < 60_000 {
            return bad("min_dwell_ms must be at least one minute".into());
        }
        if self.gap_threshold_ms < self.min_dwell_ms {
            return bad("gap_threshold_ms must be at least min_dwell_ms".into());
        }
        if self.sedentary_ms < 60_000 {
            return bad("sedentary_ms must be at least one minute".into());
        }
        let (a, b) = self.waking_hours;
        if a > 23 || b > 24 || a >= b {
            return bad(format!("waking_hours must satisfy start < end <= 24, got {a}..{b}"));
        }
        let (q0, q1) = self.offer_policy.quiet_hours;
        if q0 > 23 || q1 > 24 {
            return bad(format!("quiet_hours must be hours of the day, got {q0}..{q1}"));
        }
        if self.offer_policy.global_min_gap_ms < 0 || self.offer_policy.dismissal_cooldown_ms < 0 {
            return bad("offer gaps and cooldowns must not be negative".into());
        }
        if self.notification_budget.per_day == 0 {
            return bad("notification_budget.per_day must be positive (no message at all is not a budget)".into());
        }
        if self.notification_budget.min_gap_ms < 0 {
            return bad("notification_budget.min_gap_ms must not be negative".into());
        }
        let r = self.relevance;
        if !(r.floor.is_finite() && (0.0..1.0).contains(&r.floor)) {
            return bad(format!("relevance.floor must be within 0..1, got {}", r.floor));
        }
        if !(r.prior_strength.is_finite() && r.prior_strength > 0.0) {
            return bad(format!("relevance.prior_strength must be positive, got {}", r.prior_strength));
        }
        if self.install_id.as_deref().is_some_and(|id| id.trim().is_empty()) {
            return bad("install_id must not be empty".into());
        }
        self.local_privacy.validate()?;
        Ok(tz)
    }

    /// The catalog keys as a key set, refusing malformed keys.
    pub(crate) fn keys(&self) -> Result<crate::domain::catalog::CatalogKeys> {
        let mut keys = crate::domain::catalog::CatalogKeys::new();
        for (id, key) in &self.catalog_keys {
            keys.insert(id, key).map_err(|e| Error::InvalidConfig(format!("catalog key {id:?}: {e}")))?;
        }
        Ok(keys)
    }
}

/// Parses an IANA time zone name with a clear error.
pub(crate) fn parse_tz(name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| {
        Error::InvalidConfig(format!("unknown time zone {name:?} (expected an IANA name such as Europe/Paris)"))
    })
}
