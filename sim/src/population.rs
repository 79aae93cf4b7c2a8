//! `kairos-sim population`: catalog priority against the learned next best
//! action, on a synthetic population of shoppers.
//!
//! Each shopper has hidden per-category chances of redeeming (drawn from
//! `Beta(0.12·K, 0.88·K)`: `K`, `--concentration`, small gives strong
//! likes and dislikes, large gives every category about 12%). She passes
//! shops along her routes: each day 3 to 8 moments between 08:00 and 20:00,
//! each with 1 to 3 competing offers of the 25 merchants along her routes
//! (of a catalog of 400 merchants in 8 categories, each with an offer
//! renewed weekly, a value of 1 to 10 and a catalog priority of 0 to 10
//! that says nothing of her taste). Every shopper is run twice on the same
//! seeds (the same moments, and the same chance draws for her reaction at
//! each moment):
//!
//! - **static**: the catalog's priority picks the offer;
//! - **learned**: the engine's next best action (`kairos_core::offers::
//!   relevance`: the Beta posterior per category and merchant from her
//!   outcomes, a Thompson draw from a per-install stream, the relevance
//!   floor) and the notification budget (`MessageBudget`).
//!
//! Both keep the engine's offer caps (4 offers a day, 30 minutes between
//! offers, 7 days of silence for a dismissed offer, none again once
//! redeemed). She redeems a notification with her hidden chance for its
//! category; else dismisses it with chance `0.8 − p` (at least 0.2: what
//! she does not want she swipes away), else ignores it (opened or not,
//! even odds). Intervals are 95%, over shoppers (a shopper's days are not
//! independent): a mean of per-shopper rates, or a ratio estimator with
//! its delta-method standard error.
//!
//! What it does not run: the location pipeline (fences, tracks, visits).
//! The moments stand for fence events; what is measured is the decision
//! layer the engine applies at each one, with the engine's own code.

use kairos_core::offers::relevance::{score, DrawStream};
use kairos_core::offers::{BudgetPolicy, MessageBudget, MessageKind, RelevanceModel, RelevancePolicy};
use kairos_core::Timestamp;
use serde::Serialize;

/// Categories of the generated catalog.
const CATEGORIES: [&str; 8] = ["bakery", "coffee", "fashion", "grocery", "books", "electronics", "beauty", "sports"];
/// Merchants in the generated catalog.
const MERCHANTS: usize = 400;
/// Merchants along one shopper's routes.
const MERCHANTS_PER_SHOPPER: usize = 25;
/// The catalog's prior chance of redeeming (every offer).
const PRIOR_RATE: f64 = 0.12;
/// The engine's default caps (`core/src/policy/offers.rs`).
const OFFERS_PER_DAY: u32 = kairos_core::policy::DEFAULT_GLOBAL_OFFERS_PER_DAY;
const OFFER_GAP_MINUTES: i64 = kairos_core::policy::DEFAULT_GLOBAL_MIN_GAP_MS / 60_000;
const DISMISSAL_COOLDOWN_DAYS: i64 = kairos_core::policy::DEFAULT_DISMISSAL_COOLDOWN_MS / 86_400_000;

/// What to simulate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Shoppers.
    pub shoppers: u32,
    /// Days each.
    pub days: u32,
    /// The seed of everything.
    pub seed: u64,
    /// Concentration `K` of the hidden preferences.
    pub concentration: f64,
}

/// A figure with its 95% interval.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Interval {
    /// The estimate.
    pub value: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// One arm's figures.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Arm {
    /// Notifications shown per shopper per day.
    pub notifications_per_shopper_day: Interval,
    /// Redemptions per notification shown.
    pub redemptions_per_notification: Interval,
    /// Share of the notifications dismissed.
    pub dismissed_share: Interval,
    /// Dismissals per shopper per day.
    pub dismissals_per_shopper_day: Interval,
    /// Redemptions per shopper per day.
    pub redemptions_per_shopper_day: Interval,
}

/// The comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Catalog priority alone.
    #[serde(rename = "static")]
    pub static_arm: Arm,
    /// The learned next best action and the notification budget.
    pub learned: Arm,
    /// Shoppers simulated.
    pub shoppers: u32,
    /// Days each.
    pub days: u32,
    /// The seed.
    pub seed: u64,
    /// Concentration of the hidden preferences.
    pub concentration: f64,
}

#[derive(Debug, Clone, Copy)]
struct Merchant {
    category: usize,
    value: f64,
    priority: i32,
}

/// One shopper's totals in one arm.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    notifications: f64,
    redemptions: f64,
    dismissals: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Arms {
    Static,
    Learned,
}

fn mix(a: u64, b: u64) -> u64 {
    DrawStream::from_seed(a ^ b.wrapping_mul(0xD6E8_FEB8_6659_FD93), 0).next_u64()
}

fn catalog(seed: u64) -> Vec<Merchant> {
    let mut r = DrawStream::from_seed(mix(seed, 1), 0);
    (0..MERCHANTS)
        .map(|i| Merchant {
            category: i % CATEGORIES.len(),
            value: 1.0 + (r.uniform() * 10.0).floor().min(9.0),
            priority: (r.uniform() * 11.0).floor() as i32,
        })
        .collect()
}

/// A Beta(a, b) draw from the engine's own sampler.
fn beta(a: f64, b: f64, r: &mut DrawStream) -> f64 {
    kairos_core::offers::relevance::Beta { a, b }.sample(r)
}

/// Runs both arms over the population.
pub fn run(o: Options) -> Report {
    let merchants = catalog(o.seed);
    let (mut st, mut le) = (Vec::new(), Vec::new());
    for shopper in 0..u64::from(o.shoppers) {
        st.push(shopper_run(&o, &merchants, shopper, Arms::Static));
        le.push(shopper_run(&o, &merchants, shopper, Arms::Learned));
    }
    Report {
        static_arm: summarise(&st, o.days),
        learned: summarise(&le, o.days),
        shoppers: o.shoppers,
        days: o.days,
        seed: o.seed,
        concentration: o.concentration,
    }
}

fn shopper_run(o: &Options, merchants: &[Merchant], shopper: u64, arm: Arms) -> Totals {
    let s = mix(o.seed, shopper + 2);
    let mut world = DrawStream::from_seed(s, 0);
    let k = o.concentration;
    let taste: Vec<f64> =
        CATEGORIES.iter().map(|_| beta(PRIOR_RATE * k, (1.0 - PRIOR_RATE) * k, &mut world).min(0.9)).collect();
    let mine: Vec<usize> =
        (0..MERCHANTS_PER_SHOPPER).map(|_| (world.uniform() * merchants.len() as f64) as usize).collect();
    let mut draws = DrawStream::from_seed(mix(s, 3), 0);
    let (relevance, budget_policy) = (RelevancePolicy::default(), BudgetPolicy::default());
    let mut model = RelevanceModel::default();
    let mut budget = MessageBudget::default();
    // Per merchant: the day its offer was last dismissed, the week it was redeemed.
    let mut dismissed_day: Vec<Option<i64>> = vec![None; merchants.len()];
    let mut redeemed_week: Vec<Option<i64>> = vec![None; merchants.len()];
    let mut t = Totals::default();
    for day in 0..i64::from(o.days) {
        let mut moments: Vec<i64> =
            (0..3 + (world.uniform() * 6.0) as usize).map(|_| 480 + (world.uniform() * 720.0) as i64).collect();
        moments.sort_unstable();
        let (mut shown_today, mut last_shown) = (0u32, None::<i64>);
        for (mi, minute) in moments.into_iter().enumerate() {
            let n = 1 + (world.uniform() * 3.0) as usize;
            let mut cands: Vec<usize> = (0..n).map(|_| mine[(world.uniform() * mine.len() as f64) as usize]).collect();
            cands.sort_unstable();
            cands.dedup();
            // Her reaction's chance draws at this moment: the same in both arms.
            let mut mood = DrawStream::from_seed(mix(s, ((day as u64) << 16) | mi as u64 | 1 << 40), 0);
            let (u, v, w) = (mood.uniform(), mood.uniform(), mood.uniform());
            let at = Timestamp::from_millis((20_000 + day) * 86_400_000 + minute * 60_000);
            let week = day / 7;
            cands.retain(|&m| {
                redeemed_week[m] != Some(week) && dismissed_day[m].is_none_or(|d| day - d >= DISMISSAL_COOLDOWN_DAYS)
            });
            if cands.is_empty()
                || shown_today >= OFFERS_PER_DAY
                || last_shown.is_some_and(|l| minute - l < OFFER_GAP_MINUTES)
            {
                continue;
            }
            let winner = match arm {
                Arms::Static => {
                    cands.iter().copied().max_by_key(|&m| (merchants[m].priority, std::cmp::Reverse(m))).expect("some")
                }
                Arms::Learned => {
                    if budget.check(MessageKind::Offer, at, chrono_tz::UTC, &budget_policy).is_err() {
                        continue;
                    }
                    let mut best: Option<(f64, usize)> = None;
                    for &m in &cands {
                        let cat = CATEGORIES[merchants[m].category];
                        let post = model.posterior(cat, &m.to_string(), PRIOR_RATE, relevance.prior_strength);
                        let sc = score(post, merchants[m].value, &mut draws);
                        if sc.chance < relevance.floor {
                            continue;
                        }
                        if best.is_none_or(|(b, _)| sc.score > b) {
                            best = Some((sc.score, m));
                        }
                    }
                    let Some((_, m)) = best else { continue };
                    budget.record(MessageKind::Offer, at, chrono_tz::UTC);
                    m
                }
            };
            shown_today += 1;
            last_shown = Some(minute);
            t.notifications += 1.0;
            let p = taste[merchants[winner].category];
            use kairos_core::offers::relevance::Outcome;
            let outcome = if u < p {
                t.redemptions += 1.0;
                redeemed_week[winner] = Some(week);
                Outcome::Redeemed
            } else if v < (0.8 - p).max(0.2) {
                t.dismissals += 1.0;
                dismissed_day[winner] = Some(day);
                Outcome::Dismissed
            } else if w < 0.5 {
                Outcome::ExpiredOpened
            } else {
                Outcome::ExpiredUnopened
            };
            if arm == Arms::Learned {
                model.record(&winner.to_string(), CATEGORIES[merchants[winner].category], outcome);
            }
        }
    }
    t
}

fn mean_interval(xs: &[f64]) -> Interval {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if n > 1.0 { xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    let h = 1.96 * (var / n).sqrt();
    Interval { value: mean, low: mean - h, high: mean + h }
}

/// `Σy / Σx` over shoppers, with the delta-method interval.
fn ratio_interval(ys: &[f64], xs: &[f64]) -> Interval {
    let n = xs.len() as f64;
    let (sy, sx) = (ys.iter().sum::<f64>(), xs.iter().sum::<f64>());
    if sx == 0.0 {
        return Interval { value: 0.0, low: 0.0, high: 0.0 };
    }
    let r = sy / sx;
    let xbar = sx / n;
    let resid = ys.iter().zip(xs).map(|(y, x)| (y - r * x).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let h = 1.96 * (resid / n).sqrt() / xbar;
    Interval { value: r, low: r - h, high: r + h }
}

fn summarise(totals: &[Totals], days: u32) -> Arm {
    let d = f64::from(days);
    let per_day = |f: fn(&Totals) -> f64| totals.iter().map(|t| f(t) / d).collect::<Vec<_>>();
    let col = |f: fn(&Totals) -> f64| totals.iter().map(f).collect::<Vec<_>>();
    Arm {
        notifications_per_shopper_day: mean_interval(&per_day(|t| t.notifications)),
        redemptions_per_notification: ratio_interval(&col(|t| t.redemptions), &col(|t| t.notifications)),
        dismissed_share: ratio_interval(&col(|t| t.dismissals), &col(|t| t.notifications)),
        dismissals_per_shopper_day: mean_interval(&per_day(|t| t.dismissals)),
        redemptions_per_shopper_day: mean_interval(&per_day(|t| t.redemptions)),
    }
}

impl Report {
    /// Prints the comparison in words.
    pub fn print_text(&self) {
        println!(
            "Population: {} shoppers × {} days, seed {}, preference concentration {}",
            self.shoppers, self.days, self.seed, self.concentration
        );
        let row = |name: &str, f: fn(&Arm) -> Interval| {
            let (s, l) = (f(&self.static_arm), f(&self.learned));
            println!(
                "  {name:<32} static {:.4} [{:.4}, {:.4}]   learned {:.4} [{:.4}, {:.4}]   ×{:.2}",
                s.value,
                s.low,
                s.high,
                l.value,
                l.low,
                l.high,
                if s.value > 0.0 { l.value / s.value } else { f64::NAN }
            );
        };
        row("notifications per shopper-day", |a| a.notifications_per_shopper_day);
        row("redemptions per notification", |a| a.redemptions_per_notification);
        row("dismissed share", |a| a.dismissed_share);
        row("dismissals per shopper-day", |a| a.dismissals_per_shopper_day);
        row("redemptions per shopper-day", |a| a.redemptions_per_shopper_day);
    }
}
