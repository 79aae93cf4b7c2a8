//! Consent: the purposes a shopper can agree to, and the ledger of their
//! choices. All purposes are off until the app records a choice; the
//! ledger is only ever appended to.

use crate::domain::time::Timestamp;
use serde::{Deserialize, Serialize};

/// What a summary may be shared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Daily steps (rounded to 100) and whether the goal was met.
    Activity,
    /// Visits per catalog merchant per day (count, minutes rounded to 15).
    Visits,
    /// Offer outcomes per offer per day, for measurement.
    Offers,
    /// Social proof: friends linked by invitation (through the backend, both
    /// holding `social`) see how many of them visited a catalog merchant in
    /// the last 30 days, never who. Under it the install's consented
    /// merchant visits (`visits`) count towards its friends' counts, and it
    /// receives its own counts at sync. No daily summary of its own.
    Social,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 4] = [Purpose::Activity, Purpose::Visits, Purpose::Offers, Purpose::Social];

    /// The purposes with a daily summary (`social` has none: it shares
    /// through friend links and the `visits` summaries).
    pub const SUMMARISED: [Purpose; 3] = [Purpose::Activity, Purpose::Visits, Purpose::Offers];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Activity => "activity",
            Purpose::Visits => "visits",
            Purpose::Offers => "offers",
            Purpose::Social => "social",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recorded choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEntry {
    /// The purpose.
    pub purpose: Purpose,
    /// Granted or withdrawn.
    pub granted: bool,
    /// The version of the privacy policy the shopper saw.
    pub policy_version: String,
    /// When the choice was made.
    pub at: Timestamp,
}

/// The current choice for each purpose, and the ledger that proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consents {
    /// The latest entry per purpose; a purpose without one is not granted.
    pub current: Vec<ConsentEntry>,
    /// Every choice ever recorded, oldest first.
    pub ledger: Vec<ConsentEntry>,
}

impl Consents {
    /// Whether `purpose` is granted now.
    pub fn is_granted(&self, purpose: Purpose) -> bool {
        self.current.iter().any(|e| e.purpose == purpose && e.granted)
    }
}
