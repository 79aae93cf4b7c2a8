//! `EngineConfig`: what an app passes to `Engine.open`. Only the data
//! directory and the time zone are required; every tunable has a default on
//! the foreign side (Kotlin default arguments, Swift default initialiser
//! values) equal to the core's (a test below keeps them in step).

use crate::error::KairosError;
use kairos_core::time::{DAY_MS, MINUTE_MS};

/// Everything the engine needs to open.
///
/// Kotlin: `EngineConfig(dataDir = context.filesDir.path + "/kairos", timeZone = ZoneId.systemDefault().id)`.
/// Swift: `EngineConfig(dataDir: appSupport.path, timeZone: TimeZone.current.identifier)`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EngineConfig {
    /// Directory that holds the profile database (created if missing). Use
    /// app-private storage.
    pub data_dir: String,
    /// The device's IANA time zone, e.g. `America/Los_Angeles`. Cuts local
    /// days for steps and judges night and waking hours.
    pub time_zone: String,
    /// Daily step goal (positive).
    #[uniffi(default = 7500)]
    pub step_goal: i32,
    /// How long raw fixes are kept, in days.
    #[uniffi(default = 7)]
    pub raw_fix_retention_days: i32,
    /// Radius of a stay, in metres (10 to 5000).
    #[uniffi(default = 100.0)]
    pub stay_radius_m: f64,
    /// Dwell before a stay becomes a visit, in minutes (at least 1).
    #[uniffi(default = 5)]
    pub min_dwell_minutes: i32,
    /// Silence longer than this is never counted as dwell, in minutes (at
    /// least `min_dwell_minutes`).
    #[uniffi(default = 15)]
    pub gap_threshold_minutes: i32,
    /// Sitting time before an inactivity nudge, in minutes (at least 1).
    #[uniffi(default = 60)]
    pub sedentary_minutes: i32,
    /// First local hour (0–23) in which nudges may fire.
    #[uniffi(default = 8)]
    pub waking_hours_start: i32,
    /// Local hour (1–24) from which nudges stop, after `waking_hours_start`.
    #[uniffi(default = 21)]
    pub waking_hours_end: i32,
}

impl TryFrom<EngineConfig> for kairos_core::EngineConfig {
    type Error = KairosError;

    /// Converts units and refuses negative values; the core checks the rest.
    fn try_from(c: EngineConfig) -> Result<Self, KairosError> {
        let non_negative = |name: &str, v: i32| {
            u32::try_from(v).map_err(|_| {
                KairosError::invalid_input(format!("invalid configuration: {name} must not be negative, got {v}"))
            })
        };
        let mut core = kairos_core::EngineConfig::new(c.data_dir, c.time_zone);
        core.step_goal = non_negative("step_goal", c.step_goal)?;
        core.raw_fix_retention_ms =
            i64::from(non_negative("raw_fix_retention_days", c.raw_fix_retention_days)?) * DAY_MS;
        core.stay_radius_m = c.stay_radius_m;
        core.min_dwell_ms = i64::from(non_negative("min_dwell_minutes", c.min_dwell_minutes)?) * MINUTE_MS;
        core.gap_threshold_ms = i64::from(non_negative("gap_threshold_minutes", c.gap_threshold_minutes)?) * MINUTE_MS;
        core.sedentary_ms = i64::from(non_negative("sedentary_minutes", c.sedentary_minutes)?) * MINUTE_MS;
        core.waking_hours = (
            non_negative("waking_hours_start", c.waking_hours_start)?,
            non_negative("waking_hours_end", c.waking_hours_end)?,
        );
        Ok(core)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kairos_core::policy;
    use std::collections::BTreeMap;

    /// The `#[uniffi(default = ...)]` literals of this file, by field name.
    fn attribute_defaults() -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        let mut pending: Option<f64> = None;
        for line in include_str!("config.rs").lines().map(str::trim) {
            if let Some(v) = line.strip_prefix("#[uniffi(default = ").and_then(|r| r.strip_suffix(")]")) {
                pending = Some(v.parse().unwrap());
            } else if let (Some(v), Some(rest)) = (pending, line.strip_prefix("pub ")) {
                out.insert(rest.split(':').next().unwrap().to_string(), v);
                pending = None;
            }
        }
        out
    }

    /// uniffi needs literals in the attributes, so this test is what keeps
    /// the foreign-side defaults equal to the core's policy.
    #[test]
    fn foreign_defaults_equal_the_core_policy() {
        let expected: BTreeMap<String, f64> = [
            ("step_goal", f64::from(policy::DEFAULT_STEP_GOAL)),
            ("raw_fix_retention_days", (policy::DEFAULT_RAW_FIX_RETENTION_MS / DAY_MS) as f64),
            ("stay_radius_m", policy::DEFAULT_STAY_RADIUS_M),
            ("min_dwell_minutes", (policy::DEFAULT_MIN_DWELL_MS / MINUTE_MS) as f64),
            ("gap_threshold_minutes", (policy::DEFAULT_GAP_THRESHOLD_MS / MINUTE_MS) as f64),
            ("sedentary_minutes", (policy::DEFAULT_SEDENTARY_MS / MINUTE_MS) as f64),
            ("waking_hours_start", f64::from(policy::DEFAULT_WAKING_HOURS.0)),
            ("waking_hours_end", f64::from(policy::DEFAULT_WAKING_HOURS.1)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(attribute_defaults(), expected);
    }

    fn config(sedentary_minutes: i32) -> EngineConfig {
        EngineConfig {
            data_dir: "/d".into(),
            time_zone: "UTC".into(),
            step_goal: 8000,
            raw_fix_retention_days: 2,
            stay_radius_m: 80.0,
            min_dwell_minutes: 4,
            gap_threshold_minutes: 10,
            sedentary_minutes,
            waking_hours_start: 7,
            waking_hours_end: 22,
        }
    }

    #[test]
    fn units_are_converted() {
        let c = kairos_core::EngineConfig::try_from(config(45)).unwrap();
        assert_eq!(c.step_goal, 8000);
        assert_eq!(c.raw_fix_retention_ms, 2 * DAY_MS);
        assert_eq!(c.stay_radius_m, 80.0);
        assert_eq!(
            (c.min_dwell_ms, c.gap_threshold_ms, c.sedentary_ms),
            (4 * MINUTE_MS, 10 * MINUTE_MS, 45 * MINUTE_MS)
        );
        assert_eq!(c.waking_hours, (7, 22));
    }

    #[test]
    fn negative_values_are_refused_by_name() {
        let e = kairos_core::EngineConfig::try_from(config(-5)).unwrap_err();
        assert_eq!(
            e,
            KairosError::invalid_input("invalid configuration: sedentary_minutes must not be negative, got -5")
        );
    }
}
