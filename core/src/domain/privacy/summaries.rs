//! The daily summaries that may leave the device, one per consented
//! purpose and closed local day. They hold counts per local day and catalog
//! ids only: never a coordinate, a learned place, or a time finer than the
//! day.
//!
//! * `activity`: `{"steps": N, "goal_met": bool}`, steps rounded to the
//!   nearest 100.
//! * `visits`: `{"merchants": [{"merchant_id", "visits", "minutes"}]}` per
//!   catalog merchant, minutes rounded to the nearest 15.
//! * `offers`: `{"offers": [{"offer_id", "triggered", "presented",
//!   "redeemed", "dismissed", "held_out"}]}` per offer triggered that day.

use super::consent::Purpose;
use crate::domain::time::{local_day_bounds, Timestamp, MINUTE_MS};
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde_json::{json, Value};

/// Steps are shared rounded to this.
pub(crate) const STEPS_QUANTUM: i64 = 100;
/// Minutes at a merchant are shared rounded to this.
pub(crate) const MINUTES_QUANTUM: i64 = 15;

fn round_to(n: i64, step: i64) -> i64 {
    ((n + step / 2).div_euclid(step)) * step
}

/// One catalog merchant's visits that started on a local day.
#[derive(Debug, Clone, PartialEq)]
pub struct MerchantDay {
    /// The catalog merchant.
    pub merchant_id: String,
    /// Visits that started that day.
    pub visits: u32,
    /// Their total length, in ms (an open visit counts zero).
    pub duration_ms: i64,
}

/// One offer's instances triggered on a local day, by outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferDay {
    /// The catalog offer.
    pub offer_id: String,
    /// Instances shown (not held out).
    pub triggered: u32,
    /// Instances the app presented.
    pub presented: u32,
    /// Instances redeemed.
    pub redeemed: u32,
    /// Instances dismissed.
    pub dismissed: u32,
    /// Instances held out.
    pub held_out: u32,
}

/// The facts of a closed day that summaries are made of; the store reads
/// them. A failed read is an error of the summary, never "nothing to say":
/// the day close then fails, rolls back, and is retried at the next call.
pub trait DayFacts {
    /// Why a fact could not be read.
    type Error;
    /// Steps counted on local `day`, `None` when none were.
    fn steps_on(&self, day: NaiveDate) -> Result<Option<i64>, Self::Error>;
    /// Catalog merchants' visits that started in `[from, to)`, by merchant id.
    fn merchant_visits(&self, from: Timestamp, to: Timestamp) -> Result<Vec<MerchantDay>, Self::Error>;
    /// Offers triggered on local `day`, by offer id.
    fn offer_outcomes(&self, day: NaiveDate) -> Result<Vec<OfferDay>, Self::Error>;
}

/// The summary of `purpose` for local `day`, or `None` when there is
/// nothing to say (no steps counted, no merchant visit, no offer).
pub fn build<F: DayFacts + ?Sized>(
    facts: &F,
    purpose: Purpose,
    day: NaiveDate,
    tz: Tz,
    goal: u32,
) -> Result<Option<Value>, F::Error> {
    Ok(match purpose {
        Purpose::Activity => {
            facts.steps_on(day)?.map(|s| json!({"steps": round_to(s, STEPS_QUANTUM), "goal_met": s >= i64::from(goal)}))
        }
        Purpose::Visits => {
            let (from, to) = local_day_bounds(day, tz);
            let merchants: Vec<Value> = facts
                .merchant_visits(from, to)?
                .into_iter()
                .map(|m| {
                    json!({"merchant_id": m.merchant_id, "visits": m.visits,
                           "minutes": round_to(m.duration_ms / MINUTE_MS, MINUTES_QUANTUM)})
                })
                .collect();
            (!merchants.is_empty()).then(|| json!({ "merchants": merchants }))
        }
        Purpose::Offers => {
            let offers: Vec<Value> = facts
                .offer_outcomes(day)?
                .into_iter()
                .map(|o| {
                    json!({"offer_id": o.offer_id, "triggered": o.triggered, "presented": o.presented,
                           "redeemed": o.redeemed, "dismissed": o.dismissed, "held_out": o.held_out})
                })
                .collect();
            (!offers.is_empty()).then(|| json!({ "offers": offers }))
        }
        // Social proof has no daily summary: friends' counts are computed
        // by the backend from their `visits` summaries.
        Purpose::Social => None,
    })
}

#[cfg(test)]
mod tests {
    use super::round_to;

    #[test]
    fn rounding() {
        assert_eq!(round_to(1430, 100), 1400);
        assert_eq!(round_to(1450, 100), 1500);
        assert_eq!(round_to(22, 15), 15);
        assert_eq!(round_to(23, 15), 30);
        assert_eq!(round_to(0, 15), 0);
    }
}
