//! What a validated summaries batch holds. Every value is already rounded
//! by the engine (steps to 100, minutes to 15) and is per local day.

use chrono::NaiveDate;

/// A purpose of consent: each summary belongs to exactly one. The engine's
/// own type, so that the wire names are written once.
pub use kairos_core::privacy::Purpose;

/// One day's steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivitySummary {
    /// Steps, a multiple of 100.
    pub steps: u32,
    /// Whether the day's goal was met.
    pub goal_met: bool,
}

/// One day's visits to one catalog merchant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantVisits {
    /// The catalog's merchant id.
    pub merchant_id: String,
    /// Visits that day.
    pub visits: u32,
    /// Minutes spent there that day, a multiple of 15.
    pub minutes: u32,
}

/// One day's outcomes of one offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferOutcome {
    /// The catalog's offer id.
    pub offer_id: String,
    /// Times the offer's trigger fired.
    pub triggered: u32,
    /// Times it was shown.
    pub presented: u32,
    /// Times it was redeemed.
    pub redeemed: u32,
    /// Times it was dismissed.
    pub dismissed: u32,
    /// Times it was withheld by the holdout.
    pub held_out: u32,
}

/// The content of one entry, by purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryData {
    /// `activity`.
    Activity(ActivitySummary),
    /// `visits`: merchant ids are distinct.
    Visits(Vec<MerchantVisits>),
    /// `offers`: offer ids are distinct.
    Offers(Vec<OfferOutcome>),
}

impl SummaryData {
    /// The purpose this content belongs to.
    pub fn purpose(&self) -> Purpose {
        match self {
            SummaryData::Activity(_) => Purpose::Activity,
            SummaryData::Visits(_) => Purpose::Visits,
            SummaryData::Offers(_) => Purpose::Offers,
        }
    }
}

/// The local differential privacy an entry declares (`data.noise`): its
/// counts were noised on the device with the geometric mechanism, spending
/// `epsilon` for the whole entry (`docs/privacy.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// The epsilon spent on the entry: finite, in `(0, MAX_EPSILON]`.
    pub epsilon: f64,
}

// The epsilon is always finite (validated on the way in and out of
// storage), so equality is an equivalence.
impl Eq for Noise {}

/// One entry of a batch: one purpose, one local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryItem {
    /// The local day summarised.
    pub day: NaiveDate,
    /// What is summarised.
    pub data: SummaryData,
    /// The noise its counts carry, or `None` when they are exact.
    pub noise: Option<Noise>,
}

/// A validated batch: at least one entry, at most one per (purpose, day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The entries, in request order.
    pub items: Vec<SummaryItem>,
}
