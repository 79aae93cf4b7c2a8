//! Caps and manners: whether an offer that could fire may fire now, and if
//! not, why. Every refusal is a [`Suppression`] that the engine reports as
//! an `offer_suppressed` event.

use super::instance::OfferHistory;
use super::loaded_views::LoadedOffer;
use crate::domain::time::{Timestamp, MINUTE_MS};
use chrono::Timelike;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Engine-wide offer rules an app may tune (defaults in
/// [`crate::policy`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OfferPolicy {
    /// Local hours `[start, end)` of the device's zone in which no offer
    /// fires (may wrap midnight). Default 21:00–08:00.
    pub quiet_hours: (u32, u32),
    /// Most offers shown per local day, all merchants together.
    pub global_per_day: u32,
    /// Fewest milliseconds between any two offers shown.
    pub global_min_gap_ms: i64,
    /// Most offers shown per merchant per local day.
    pub merchant_per_day: u32,
    /// After a dismissal, the same offer stays silent this long.
    pub dismissal_cooldown_ms: i64,
}

impl Default for OfferPolicy {
    fn default() -> Self {
        use crate::policy;
        OfferPolicy {
            quiet_hours: policy::DEFAULT_QUIET_HOURS,
            global_per_day: policy::DEFAULT_GLOBAL_OFFERS_PER_DAY,
            global_min_gap_ms: policy::DEFAULT_GLOBAL_MIN_GAP_MS,
            merchant_per_day: policy::DEFAULT_MERCHANT_OFFERS_PER_DAY,
            dismissal_cooldown_ms: policy::DEFAULT_DISMISSAL_COOLDOWN_MS,
        }
    }
}

/// Why an offer that could have fired did not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Suppression {
    /// Outside the offer's validity, days or hours, or the place is closed.
    OutsideSchedule,
    /// The shopper does not match the offer's targeting.
    NotTargeted,
    /// The catalog in force has expired.
    CatalogExpired,
    /// The shopper already redeemed this offer.
    AlreadyRedeemed,
    /// The shopper dismissed this offer recently.
    DismissedRecently {
        /// When the cooldown ends.
        until: Timestamp,
    },
    /// The offer's lifetime cap is reached.
    OfferTotalCap {
        /// The cap.
        cap: u32,
    },
    /// The offer's daily cap is reached.
    OfferDailyCap {
        /// The cap.
        cap: u32,
    },
    /// The offer fired too recently.
    OfferMinGap {
        /// When it may fire again.
        until: Timestamp,
    },
    /// The merchant's daily cap is reached.
    MerchantDailyCap {
        /// The cap.
        cap: u32,
    },
    /// The daily cap over all offers is reached.
    GlobalDailyCap {
        /// The cap.
        cap: u32,
    },
    /// Another offer was shown too recently (the frequency cap).
    GlobalMinGap {
        /// The gap in minutes.
        minutes: i64,
        /// When the next offer may fire.
        until: Timestamp,
    },
    /// Inside the shopper's quiet hours.
    QuietHours,
    /// The shopper is driving and the offer does not allow it.
    WhileDriving,
    /// The notification budget shared by every message held it
    /// (`domain::offers::budget`).
    NotificationBudget {
        /// Which limit held it.
        limit: super::budget::BudgetLimit,
        /// When a message of its kind may be shown again.
        until: Timestamp,
        /// The day's budget, or the gap in minutes.
        allowance: i64,
    },
    /// The shopper's learned chance of redeeming it is under the floor
    /// (`domain::offers::relevance`).
    LowRelevance {
        /// Her learned chance (posterior mean), 0 to 1.
        chance: f64,
        /// The floor.
        floor: f64,
    },
    /// Another eligible offer ranked higher at the same moment.
    Outranked {
        /// The offer that fired instead.
        by_offer_id: String,
    },
}

impl From<super::budget::BudgetHold> for Suppression {
    fn from(h: super::budget::BudgetHold) -> Self {
        Suppression::NotificationBudget { limit: h.limit, until: h.until, allowance: h.allowance }
    }
}

impl Suppression {
    /// The stable snake_case code of the reason (as in JSON's `reason`).
    pub fn code(&self) -> &'static str {
        match self {
            Suppression::OutsideSchedule => "outside_schedule",
            Suppression::NotTargeted => "not_targeted",
            Suppression::CatalogExpired => "catalog_expired",
            Suppression::AlreadyRedeemed => "already_redeemed",
            Suppression::DismissedRecently { .. } => "dismissed_recently",
            Suppression::OfferTotalCap { .. } => "offer_total_cap",
            Suppression::OfferDailyCap { .. } => "offer_daily_cap",
            Suppression::OfferMinGap { .. } => "offer_min_gap",
            Suppression::MerchantDailyCap { .. } => "merchant_daily_cap",
            Suppression::GlobalDailyCap { .. } => "global_daily_cap",
            Suppression::GlobalMinGap { .. } => "global_min_gap",
            Suppression::QuietHours => "quiet_hours",
            Suppression::WhileDriving => "while_driving",
            Suppression::NotificationBudget { .. } => "notification_budget",
            Suppression::LowRelevance { .. } => "low_relevance",
            Suppression::Outranked { .. } => "outranked",
        }
    }
}

impl fmt::Display for Suppression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Suppression::OutsideSchedule => write!(f, "outside the offer's schedule or the store's opening hours"),
            Suppression::NotTargeted => write!(f, "the shopper is not in the offer's audience"),
            Suppression::CatalogExpired => write!(f, "the catalog has expired"),
            Suppression::AlreadyRedeemed => write!(f, "already redeemed"),
            Suppression::DismissedRecently { until } => write!(f, "dismissed; silent until {until}"),
            Suppression::OfferTotalCap { cap } => write!(f, "the offer's lifetime cap of {cap} is reached"),
            Suppression::OfferDailyCap { cap } => write!(f, "the offer's daily cap of {cap} is reached"),
            Suppression::OfferMinGap { until } => write!(f, "the offer fired recently; again from {until}"),
            Suppression::MerchantDailyCap { cap } => write!(f, "the merchant's daily cap of {cap} is reached"),
            Suppression::GlobalDailyCap { cap } => write!(f, "the daily cap of {cap} offers is reached"),
            Suppression::GlobalMinGap { minutes, until } => {
                write!(f, "frequency cap: at most one offer per {minutes} minutes (next from {until})")
            }
            Suppression::QuietHours => write!(f, "quiet hours"),
            Suppression::WhileDriving => write!(f, "the shopper is driving"),
            Suppression::NotificationBudget { limit, until, allowance } => {
                write!(f, "{}", super::budget::BudgetHold { limit: *limit, until: *until, allowance: *allowance })
            }
            Suppression::LowRelevance { chance, floor } => write!(
                f,
                "low relevance: her learned chance of redeeming is {:.1}%, under the {:.1}% floor",
                chance * 100.0,
                floor * 100.0
            ),
            Suppression::Outranked { by_offer_id } => write!(f, "outranked by {by_offer_id}"),
        }
    }
}

/// What the caps look at beyond the offer's own history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SharedHistory {
    /// Offers shown today, all merchants.
    pub shown_today: u32,
    /// Offers shown today by this offer's merchant.
    pub shown_today_merchant: u32,
    /// The latest offer shown, any merchant.
    pub last_shown_at: Option<Timestamp>,
}

fn in_hours(h: u32, (start, end): (u32, u32)) -> bool {
    if start <= end {
        h >= start && h < end
    } else {
        h >= start || h < end
    }
}

/// Checks the caps and manners for `offer` at `at`, in the order a shopper
/// would find most telling: the offer's own history first, then the
/// merchant's and the global caps, then quiet hours and driving.
pub fn check(
    offer: LoadedOffer<'_>,
    at: Timestamp,
    device_tz: Tz,
    policy: &OfferPolicy,
    driving: bool,
    own: &OfferHistory,
    shared: &SharedHistory,
) -> Result<(), Suppression> {
    if own.redeemed {
        return Err(Suppression::AlreadyRedeemed);
    }
    if let Some(d) = own.last_dismissed_at {
        let until = d.plus_millis(policy.dismissal_cooldown_ms);
        if at < until {
            return Err(Suppression::DismissedRecently { until });
        }
    }
    if let Some(cap) = offer.caps().total.filter(|&c| own.total >= c) {
        return Err(Suppression::OfferTotalCap { cap });
    }
    if let Some(cap) = offer.caps().per_day.filter(|&c| own.today >= c) {
        return Err(Suppression::OfferDailyCap { cap });
    }
    if let (Some(gap), Some(last)) = (offer.caps().min_gap_minutes, own.last_at) {
        let until = last.plus_millis(i64::from(gap) * MINUTE_MS);
        if at < until {
            return Err(Suppression::OfferMinGap { until });
        }
    }
    if shared.shown_today_merchant >= policy.merchant_per_day {
        return Err(Suppression::MerchantDailyCap { cap: policy.merchant_per_day });
    }
    if shared.shown_today >= policy.global_per_day {
        return Err(Suppression::GlobalDailyCap { cap: policy.global_per_day });
    }
    if let Some(last) = shared.last_shown_at {
        let until = last.plus_millis(policy.global_min_gap_ms);
        if at < until {
            return Err(Suppression::GlobalMinGap { minutes: policy.global_min_gap_ms / MINUTE_MS, until });
        }
    }
    if in_hours(at.in_tz(device_tz).hour(), policy.quiet_hours) {
        return Err(Suppression::QuietHours);
    }
    if driving && !offer.allow_while_driving() {
        return Err(Suppression::WhileDriving);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_json_reason() {
        let t = Timestamp(0);
        for s in [
            Suppression::OutsideSchedule,
            Suppression::NotTargeted,
            Suppression::CatalogExpired,
            Suppression::AlreadyRedeemed,
            Suppression::DismissedRecently { until: t },
            Suppression::OfferTotalCap { cap: 1 },
            Suppression::OfferDailyCap { cap: 1 },
            Suppression::OfferMinGap { until: t },
            Suppression::MerchantDailyCap { cap: 1 },
            Suppression::GlobalDailyCap { cap: 1 },
            Suppression::GlobalMinGap { minutes: 30, until: t },
            Suppression::QuietHours,
            Suppression::WhileDriving,
            Suppression::NotificationBudget {
                limit: super::super::budget::BudgetLimit::MinGap,
                until: t,
                allowance: 10,
            },
            Suppression::LowRelevance { chance: 0.05, floor: 0.08 },
            Suppression::Outranked { by_offer_id: "x".into() },
        ] {
            assert_eq!(serde_json::to_value(&s).unwrap()["reason"], s.code());
            assert!(!s.to_string().is_empty());
        }
    }
}
