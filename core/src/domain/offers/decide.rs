//! Deciding, at one moment, which of the offers that could fire does: each
//! candidate is checked (schedule, targeting, caps and manners); the
//! eligible ones are ranked; the best fires (or is recorded as held out);
//! every other candidate gets its reason. Once caps and manners pass, the
//! notification budget shared with the other messages may still hold every
//! candidate (`notification_budget`).
//!
//! Ranking (the next best action, `relevance.rs`): with the learned ranking
//! (the default), a candidate whose learned chance is under the floor is
//! suppressed (`low_relevance`), and the others rank by value × a Thompson
//! draw of the chance, then as with catalog priority: higher `priority`,
//! then nearer the fence (signed distance to the boundary), then fewer
//! earlier firings of the offer, then offer id.

use super::holdout;
use super::instance::OfferHistory;
use super::loaded_views::{LoadedMerchant, LoadedOffer, LoadedPlace};
use super::manners::{self, OfferPolicy, SharedHistory, Suppression};
use super::relevance::{self, DrawStream, Ranking, RelevanceModel, RelevancePolicy};
use crate::domain::catalog::ProfileFacts;
use crate::domain::time::Timestamp;
use crate::error::{Error, Result};
use chrono_tz::Tz;

/// An offer that a fence event makes a candidate.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'c> {
    /// The merchant.
    pub merchant: LoadedMerchant<'c>,
    /// The place whose fence fired.
    pub place: LoadedPlace<'c>,
    /// The offer.
    pub offer: LoadedOffer<'c>,
    /// The trigger kind: `enter`, `dwell`, `exit` or `nearby`.
    pub trigger: &'static str,
    /// Signed distance from the fix to the fence boundary, in metres.
    pub distance_m: f64,
}

/// What the engine knows of past firings; the store implements it.
pub trait Ledger {
    /// The offer's own history, with `day` as today.
    fn own(&self, offer_id: &str, day: &str) -> Result<OfferHistory>;
    /// Shared counts for the merchant, with `day` as today.
    fn shared(&self, merchant_id: &str, day: &str) -> Result<SharedHistory>;
}

/// Everything fixed for one decision.
pub struct Moment<'a> {
    /// When.
    pub at: Timestamp,
    /// The device's zone (quiet hours, "today").
    pub device_tz: Tz,
    /// The local day of `at` on the device.
    pub day: &'a str,
    /// The offer rules.
    pub policy: &'a OfferPolicy,
    /// Whether the shopper moves at driving speed.
    pub driving: bool,
    /// When the catalog in force expires.
    pub catalog_expires_at: Timestamp,
    /// This install's id (for holdout buckets).
    pub install_id: &'a str,
    /// The notification budget's verdict for an offer now
    /// ([`super::budget::MessageBudget::check`]).
    pub budget: Result<(), super::budget::BudgetHold>,
    /// How competing offers are ranked, and the relevance floor.
    pub relevance: &'a RelevancePolicy,
}

/// What the learned ranking reads and draws from.
pub struct Learning<'a> {
    /// Reads the shopper's outcomes; called once, only when some candidate
    /// is eligible and the ranking is learned (most decisions end earlier,
    /// at a cap).
    pub model: &'a dyn Fn() -> Result<RelevanceModel>,
    /// This install's draws.
    pub draws: &'a mut DrawStream,
}

/// The outcome: at most one offer fires; the rest are suppressed.
#[derive(Debug, Default)]
pub struct Decision<'c> {
    /// The winner, and whether this install is held out of it.
    pub fired: Option<(Candidate<'c>, bool)>,
    /// Every other candidate with its reason.
    pub suppressed: Vec<(Candidate<'c>, Suppression)>,
}

/// Decides among `candidates` at `m`. A failed read of the profile or of
/// the ledger fails the decision (the caller's write rolls back).
pub fn decide<'c>(
    candidates: Vec<Candidate<'c>>,
    m: &Moment<'_>,
    profile: &dyn ProfileFacts<Error = Error>,
    ledger: &dyn Ledger,
    learning: Learning<'_>,
) -> Result<Decision<'c>> {
    let mut decision = Decision::default();
    let mut eligible = Vec::new();
    for c in candidates {
        let own = ledger.own(c.offer.id(), m.day)?;
        let verdict = if m.at >= m.catalog_expires_at {
            Err(Suppression::CatalogExpired)
        } else if !c.offer.is_scheduled(m.at, c.place) {
            Err(Suppression::OutsideSchedule)
        } else if !c.offer.targeting().try_eval_for(profile, &c.offer.subject())? {
            Err(Suppression::NotTargeted)
        } else {
            let shared = ledger.shared(c.merchant.id(), m.day)?;
            manners::check(c.offer, m.at, m.device_tz, m.policy, m.driving, &own, &shared)
        };
        let verdict = verdict.and_then(|()| m.budget.map_err(Suppression::from));
        match verdict {
            Ok(()) => eligible.push((c, own.total)),
            Err(reason) => decision.suppressed.push((c, reason)),
        }
    }
    let model = match m.relevance.ranking {
        Ranking::Learned if !eligible.is_empty() => (learning.model)()?,
        _ => RelevanceModel::default(),
    };
    let mut scored = Vec::with_capacity(eligible.len());
    for (c, fired) in eligible {
        let score = match m.relevance.ranking {
            Ranking::CatalogPriority => 0.0,
            Ranking::Learned => {
                let posterior = model.posterior(
                    c.merchant.category(),
                    c.merchant.id(),
                    c.offer.expected_redemption_rate(),
                    m.relevance.prior_strength,
                );
                let s = relevance::score(posterior, c.offer.value(), learning.draws);
                if s.chance < m.relevance.floor {
                    decision
                        .suppressed
                        .push((c, Suppression::LowRelevance { chance: s.chance, floor: m.relevance.floor }));
                    continue;
                }
                s.score
            }
        };
        scored.push((c, fired, score));
    }
    scored.sort_by(|(a, an, ascore), (b, bn, bscore)| {
        bscore
            .total_cmp(ascore)
            .then(b.offer.priority().cmp(&a.offer.priority()))
            .then(a.distance_m.total_cmp(&b.distance_m))
            .then(an.cmp(bn))
            .then(a.offer.id().cmp(b.offer.id()))
    });
    let mut ranked = scored.into_iter().map(|(c, _, _)| c);
    if let Some(best) = ranked.next() {
        let held_out = holdout::is_held_out(m.install_id, best.offer.id(), best.offer.holdout_percent());
        for other in ranked {
            decision.suppressed.push((other, Suppression::Outranked { by_offer_id: best.offer.id().to_owned() }));
        }
        decision.fired = Some((best, held_out));
    }
    Ok(decision)
}
