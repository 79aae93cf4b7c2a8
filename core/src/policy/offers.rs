//! Offers: caps, budgets, claim windows, relevance; social proof.

use crate::domain::time::{DAY_MS, MINUTE_MS};

// ---- Offers -----------------------------------------------------------------

/// Default quiet hours (device local time), `[21:00, 08:00)`.
pub const DEFAULT_QUIET_HOURS: (u32, u32) = (21, 8);
/// Default cap on offers shown per local day, all merchants together.
pub const DEFAULT_GLOBAL_OFFERS_PER_DAY: u32 = 4;
/// Default minimum gap between any two offers shown (30 minutes).
pub const DEFAULT_GLOBAL_MIN_GAP_MS: i64 = 30 * MINUTE_MS;
/// Default notification budget: most messages (offers, routine reminders,
/// step-goal messages, inactivity nudges together) shown per local day.
/// Six leaves room for the canonical day's four (an overdue routine, a
/// nudge, an offer, an on-the-way reminder) and a couple more; beyond
/// about half a dozen a day, shoppers start muting shopping apps.
pub const DEFAULT_NOTIFICATIONS_PER_DAY: u32 = 6;
/// Default minimum gap between two messages, the second of the same or
/// lower rank (`domain::offers::budget`): ten minutes, so a nudge, a goal
/// message and a reminder never arrive as a burst.
pub const DEFAULT_NOTIFICATION_MIN_GAP_MS: i64 = 10 * MINUTE_MS;
/// Messages of the day's budget that the kinds ranked below offers (step
/// goal, inactivity nudge; and the overdue routine) leave to offers and
/// on-the-way reminders: a nudge should not take the day's last chance to
/// remind an errand on the way.
pub const BUDGET_RESERVED_FOR_OFFERS: u32 = 1;
/// Next best action (`domain::offers::relevance`): the prior chance that a
/// shopper redeems an offer whose catalog entry gives no
/// `expected_redemption_rate`. One in five matches the redemption rates of
/// well-targeted location offers the industry reports (10–30%).
pub const DEFAULT_EXPECTED_REDEMPTION_RATE: f64 = 0.2;
/// Weight of the catalog's prior, in outcomes: four, so a shopper's own
/// record outweighs the catalog's guess after a handful of offers (about a
/// week of use) but one dismissal does not silence a category.
pub const RELEVANCE_PRIOR_STRENGTH: f64 = 4.0;
/// A notification that expired without being opened counts as half a
/// failure: she may not have seen it, which says less than a dismissal.
pub const NOT_OPENED_FAILURE_WEIGHT: f64 = 0.5;
/// What a dismissal weighs in the next best action's posterior, in
/// failures, once the shopper has redeemed any offer: three. Her yes
/// elsewhere rules out "no to every notification", so swiping an offer
/// away is an explicit no to its merchant and category, which says more
/// than an offer left to expire (one failure). Three makes one such no
/// put a fresh category with a catalog prior of up to 12% under the 8%
/// floor (`0.12·4 / (4 + 3) = 6.9%`; at one failure it took three
/// dismissals, and learning what she does not want was most of the
/// dismissals the next best action still caused on a simulated population:
/// `docs/offers.md`, "The next best action on a population"). Before any
/// redemption a dismissal weighs one failure.
pub const ENGAGED_DISMISSAL_FAILURE_WEIGHT: f64 = 3.0;
/// Default relevance floor: below an 8% learned chance (under half the
/// default prior) an offer is suppressed as `low_relevance`. With the
/// default prior, a merchant dismissed three times in a row, or a category
/// dismissed seven times, falls under it; one redemption lifts it again.
pub const DEFAULT_RELEVANCE_FLOOR: f64 = 0.08;
/// Largest `value` an offer may carry (what the merchant gives or pays, in
/// the catalog's own unit): a billion bounds every real price and keeps
/// scores finite.
pub const MAX_OFFER_VALUE: f64 = 1e9;
/// Default cap on offers shown per merchant per local day.
pub const DEFAULT_MERCHANT_OFFERS_PER_DAY: u32 = 2;
/// Default silence of an offer after the shopper dismisses it (7 days).
pub const DEFAULT_DISMISSAL_COOLDOWN_MS: i64 = 7 * DAY_MS;

// ---- Social proof (purpose `social`) ---------------------------------------

/// Fewest distinct friends whose visits make a "friends visited" count
/// (`friends_visited` targeting, the `{friends_visited}` placeholder). The
/// backend releases no lower count (`kairos_backend::limits` uses this
/// value): "1 friend visited" names him whenever the shopper knows which
/// one of her friends shops there. The engine holds to it too: a lower
/// count from a server is treated as unknown (the offer's fallback text),
/// never shown.
pub const SOCIAL_MIN_FRIENDS: u32 = 2;
