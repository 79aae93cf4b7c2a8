//! The next best action, learned on the device: the shopper's chance of
//! redeeming an offer, from her own outcomes, per category and per
//! merchant.
//!
//! **Model.** Each outcome of an offer shown (never a held-out one) is a
//! Bernoulli trial: redeemed is a success; dismissed, and expired after
//! the app presented it, are failures; expired without ever being presented
//! (the notification not opened) is a weaker failure
//! ([`crate::policy::NOT_OPENED_FAILURE_WEIGHT`]: she may not have seen
//! it). Once she has redeemed any offer, a dismissal weighs
//! [`crate::policy::ENGAGED_DISMISSAL_FAILURE_WEIGHT`] failures: a shopper
//! who says yes to some offers and swipes this one away has said no to
//! *this* (before any yes, a dismissal may be a no to notifications in
//! general, and weighs one failure). The chance is a Beta posterior in two
//! levels: the category's
//! `Beta(r·k + s_c, (1−r)·k + f_c)`, with `r` the offer's
//! `expected_redemption_rate` from the catalog and `k`
//! [`crate::policy::RELEVANCE_PRIOR_STRENGTH`], gives its mean `m_c`; the
//! merchant's `Beta(m_c·k + s_m, (1−m_c)·k + f_m)` is the offer's chance.
//! What a shopper does with one bakery so tells about the others, and her
//! own record with a merchant weighs more as it grows.
//!
//! **Ranking.** Each eligible candidate scores `value × θ`, with `θ` drawn
//! from its posterior (Thompson sampling), so an offer she has not yet
//! answered keeps a chance to be tried; the draws come from a
//! deterministic per-install stream ([`DrawStream`]), so a replay draws the
//! same numbers. A candidate whose posterior mean is below the floor
//! ([`crate::policy::DEFAULT_RELEVANCE_FLOOR`]) is suppressed as
//! `low_relevance` and explained with its chance.
//!
//! Nothing of the model leaves the device: it is computed from the offer
//! instances in the profile (erased with them), and the export shows it.

use serde::Serialize;
use std::collections::BTreeMap;

/// A shopper's outcomes of shown offers, for one category or merchant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Outcomes {
    /// Offers redeemed.
    pub redeemed: u32,
    /// Offers dismissed.
    pub dismissed: u32,
    /// Offers presented, then left to expire.
    pub expired_opened: u32,
    /// Offers never presented (the notification not opened) that expired.
    pub expired_unopened: u32,
}

impl Outcomes {
    /// Successes of the Bernoulli trials.
    pub fn successes(&self) -> f64 {
        f64::from(self.redeemed)
    }

    /// Failures, a dismissal weighing `dismissal_weight` and a
    /// notification not opened [`crate::policy::NOT_OPENED_FAILURE_WEIGHT`].
    pub fn failures(&self, dismissal_weight: f64) -> f64 {
        dismissal_weight * f64::from(self.dismissed)
            + f64::from(self.expired_opened)
            + crate::policy::NOT_OPENED_FAILURE_WEIGHT * f64::from(self.expired_unopened)
    }

    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &Outcomes) {
        self.redeemed += other.redeemed;
        self.dismissed += other.dismissed;
        self.expired_opened += other.expired_opened;
        self.expired_unopened += other.expired_unopened;
    }
}

/// One outcome, as the population simulation and tests record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Redeemed.
    Redeemed,
    /// Dismissed.
    Dismissed,
    /// Presented, then expired.
    ExpiredOpened,
    /// Never presented, expired.
    ExpiredUnopened,
}

/// A Beta distribution over a chance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Beta {
    /// Pseudo-successes.
    pub a: f64,
    /// Pseudo-failures.
    pub b: f64,
}

impl Beta {
    /// The mean, `a / (a + b)`.
    pub fn mean(&self) -> f64 {
        self.a / (self.a + self.b)
    }

    /// A draw from the distribution (two Gamma draws, Marsaglia–Tsang).
    pub fn sample(&self, draws: &mut DrawStream) -> f64 {
        let x = gamma(self.a, draws);
        let y = gamma(self.b, draws);
        if x + y > 0.0 {
            x / (x + y)
        } else {
            self.mean()
        }
    }
}

/// What the shopper's outcomes say, per category and per merchant.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RelevanceModel {
    /// Outcomes per catalog category.
    pub categories: BTreeMap<String, Outcomes>,
    /// Outcomes per merchant.
    pub merchants: BTreeMap<String, Outcomes>,
}

impl RelevanceModel {
    /// Folds a merchant's outcomes in (and its category's, if known).
    pub fn add(&mut self, merchant_id: &str, category: Option<&str>, o: &Outcomes) {
        self.merchants.entry(merchant_id.to_owned()).or_default().add(o);
        if let Some(c) = category {
            self.categories.entry(c.to_owned()).or_default().add(o);
        }
    }

    /// Records one outcome.
    pub fn record(&mut self, merchant_id: &str, category: &str, outcome: Outcome) {
        let mut o = Outcomes::default();
        match outcome {
            Outcome::Redeemed => o.redeemed = 1,
            Outcome::Dismissed => o.dismissed = 1,
            Outcome::ExpiredOpened => o.expired_opened = 1,
            Outcome::ExpiredUnopened => o.expired_unopened = 1,
        }
        self.add(merchant_id, Some(category), &o);
    }

    /// What one dismissal weighs, in failures: one until she has redeemed
    /// an offer, then [`crate::policy::ENGAGED_DISMISSAL_FAILURE_WEIGHT`]
    /// (her yes elsewhere rules out "no to every notification", so her no
    /// is a no to this offer's merchant and category).
    pub fn dismissal_weight(&self) -> f64 {
        if self.merchants.values().any(|o| o.redeemed > 0) {
            crate::policy::ENGAGED_DISMISSAL_FAILURE_WEIGHT
        } else {
            1.0
        }
    }

    /// The posterior of the chance that the shopper redeems an offer of
    /// `merchant_id` in `category`, with prior mean `prior_rate` (the
    /// offer's `expected_redemption_rate`) and prior strength `strength`.
    pub fn posterior(&self, category: &str, merchant_id: &str, prior_rate: f64, strength: f64) -> Beta {
        let none = Outcomes::default();
        let w = self.dismissal_weight();
        let c = self.categories.get(category).unwrap_or(&none);
        let category_mean =
            Beta { a: prior_rate * strength + c.successes(), b: (1.0 - prior_rate) * strength + c.failures(w) }.mean();
        let m = self.merchants.get(merchant_id).unwrap_or(&none);
        Beta { a: category_mean * strength + m.successes(), b: (1.0 - category_mean) * strength + m.failures(w) }
    }
}

/// How learned ranking scores one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scored {
    /// The posterior mean: the learned chance of redeeming.
    pub chance: f64,
    /// The Thompson draw.
    pub draw: f64,
    /// `value × draw`.
    pub score: f64,
}

/// Scores a candidate of `value` whose posterior is `posterior`.
pub fn score(posterior: Beta, value: f64, draws: &mut DrawStream) -> Scored {
    let draw = posterior.sample(draws);
    Scored { chance: posterior.mean(), draw, score: value * draw }
}

/// How competing offers are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ranking {
    /// Value × the learned chance (Thompson), then catalog priority; and
    /// the relevance floor (the default).
    #[default]
    Learned,
    /// Catalog priority alone, no floor (the engine before learning; the
    /// population simulation's baseline).
    CatalogPriority,
}

/// The next-best-action settings an app may tune (defaults in
/// [`crate::policy`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelevancePolicy {
    /// How competing offers are ranked.
    pub ranking: Ranking,
    /// Below this learned chance, an offer is suppressed (`low_relevance`).
    pub floor: f64,
    /// Weight of the catalog's prior, in outcomes.
    pub prior_strength: f64,
}

impl Default for RelevancePolicy {
    fn default() -> Self {
        RelevancePolicy {
            ranking: Ranking::Learned,
            floor: crate::policy::DEFAULT_RELEVANCE_FLOOR,
            prior_strength: crate::policy::RELEVANCE_PRIOR_STRENGTH,
        }
    }
}

/// A deterministic stream of uniform draws for one install: SplitMix64
/// from a seed derived from the install id, at a position the engine keeps
/// (so a replay of the same inputs draws the same numbers, and a restart
/// continues the stream).
#[derive(Debug, Clone)]
pub struct DrawStream {
    state: u64,
    /// Draws taken from the stream so far.
    pub position: u64,
}

impl DrawStream {
    /// The stream of `install_id`, at `position`.
    pub fn new(install_id: &str, position: u64) -> Self {
        let digest =
            ring::digest::digest(&ring::digest::SHA256, format!("kairos next best action\0{install_id}").as_bytes());
        let mut seed = [0u8; 8];
        seed.copy_from_slice(&digest.as_ref()[..8]);
        Self::from_seed(u64::from_le_bytes(seed), position)
    }

    /// A stream from a numeric seed, at `position` (simulations).
    pub fn from_seed(seed: u64, position: u64) -> Self {
        DrawStream { state: seed.wrapping_add(position.wrapping_mul(0x9E37_79B9_7F4A_7C15)), position }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.position += 1;
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform draw in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal draw (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A Gamma(shape, 1) draw (Marsaglia–Tsang; shape < 1 boosted).
fn gamma(shape: f64, draws: &mut DrawStream) -> f64 {
    if shape <= 0.0 {
        return 0.0;
    }
    if shape < 1.0 {
        let u = draws.uniform().max(f64::MIN_POSITIVE);
        return gamma(shape + 1.0, draws) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = draws.normal();
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = draws.uniform();
        if u < 1.0 - 0.0331 * x.powi(4) || u.max(f64::MIN_POSITIVE).ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dismissals_of_a_category_lower_every_merchant_of_it() {
        let mut m = RelevanceModel::default();
        let fresh = m.posterior("bakery", "b2", 0.2, 4.0).mean();
        assert!((fresh - 0.2).abs() < 1e-9);
        for _ in 0..4 {
            m.record("b1", "bakery", Outcome::Dismissed);
        }
        let other = m.posterior("bakery", "b2", 0.2, 4.0).mean();
        let own = m.posterior("bakery", "b1", 0.2, 4.0).mean();
        assert!(other < 0.11, "{other}");
        assert!(own < other, "{own} {other}");
        // Another category is untouched.
        assert!((m.posterior("fashion", "f1", 0.2, 4.0).mean() - 0.2).abs() < 1e-9);
        // Redemptions raise it.
        for _ in 0..4 {
            m.record("b2", "bakery", Outcome::Redeemed);
        }
        assert!(m.posterior("bakery", "b2", 0.2, 4.0).mean() > 0.4);
    }

    #[test]
    fn an_unopened_notification_counts_less_than_a_dismissal() {
        let mut a = RelevanceModel::default();
        a.record("m", "c", Outcome::ExpiredUnopened);
        let mut b = RelevanceModel::default();
        b.record("m", "c", Outcome::Dismissed);
        assert!(a.posterior("c", "m", 0.2, 4.0).mean() > b.posterior("c", "m", 0.2, 4.0).mean());
    }

    #[test]
    fn once_she_has_redeemed_one_dismissal_of_a_fresh_category_puts_it_under_the_floor() {
        let floor = crate::policy::DEFAULT_RELEVANCE_FLOOR;
        let k = crate::policy::RELEVANCE_PRIOR_STRENGTH;
        // Before any yes: two bakeries dismissed leave a third at the floor
        // (a no may be a no to notifications), as `low-relevance.toml` shows.
        let mut m = RelevanceModel::default();
        m.record("b1", "bakery", Outcome::Dismissed);
        assert!(m.posterior("bakery", "b3", 0.12, k).mean() >= 0.09);
        m.record("b2", "bakery", Outcome::Dismissed);
        assert!(m.posterior("bakery", "b3", 0.12, k).mean() >= floor - 1e-12);
        // A shopper who redeemed a coffee offer and dismisses one bakery's:
        // every bakery falls under the floor; coffee and untouched
        // categories keep their chance.
        let mut m = RelevanceModel::default();
        m.record("c1", "coffee", Outcome::Redeemed);
        m.record("b1", "bakery", Outcome::Dismissed);
        assert!(m.posterior("bakery", "b3", 0.12, k).mean() < floor, "{:?}", m.posterior("bakery", "b3", 0.12, k));
        assert!((m.posterior("fashion", "f1", 0.12, k).mean() - 0.12).abs() < 1e-9);
        assert!(m.posterior("coffee", "c2", 0.12, k).mean() > 0.2);
        // An offer left to expire still weighs one failure.
        let mut m = RelevanceModel::default();
        m.record("c1", "coffee", Outcome::Redeemed);
        m.record("b1", "bakery", Outcome::ExpiredOpened);
        assert!(m.posterior("bakery", "b3", 0.12, k).mean() >= 0.09);
    }

    #[test]
    fn draws_are_reproducible_per_install_and_follow_the_posterior() {
        let mut s1 = DrawStream::new("install-a", 0);
        let mut s2 = DrawStream::new("install-a", 0);
        let mut s3 = DrawStream::new("install-b", 0);
        let a: Vec<u64> = (0..4).map(|_| s1.next_u64()).collect();
        assert_eq!(a, (0..4).map(|_| s2.next_u64()).collect::<Vec<_>>());
        assert_ne!(a, (0..4).map(|_| s3.next_u64()).collect::<Vec<_>>());
        let beta = Beta { a: 2.0, b: 8.0 };
        let mut s = DrawStream::from_seed(7, 0);
        let n = 20_000;
        let mean = (0..n).map(|_| beta.sample(&mut s)).sum::<f64>() / f64::from(n);
        assert!((mean - 0.2).abs() < 0.01, "{mean}");
        let small = Beta { a: 0.5, b: 0.5 };
        let mean = (0..n).map(|_| small.sample(&mut s)).sum::<f64>() / f64::from(n);
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
    }
}
