//! Optional local differential privacy (LDP) for the counts of the daily
//! summaries. Off by default; on per purpose with an epsilon
//! ([`LocalPrivacy`]). `docs/privacy.md` and ADR 0004 explain the choices.
//!
//! **Mechanism** ([`MECHANISM`] = `"geometric"`): every count of a summary is
//! first rounded as without LDP (steps to 100, minutes to 15) and expressed
//! in those units, clamped to `[0, C]` where `C` is its documented clamp
//! (`policy::LDP_*_CLAMP`, in units), then gets two-sided geometric noise
//! (the discrete Laplace mechanism, Ghosh, Roughgarden and Sundararajan
//! 2009): `P(k) = (1 - α) / (1 + α) · α^|k|` with `α = exp(-ε_v / C)`, since
//! one shopper-day moves a value clamped to `[0, C]` by at most `C` (its
//! sensitivity). The result is clamped to `[0, C]` again and scaled back to
//! steps or minutes; clamping is post-processing and spends nothing. The
//! `goal_met` flag gets randomised response (Warner 1965): kept with
//! probability `e^ε_v / (1 + e^ε_v)`, flipped otherwise.
//!
//! **Composition**: the epsilon of a purpose is what one summary (one
//! purpose-day) spends in total. It is split evenly over the values of the
//! summary (sequential composition): `activity` has two values (steps and
//! goal), so each gets `ε / 2`; `visits` has two per merchant row (visits,
//! minutes), so each gets `ε / (2 · rows)`; `offers` five per offer row, so
//! each gets `ε / (5 · rows)`.
//!
//! The rows themselves (which merchants, which offers) are not hidden: only
//! their counts are noised.

use super::consent::Purpose;
use super::summaries::{MINUTES_QUANTUM, STEPS_QUANTUM};
use crate::policy;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Value};

/// The mechanism's name, as the summaries and the budget record it.
pub const MECHANISM: &str = "geometric";

/// Which purposes are noised, and with which epsilon. Every purpose is off
/// (`None`) by default: summaries are then exactly as without LDP.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LocalPrivacy {
    /// Epsilon spent per `activity` summary, or `None` for no noise.
    pub activity_epsilon: Option<f64>,
    /// Epsilon spent per `visits` summary, or `None` for no noise.
    pub visits_epsilon: Option<f64>,
    /// Epsilon spent per `offers` summary, or `None` for no noise.
    pub offers_epsilon: Option<f64>,
}

/// The system random source failed while drawing noise. The engine turns
/// it into its `Random` error (the write rolls back; nothing is sent
/// un-noised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the system random source failed")]
pub struct RandomSourceFailed;

/// Results of drawing noise.
type Result<T> = std::result::Result<T, RandomSourceFailed>;

/// Why a [`LocalPrivacy`] configuration was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LocalPrivacyError {
    /// The epsilon is NaN or infinite.
    #[error("the local-privacy epsilon of {purpose} must be a finite number, got {epsilon}")]
    NotFinite {
        /// The purpose's name.
        purpose: &'static str,
        /// The value given.
        epsilon: f64,
    },
    /// The epsilon is zero or negative.
    #[error("the local-privacy epsilon of {purpose} must be positive, got {epsilon}")]
    NotPositive {
        /// The purpose's name.
        purpose: &'static str,
        /// The value given.
        epsilon: f64,
    },
    /// The epsilon is above [`policy::LDP_MAX_EPSILON`].
    #[error("the local-privacy epsilon of {purpose} must be at most {max}, got {epsilon}")]
    TooLarge {
        /// The purpose's name.
        purpose: &'static str,
        /// The value given.
        epsilon: f64,
        /// The largest allowed.
        max: f64,
    },
}

impl LocalPrivacy {
    /// The epsilon of `purpose`, if it is noised.
    pub fn epsilon(&self, purpose: Purpose) -> Option<f64> {
        match purpose {
            Purpose::Activity => self.activity_epsilon,
            Purpose::Visits => self.visits_epsilon,
            Purpose::Offers => self.offers_epsilon,
            // No summary of its own, so nothing to noise.
            Purpose::Social => None,
        }
    }

    /// Whether any purpose is noised.
    pub fn is_on(&self) -> bool {
        Purpose::ALL.iter().any(|p| self.epsilon(*p).is_some())
    }

    /// Checks every epsilon: finite, positive, at most
    /// [`policy::LDP_MAX_EPSILON`].
    pub fn validate(&self) -> std::result::Result<(), LocalPrivacyError> {
        for purpose in Purpose::ALL {
            let Some(epsilon) = self.epsilon(purpose) else { continue };
            let purpose = purpose.as_str();
            if !epsilon.is_finite() {
                return Err(LocalPrivacyError::NotFinite { purpose, epsilon });
            }
            if epsilon <= 0.0 {
                return Err(LocalPrivacyError::NotPositive { purpose, epsilon });
            }
            if epsilon > policy::LDP_MAX_EPSILON {
                return Err(LocalPrivacyError::TooLarge { purpose, epsilon, max: policy::LDP_MAX_EPSILON });
            }
        }
        Ok(())
    }
}

/// Where the noise comes from: the system's secure generator in apps, a
/// seeded generator for reproducible tests and simulations.
pub enum NoiseSource {
    /// `ring`'s `SystemRandom` (the OS's secure generator).
    System(SystemRandom),
    /// SplitMix64 from a seed: predictable, for tests only.
    Seeded(u64),
}

impl std::fmt::Debug for NoiseSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NoiseSource::System(_) => "NoiseSource::System",
            NoiseSource::Seeded(_) => "NoiseSource::Seeded(..)",
        })
    }
}

impl NoiseSource {
    /// The system's secure generator, or a seeded one when `seed` is given.
    pub fn new(seed: Option<u64>) -> Self {
        seed.map_or_else(|| NoiseSource::System(SystemRandom::new()), NoiseSource::Seeded)
    }

    fn next_u64(&mut self) -> Result<u64> {
        match self {
            NoiseSource::System(rng) => {
                let mut b = [0u8; 8];
                rng.fill(&mut b).map_err(|_| RandomSourceFailed)?;
                Ok(u64::from_le_bytes(b))
            }
            NoiseSource::Seeded(state) => {
                *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = *state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                Ok(z ^ (z >> 31))
            }
        }
    }

    /// A uniform draw in `(0, 1]` (53 bits).
    fn unit(&mut self) -> Result<f64> {
        Ok(((self.next_u64()? >> 11) + 1) as f64 / (1u64 << 53) as f64)
    }

    /// A geometric draw on `{0, 1, ...}`: `P(k) = (1 - α) α^k`, by inversion.
    fn geometric(&mut self, alpha: f64) -> Result<i64> {
        let g = (self.unit()?.ln() / alpha.ln()).floor();
        // `alpha` near 1 with a tiny draw could overflow: cap far beyond any clamp.
        Ok(if g.is_finite() { g.min(1e15) as i64 } else { 0 })
    }

    /// A two-sided geometric draw, `P(k) = (1 - α) / (1 + α) · α^|k|`: the
    /// difference of two independent geometric draws.
    pub fn two_sided_geometric(&mut self, alpha: f64) -> Result<i64> {
        Ok(self.geometric(alpha)? - self.geometric(alpha)?)
    }

    /// `value` clamped to `[0, clamp]`, noised for `epsilon` with
    /// sensitivity `clamp`, clamped to `[0, clamp]` again.
    pub fn noisy_count(&mut self, value: i64, clamp: i64, epsilon: f64) -> Result<i64> {
        let alpha = (-epsilon / clamp as f64).exp();
        Ok((value.clamp(0, clamp) + self.two_sided_geometric(alpha)?).clamp(0, clamp))
    }

    /// Randomised response: `value` kept with probability
    /// `e^ε / (1 + e^ε)`, flipped otherwise.
    pub fn noisy_bool(&mut self, value: bool, epsilon: f64) -> Result<bool> {
        let keep = 1.0 / (1.0 + (-epsilon).exp());
        Ok(if self.unit()? <= keep { value } else { !value })
    }
}

/// A count field of a summary row: name, unit (rounding quantum), clamp in
/// the field's own units.
struct Field(&'static str, i64, i64);

const VISITS_FIELDS: &[Field] =
    &[Field("visits", 1, policy::LDP_VISITS_CLAMP), Field("minutes", MINUTES_QUANTUM, policy::LDP_MINUTES_CLAMP)];
const OFFERS_FIELDS: &[Field] = &[
    Field("triggered", 1, policy::LDP_OFFER_COUNT_CLAMP),
    Field("presented", 1, policy::LDP_OFFER_COUNT_CLAMP),
    Field("redeemed", 1, policy::LDP_OFFER_COUNT_CLAMP),
    Field("dismissed", 1, policy::LDP_OFFER_COUNT_CLAMP),
    Field("held_out", 1, policy::LDP_OFFER_COUNT_CLAMP),
];

fn noise_field(obj: &mut Value, f: &Field, epsilon: f64, src: &mut NoiseSource) -> Result<()> {
    let Field(name, unit, clamp) = *f;
    let v = obj[name].as_i64().unwrap_or(0);
    let noisy = src.noisy_count(v / unit, clamp / unit, epsilon)?;
    obj[name] = json!(noisy * unit);
    Ok(())
}

/// Noises the counts of a built summary of `purpose` in place, spending
/// `epsilon` in all, and records the mechanism and epsilon in it
/// (`"noise": {"mechanism": "geometric", "epsilon": ε}`).
pub fn noise_summary(purpose: Purpose, payload: &mut Value, epsilon: f64, src: &mut NoiseSource) -> Result<()> {
    match purpose {
        Purpose::Activity => {
            let e = epsilon / 2.0;
            let steps = Field("steps", STEPS_QUANTUM, policy::LDP_STEPS_CLAMP);
            noise_field(payload, &steps, e, src)?;
            let goal = payload["goal_met"].as_bool().unwrap_or(false);
            payload["goal_met"] = json!(src.noisy_bool(goal, e)?);
        }
        // No summary: nothing reaches here (its summary is never built).
        Purpose::Social => {}
        Purpose::Visits | Purpose::Offers => {
            let (list, fields) =
                if purpose == Purpose::Visits { ("merchants", VISITS_FIELDS) } else { ("offers", OFFERS_FIELDS) };
            if let Some(rows) = payload[list].as_array_mut() {
                let e = epsilon / (fields.len() * rows.len().max(1)) as f64;
                for row in rows {
                    for f in fields {
                        noise_field(row, f, e, src)?;
                    }
                }
            }
        }
    }
    payload["noise"] = json!({"mechanism": MECHANISM, "epsilon": epsilon});
    Ok(())
}

#[cfg(test)]
#[path = "ldp_tests.rs"]
mod tests;
