//! The purposes of consent. Below every other module of the FFI (it
//! imports only the core), because `KairosError.ConsentRequired` carries
//! one and the privacy API uses them.

use kairos_core::privacy as core;

/// What a summary may be shared for. Every purpose is off until the app
/// records the shopper's choice with `setConsent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Purpose {
    /// Daily steps (rounded to 100) and whether the goal was met.
    Activity,
    /// Visits per catalog merchant per day (count, minutes rounded to 15).
    /// Never home, work or any place outside the catalog.
    Visits,
    /// Offer outcomes per offer per day (triggered, presented, redeemed,
    /// dismissed, held out), for measurement.
    Offers,
    /// Social proof: friends linked by invitation (`createFriendInvite`,
    /// `acceptFriendInvite`; both must hold `social`) see how many of them
    /// visited a catalog merchant in the last 30 days (at least 2, never
    /// who). Withdrawing it unlinks every friend and deletes what was shared.
    Social,
}

impl From<core::Purpose> for Purpose {
    fn from(p: core::Purpose) -> Self {
        match p {
            core::Purpose::Activity => Purpose::Activity,
            core::Purpose::Visits => Purpose::Visits,
            core::Purpose::Offers => Purpose::Offers,
            core::Purpose::Social => Purpose::Social,
        }
    }
}

impl From<Purpose> for core::Purpose {
    fn from(p: Purpose) -> Self {
        match p {
            Purpose::Activity => core::Purpose::Activity,
            Purpose::Visits => core::Purpose::Visits,
            Purpose::Offers => core::Purpose::Offers,
            Purpose::Social => core::Purpose::Social,
        }
    }
}
