//! Offer instances: each time an offer triggers (or would have, for a
//! held-out install), one record that then moves through its lifecycle;
//! and the history of an offer that its caps read.

use crate::domain::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Where an offer instance is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferState {
    /// Triggered and claimable; the app has not shown it yet.
    Triggered,
    /// Shown to the shopper; still claimable.
    Presented,
    /// Redeemed (final).
    Redeemed,
    /// Dismissed by the shopper (final; starts the cooldown).
    Dismissed,
    /// The claim window ended unused (final).
    Expired,
    /// Would have triggered, but this install is in the offer's holdout
    /// (final; recorded to measure lift, never shown).
    HeldOut,
}

impl OfferState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OfferState::Triggered => "triggered",
            OfferState::Presented => "presented",
            OfferState::Redeemed => "redeemed",
            OfferState::Dismissed => "dismissed",
            OfferState::Expired => "expired",
            OfferState::HeldOut => "held_out",
        }
    }
    /// The state stored as `s`, or `None` for a name no state has.
    pub fn parse(s: &str) -> Option<OfferState> {
        Some(match s {
            "triggered" => OfferState::Triggered,
            "presented" => OfferState::Presented,
            "redeemed" => OfferState::Redeemed,
            "dismissed" => OfferState::Dismissed,
            "expired" => OfferState::Expired,
            "held_out" => OfferState::HeldOut,
            _ => return None,
        })
    }
    /// Whether the shopper can still claim it.
    pub fn is_open(self) -> bool {
        matches!(self, OfferState::Triggered | OfferState::Presented)
    }
}

/// One triggered offer, as the app lists and acts on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferInstance {
    /// Id of this instance (pass it to `presented`, `dismissed`, `redeemed`).
    pub id: i64,
    /// The catalog offer.
    pub offer_id: String,
    /// Its merchant.
    pub merchant_id: String,
    /// The merchant place whose fence triggered it.
    pub place_id: String,
    /// Offer title, from the catalog.
    pub title: String,
    /// Offer body, from the catalog.
    pub body: String,
    /// When it triggered.
    pub triggered_at: Timestamp,
    /// End of the claim window.
    pub expires_at: Timestamp,
    /// Lifecycle state.
    pub state: OfferState,
    /// When it entered that state.
    pub state_at: Timestamp,
}

/// The history the caps look at for one offer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfferHistory {
    /// Instances ever recorded (shown or held out).
    pub total: u32,
    /// Instances on the given local day.
    pub today: u32,
    /// Latest trigger.
    pub last_at: Option<Timestamp>,
    /// Latest dismissal.
    pub last_dismissed_at: Option<Timestamp>,
    /// Whether it was ever redeemed.
    pub redeemed: bool,
}

#[cfg(test)]
mod tests {
    use super::OfferState;

    #[test]
    fn every_state_reads_back_from_its_stored_name_and_no_other_name_is_a_state() {
        use OfferState::*;
        for s in [Triggered, Presented, Redeemed, Dismissed, Expired, HeldOut] {
            assert_eq!(OfferState::parse(s.as_str()), Some(s));
        }
        assert_eq!(OfferState::parse("lost"), None);
    }
}
