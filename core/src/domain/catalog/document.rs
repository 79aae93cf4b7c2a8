//! The catalog document: merchants, their places and their offers, as the
//! backend writes them in JSON. `docs/catalog.md` describes every field;
//! fields this engine does not know are ignored.

use super::attribute::Attributes;
use super::rule::Rule;
use super::wall_clock::{DayOfWeek, LocalTime, TimeWindow};
use super::wire_formats::{rfc3339, rfc3339_option, tz_name};
use super::CatalogError;
use crate::domain::fences::FenceShape;
use crate::domain::time::Timestamp;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A validated catalog: the whole document the backend signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Version of this catalog; a newer catalog has a higher version, and
    /// the engine refuses to replace a catalog by an older one.
    pub version: u64,
    /// When the backend issued it (RFC 3339).
    #[serde(with = "rfc3339")]
    pub issued_at: Timestamp,
    /// When it stops being valid (RFC 3339); an expired catalog is refused.
    #[serde(with = "rfc3339")]
    pub expires_at: Timestamp,
    /// Every merchant, with its places and offers.
    pub merchants: Vec<Merchant>,
}

/// A merchant: one brand at one or more places, in one time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merchant {
    /// Identifier, unique in the catalog (`"self"` is reserved).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Category (`"fashion"`, `"grocery"`), used by category targeting.
    pub category: String,
    /// IANA time zone of the merchant; schedules, opening hours and
    /// time-of-day targeting are in this zone.
    #[serde(with = "tz_name")]
    pub time_zone: Tz,
    /// Attributes that targeting can test.
    #[serde(default)]
    pub attributes: Attributes,
    /// Where the merchant is.
    pub places: Vec<MerchantPlace>,
    /// The merchant's offers.
    #[serde(default)]
    pub offers: Vec<Offer>,
}

/// One place of a merchant: a fence and its opening hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MerchantPlace {
    /// Identifier, unique in the catalog.
    pub id: String,
    /// The area of the place.
    pub fence: FenceShape,
    /// When the place is open; empty means always open.
    #[serde(default)]
    pub opening_hours: Vec<OpeningHours>,
}

/// One rule of opening hours: open from `open` to `close` on each of `days`.
/// A `close` not after `open` (`10:00`–`02:00`) runs past midnight and
/// belongs to the day it opens; `close` may be `"24:00"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// The days this rule opens on.
    pub days: Vec<DayOfWeek>,
    /// Local opening time.
    pub open: LocalTime,
    /// Local closing time.
    pub close: LocalTime,
}

/// An offer of a merchant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    /// Identifier, unique in the catalog.
    pub id: String,
    /// Headline shown to the shopper.
    pub title: String,
    /// Longer text shown to the shopper.
    #[serde(default)]
    pub body: String,
    /// What movement makes the offer fire.
    pub trigger: Trigger,
    /// When the offer may fire.
    #[serde(default)]
    pub schedule: Schedule,
    /// How long after the trigger the shopper can claim it, in minutes
    /// (ending earlier at `schedule.valid_until`).
    pub claim_window_minutes: u32,
    /// Who the offer is for; by default everyone.
    #[serde(default)]
    pub targeting: Rule,
    /// How often the offer may fire.
    #[serde(default)]
    pub caps: Caps,
    /// Higher wins when several offers could fire at once.
    #[serde(default)]
    pub priority: i32,
    /// Percentage of installs (0 to 100) that never see this offer, chosen
    /// deterministically per install, to measure its lift.
    #[serde(default)]
    pub holdout_percent: f64,
    /// Whether the offer may fire while the shopper moves at driving speed.
    #[serde(default)]
    pub allow_while_driving: bool,
    /// What the offer is worth (what the merchant gives or pays, in the
    /// catalog's own unit; default 1): the next best action ranks competing
    /// offers by value × the shopper's learned chance of redeeming.
    #[serde(default = "default_value")]
    pub value: f64,
    /// The catalog's prior chance that a shopper redeems this offer
    /// (strictly between 0 and 1; absent: the engine's default), which her
    /// own outcomes then refine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_redemption_rate: Option<f64>,
    /// Whether the claim window may run past the place's closing time
    /// (default false: it ends at the first closing after the trigger).
    #[serde(default)]
    pub claims_after_closing: bool,
    /// Ids of the merchant's places where the offer applies; empty means
    /// all of them.
    #[serde(default)]
    pub places: Vec<String>,
    /// Attributes that targeting can test (after the merchant's).
    #[serde(default)]
    pub attributes: Attributes,
    /// The title and body shown instead of `title` and `body` when those
    /// hold `{friends_visited}` and the count is unknown or below the
    /// threshold (required then, for each text that holds it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_text: Option<FallbackText>,
}

/// An offer's text without social proof (`fallback_text`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FallbackText {
    /// Shown instead of a title holding `{friends_visited}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Shown instead of a body holding `{friends_visited}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// What movement makes an offer fire, written `{"type": "enter"}`,
/// `{"type": "dwell", "minutes": 10}`, `{"type": "exit"}` or
/// `{"type": "nearby", "radius_m": 300}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Trigger {
    /// Entering one of the offer's places.
    Enter,
    /// Staying inside one of the offer's places for `minutes`.
    Dwell {
        /// Minutes inside before the offer fires (at least 1).
        minutes: u32,
    },
    /// Leaving one of the offer's places.
    Exit,
    /// Passing within `radius_m` of one of the offer's places while moving
    /// (on the way somewhere), without entering it.
    Nearby {
        /// Distance from the place's fence, in metres.
        radius_m: f64,
    },
}

/// When an offer may fire. Every part is optional; omitted parts do not
/// restrict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// First instant the offer may fire (RFC 3339, inclusive).
    #[serde(default, with = "rfc3339_option", skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Timestamp>,
    /// Instant the offer ends (RFC 3339, exclusive); claims end then too.
    #[serde(default, with = "rfc3339_option", skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
    /// Local days the offer runs on; every day when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<DayOfWeek>>,
    /// Local hours the offer runs in; all day when absent. A window past
    /// midnight belongs to the day it starts (for `days`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Vec<TimeWindow>>,
    /// Whether the offer runs only while its place is open (default true).
    #[serde(default = "default_true")]
    pub during_opening_hours: bool,
}

fn default_true() -> bool {
    true
}

fn default_value() -> f64 {
    1.0
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule { valid_from: None, valid_until: None, days: None, hours: None, during_opening_hours: true }
    }
}

/// Frequency caps of one offer; absent caps do not restrict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Caps {
    /// Most times the offer may fire for this install, ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
    /// Most times the offer may fire per local day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_day: Option<u32>,
    /// Fewest minutes between two firings of the offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_gap_minutes: Option<u32>,
}

impl Catalog {
    /// The merchant with id `id`.
    pub fn merchant(&self, id: &str) -> Option<&Merchant> {
        self.merchants.iter().find(|m| m.id == id)
    }

    /// Whether this catalog is older (has a lower version) than `current`:
    /// such a catalog must not replace `current`.
    pub fn is_older_than(&self, current: &Catalog) -> bool {
        self.version < current.version
    }

    /// Checks that this catalog may replace `current` (the catalog in
    /// force, if any): refuses a lower version as a rollback. The same
    /// version is accepted (a re-fetch of the catalog in force).
    pub fn check_may_replace(&self, current: Option<&Catalog>) -> Result<(), CatalogError> {
        self.check_may_replace_version(current.map(|c| c.version))
    }

    /// [`Catalog::check_may_replace`] given only the version in force.
    pub fn check_may_replace_version(&self, current: Option<u64>) -> Result<(), CatalogError> {
        match current {
            Some(current) if self.version < current => Err(CatalogError::Rollback { offered: self.version, current }),
            _ => Ok(()),
        }
    }
}

impl Merchant {
    /// The place with id `id`.
    pub fn place(&self, id: &str) -> Option<&MerchantPlace> {
        self.places.iter().find(|p| p.id == id)
    }

    /// The offer with id `id`.
    pub fn offer(&self, id: &str) -> Option<&Offer> {
        self.offers.iter().find(|o| o.id == id)
    }
}

impl Offer {
    /// Whether the offer applies at the merchant's place `place_id`.
    pub fn applies_at(&self, place_id: &str) -> bool {
        self.places.is_empty() || self.places.iter().any(|p| p == place_id)
    }
}
