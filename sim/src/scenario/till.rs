//! The merchant's till of a replay: where the `redeem` action presents the
//! shopper's redemption token (twice: the second presentation must be
//! refused). `run --sync embedded` gives the replay the embedded
//! backend's till; without one the token is shown but not verified, and
//! `redemption_verified` expectations are not judged (`expect.rs`).

use kairos_core::Timestamp;
use serde_json::Value;

/// What a till answered: the status and the body (the verified facts, or
/// the error with its code).
#[derive(Debug, Clone, PartialEq)]
pub struct TillAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Value,
}

/// A merchant's till that verifies tokens with a backend.
pub trait Till {
    /// Registers the engine's install (and its redemption key) with the
    /// till's backend if it is not yet: what an app does at onboarding.
    /// Returns the problems the registration reported, if any.
    fn register(&self, engine: &kairos_core::Engine) -> Result<Vec<String>, String>;

    /// Presents `token` at `merchant_id`'s till at `at` (the backend judges
    /// expiry by the replay's clock).
    fn verify(&self, merchant_id: &str, token: &str, at: Timestamp) -> Result<TillAnswer, String>;
}

/// The kind of the lines a till's answers make.
pub const VERIFIED_KIND: &str = "redemption_verified";
