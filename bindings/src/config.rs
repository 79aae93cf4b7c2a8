//! `EngineConfig`: what an app passes to `Engine.open`. Only the data
//! directory and the time zone are required; every tunable has a default on
//! the foreign side (Kotlin default arguments, Swift default initialiser
//! values) equal to the core's (a test below keeps them in step).

use crate::error::KairosError;
use kairos_core::time::{DAY_MS, MINUTE_MS};

/// A public key that may sign offer catalogs (Ed25519). The backend names
/// its signing key in every catalog envelope (`key_id`); the engine accepts
/// a catalog only if a key given here under that id verifies it. Give
/// several to rotate keys.
///
/// Kotlin: `CatalogKey("2026-11", Base64.getDecoder().decode(pub))`.
/// Swift: `CatalogKey(keyId: "2026-11", publicKey: Data(base64Encoded: pub)!)`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CatalogKey {
    /// The key's id, as catalog envelopes name it (`"key_id"`).
    pub key_id: String,
    /// The raw 32-byte Ed25519 public key (not base64, not DER).
    pub public_key: Vec<u8>,
}

/// Everything the engine needs to open.
///
/// Kotlin: `EngineConfig(dataDir = context.filesDir.path + "/kairos", timeZone = ZoneId.systemDefault().id, sealingKey = keyFromKeystore)`.
/// Swift: `EngineConfig(dataDir: appSupport.path, timeZone: TimeZone.current.identifier, sealingKey: keyFromKeychain)`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EngineConfig {
    /// Directory that holds the profile database (created if missing). Use
    /// app-private storage.
    pub data_dir: String,
    /// The device's IANA time zone, e.g. `America/Los_Angeles`. Cuts local
    /// days for steps and judges night and waking hours.
    pub time_zone: String,
    /// The 32-byte key that seals raw fixes and place coordinates at rest.
    /// Generate it once with a secure random generator and keep it in the
    /// Keychain (iOS) or the Android Keystore; opening with another key
    /// throws `WrongKey` and changes nothing.
    pub sealing_key: Vec<u8>,
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
    /// Keys that may sign catalogs. Without any, every catalog is refused
    /// (`InvalidCatalog`); a malformed key fails `open` with `InvalidInput`.
    #[uniffi(default = [])]
    pub catalog_keys: Vec<CatalogKey>,
    /// This install's id, for the deterministic holdout of offers that
    /// measure lift. `nil`/`null`: the engine generates a random one at the
    /// first open and keeps it in the profile. Not blank.
    #[uniffi(default = None)]
    pub install_id: Option<String>,
    /// First local hour (0–23) of the quiet hours, in which no offer fires.
    /// Quiet hours may wrap midnight (21 to 8 is 21:00–08:00); equal start
    /// and end mean none.
    #[uniffi(default = 21)]
    pub quiet_hours_start: i32,
    /// Local hour (0–24) at which the quiet hours end.
    #[uniffi(default = 8)]
    pub quiet_hours_end: i32,
    /// Most offers shown per local day, all merchants together.
    #[uniffi(default = 4)]
    pub offers_per_day: i32,
    /// Fewest minutes between any two offers shown.
    #[uniffi(default = 30)]
    pub min_minutes_between_offers: i32,
    /// Most offers shown per merchant per local day.
    #[uniffi(default = 2)]
    pub offers_per_merchant_per_day: i32,
    /// After the shopper dismisses an offer, it stays silent this many days.
    #[uniffi(default = 7)]
    pub dismissal_cooldown_days: i32,
    /// The notification budget: most messages (offers, routine reminders,
    /// step-goal messages, inactivity nudges together) shown per local day
    /// (positive). A held message comes as `NotificationHeld` (an offer as
    /// `OfferSuppressed` with reason `NotificationBudget`).
    #[uniffi(default = 6)]
    pub notifications_per_day: i32,
    /// The notification budget: fewest minutes between a message and the
    /// previous one of the same or higher rank (`docs/offers.md`).
    #[uniffi(default = 10)]
    pub min_minutes_between_notifications: i32,
    /// The next best action's relevance floor: an offer whose learned
    /// chance of being redeemed (from the shopper's own outcomes, on the
    /// device) is below it is suppressed with `LowRelevance` (0 to under 1;
    /// 0 turns the floor off).
    #[uniffi(default = 0.08)]
    pub relevance_floor: f64,
    /// Local differential privacy for the `activity` summaries: the epsilon
    /// each day's summary spends (greater than 0, at most 10; smaller is
    /// more private and noisier), or `nil`/`null` for exact counts. Off by
    /// default; see `docs/privacy.md`.
    #[uniffi(default = None)]
    pub activity_epsilon: Option<f64>,
    /// Local differential privacy for the `visits` summaries (as
    /// `activity_epsilon`). Off by default.
    #[uniffi(default = None)]
    pub visits_epsilon: Option<f64>,
    /// Local differential privacy for the `offers` summaries (as
    /// `activity_epsilon`). Off by default.
    #[uniffi(default = None)]
    pub offers_epsilon: Option<f64>,
    /// With a tiled catalog (a national one), the radius around the current
    /// position, home, work and routine places within which the phone
    /// holds the catalog's tiles, in metres (100 to 50,000). A memory
    /// budget may hold less in a dense city; `catalogTiles` tells what is
    /// held.
    #[uniffi(default = 2000.0)]
    pub tile_radius_m: f64,
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
        core.sealing_key = c.sealing_key.as_slice().try_into().map_err(|_| {
            KairosError::invalid_input(format!(
                "invalid configuration: sealing_key must be 32 bytes, got {}",
                c.sealing_key.len()
            ))
        })?;
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
        core.catalog_keys = c.catalog_keys.into_iter().map(|k| (k.key_id, k.public_key)).collect();
        core.install_id = c.install_id;
        core.offer_policy = kairos_core::offers::OfferPolicy {
            quiet_hours: (
                non_negative("quiet_hours_start", c.quiet_hours_start)?,
                non_negative("quiet_hours_end", c.quiet_hours_end)?,
            ),
            global_per_day: non_negative("offers_per_day", c.offers_per_day)?,
            global_min_gap_ms: i64::from(non_negative("min_minutes_between_offers", c.min_minutes_between_offers)?)
                * MINUTE_MS,
            merchant_per_day: non_negative("offers_per_merchant_per_day", c.offers_per_merchant_per_day)?,
            dismissal_cooldown_ms: i64::from(non_negative("dismissal_cooldown_days", c.dismissal_cooldown_days)?)
                * DAY_MS,
        };
        core.notification_budget = kairos_core::offers::BudgetPolicy {
            per_day: non_negative("notifications_per_day", c.notifications_per_day)?,
            min_gap_ms: i64::from(non_negative(
                "min_minutes_between_notifications",
                c.min_minutes_between_notifications,
            )?) * MINUTE_MS,
        };
        core.relevance.floor = c.relevance_floor;
        core.local_privacy = kairos_core::privacy::LocalPrivacy {
            activity_epsilon: c.activity_epsilon,
            visits_epsilon: c.visits_epsilon,
            offers_epsilon: c.offers_epsilon,
        };
        core.tile_radius_m = c.tile_radius_m;
        Ok(core)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kairos_core::policy;
    use std::collections::BTreeMap;

    /// The `#[uniffi(default = ...)]` literals of this file, by field name,
    /// as written.
    fn attribute_defaults() -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut pending: Option<&str> = None;
        for line in include_str!("config.rs").lines().map(str::trim) {
            if let Some(v) = line.strip_prefix("#[uniffi(default = ").and_then(|r| r.strip_suffix(")]")) {
                pending = Some(v);
            } else if let (Some(v), Some(rest)) = (pending, line.strip_prefix("pub ")) {
                out.insert(rest.split(':').next().unwrap().to_string(), v.to_string());
                pending = None;
            }
        }
        out
    }

    /// uniffi needs literals in the attributes, so this test is what keeps
    /// the foreign-side defaults equal to the core's policy.
    #[test]
    fn foreign_defaults_equal_the_core_policy() {
        let core = kairos_core::EngineConfig::new("/d", "UTC");
        assert!(core.catalog_keys.is_empty() && core.install_id.is_none());
        let offers = kairos_core::offers::OfferPolicy::default();
        assert_eq!(offers, core.offer_policy);
        let numeric: BTreeMap<&str, f64> = [
            ("step_goal", f64::from(policy::DEFAULT_STEP_GOAL)),
            ("raw_fix_retention_days", (policy::DEFAULT_RAW_FIX_RETENTION_MS / DAY_MS) as f64),
            ("stay_radius_m", policy::DEFAULT_STAY_RADIUS_M),
            ("min_dwell_minutes", (policy::DEFAULT_MIN_DWELL_MS / MINUTE_MS) as f64),
            ("gap_threshold_minutes", (policy::DEFAULT_GAP_THRESHOLD_MS / MINUTE_MS) as f64),
            ("sedentary_minutes", (policy::DEFAULT_SEDENTARY_MS / MINUTE_MS) as f64),
            ("waking_hours_start", f64::from(policy::DEFAULT_WAKING_HOURS.0)),
            ("waking_hours_end", f64::from(policy::DEFAULT_WAKING_HOURS.1)),
            ("quiet_hours_start", f64::from(offers.quiet_hours.0)),
            ("quiet_hours_end", f64::from(offers.quiet_hours.1)),
            ("offers_per_day", f64::from(offers.global_per_day)),
            ("min_minutes_between_offers", (offers.global_min_gap_ms / MINUTE_MS) as f64),
            ("offers_per_merchant_per_day", f64::from(offers.merchant_per_day)),
            ("dismissal_cooldown_days", (offers.dismissal_cooldown_ms / DAY_MS) as f64),
            ("notifications_per_day", f64::from(core.notification_budget.per_day)),
            ("min_minutes_between_notifications", (core.notification_budget.min_gap_ms / MINUTE_MS) as f64),
            ("relevance_floor", core.relevance.floor),
            ("tile_radius_m", policy::TILE_NEED_RADIUS_M),
        ]
        .into_iter()
        .collect();
        let mut expected: BTreeMap<String, String> =
            numeric.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        // The empty key list and the absent install id of `EngineConfig::new`.
        expected.insert("catalog_keys".into(), "[]".into());
        expected.insert("install_id".into(), "None".into());
        // Local privacy is off.
        assert!(!core.local_privacy.is_on());
        for name in ["activity_epsilon", "visits_epsilon", "offers_epsilon"] {
            expected.insert(name.into(), "None".into());
        }
        let actual: BTreeMap<String, String> = attribute_defaults()
            .into_iter()
            .map(|(k, v)| {
                let v = v.parse::<f64>().map_or(v, |n| n.to_string());
                (k, v)
            })
            .collect();
        assert_eq!(actual, expected);
        // And the defaults convert to exactly the core's configuration.
        let defaults = EngineConfig {
            catalog_keys: Vec::new(),
            install_id: None,
            quiet_hours_start: 21,
            quiet_hours_end: 8,
            offers_per_day: 4,
            min_minutes_between_offers: 30,
            offers_per_merchant_per_day: 2,
            dismissal_cooldown_days: 7,
            notifications_per_day: 6,
            min_minutes_between_notifications: 10,
            relevance_floor: 0.08,
            visits_epsilon: None,
            tile_radius_m: 2000.0,
            ..config(60)
        };
        let converted = kairos_core::EngineConfig::try_from(defaults).unwrap();
        assert_eq!(converted.offer_policy, core.offer_policy);
        assert_eq!(converted.notification_budget, core.notification_budget);
        assert_eq!(converted.relevance, core.relevance);
        assert_eq!(converted.local_privacy, core.local_privacy);
        assert_eq!(converted.tile_radius_m, core.tile_radius_m);
    }

    fn config(sedentary_minutes: i32) -> EngineConfig {
        EngineConfig {
            data_dir: "/d".into(),
            time_zone: "UTC".into(),
            sealing_key: vec![7; 32],
            step_goal: 8000,
            raw_fix_retention_days: 2,
            stay_radius_m: 80.0,
            min_dwell_minutes: 4,
            gap_threshold_minutes: 10,
            sedentary_minutes,
            waking_hours_start: 7,
            waking_hours_end: 22,
            catalog_keys: vec![CatalogKey { key_id: "k1".into(), public_key: vec![7; 32] }],
            install_id: Some("install-1".into()),
            quiet_hours_start: 22,
            quiet_hours_end: 7,
            offers_per_day: 3,
            min_minutes_between_offers: 45,
            offers_per_merchant_per_day: 1,
            dismissal_cooldown_days: 14,
            notifications_per_day: 5,
            min_minutes_between_notifications: 20,
            relevance_floor: 0.05,
            activity_epsilon: None,
            visits_epsilon: Some(2.0),
            offers_epsilon: None,
            tile_radius_m: 5_000.0,
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
        assert_eq!(c.catalog_keys, vec![("k1".to_string(), vec![7; 32])]);
        assert_eq!(c.install_id.as_deref(), Some("install-1"));
        let p = c.offer_policy;
        assert_eq!((p.quiet_hours, p.global_per_day, p.merchant_per_day), ((22, 7), 3, 1));
        assert_eq!((p.global_min_gap_ms, p.dismissal_cooldown_ms), (45 * MINUTE_MS, 14 * DAY_MS));
        let lp = c.local_privacy;
        assert_eq!((lp.activity_epsilon, lp.visits_epsilon, lp.offers_epsilon), (None, Some(2.0), None));
        assert_eq!(c.tile_radius_m, 5_000.0);
    }

    #[test]
    fn negative_values_are_refused_by_name() {
        let e = kairos_core::EngineConfig::try_from(config(-5)).unwrap_err();
        assert_eq!(
            e,
            KairosError::invalid_input("invalid configuration: sedentary_minutes must not be negative, got -5")
        );
        let e = kairos_core::EngineConfig::try_from(EngineConfig { offers_per_day: -1, ..config(60) }).unwrap_err();
        assert_eq!(e, KairosError::invalid_input("invalid configuration: offers_per_day must not be negative, got -1"));
    }
}
