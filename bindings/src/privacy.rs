//! Privacy: consent, the outbox (what would leave the device), export,
//! import, backup and erase, and the local-privacy budget spent (`Engine.privacy_budget`, in
//! `engine.rs`: this module holds the types only, so it does not import the
//! engine). `docs/privacy.md` is the inventory of what is held and shared.

use crate::error::KairosError;
use crate::local_day::LocalDay;
use crate::purpose::Purpose;
use crate::time::from_core;
use kairos_core::privacy as core;
use std::time::SystemTime;

/// One recorded choice of the shopper, as kept in the consent ledger.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ConsentEntry {
    /// The purpose.
    pub purpose: Purpose,
    /// Granted (`true`) or withdrawn (`false`).
    pub granted: bool,
    /// The version of the privacy policy the shopper saw.
    pub policy_version: String,
    /// When the choice was made.
    pub at: SystemTime,
}

impl From<core::ConsentEntry> for ConsentEntry {
    fn from(e: core::ConsentEntry) -> Self {
        ConsentEntry {
            purpose: e.purpose.into(),
            granted: e.granted,
            policy_version: e.policy_version,
            at: from_core(e.at),
        }
    }
}

/// The current choice for each purpose, and the ledger that proves it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Consents {
    /// The latest entry per purpose; a purpose without one is not granted.
    pub current: Vec<ConsentEntry>,
    /// Every choice ever recorded, oldest first (appended to, never
    /// rewritten).
    pub ledger: Vec<ConsentEntry>,
}

impl From<core::Consents> for Consents {
    fn from(c: core::Consents) -> Self {
        Consents {
            current: c.current.into_iter().map(Into::into).collect(),
            ledger: c.ledger.into_iter().map(Into::into).collect(),
        }
    }
}

/// What `setConsent` did.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ConsentChange {
    /// The consents after the change.
    pub consents: Consents,
    /// Queued summaries of the purpose that were deleted (on withdrawal).
    pub purged: i64,
    /// Whether a deletion request for the purpose was queued (on withdrawal
    /// of a granted purpose); the next `sync` sends it.
    pub deletion_queued: bool,
}

impl From<kairos_core::privacy::ConsentChange> for ConsentChange {
    fn from(c: kairos_core::privacy::ConsentChange) -> Self {
        ConsentChange {
            consents: c.consents.into(),
            purged: i64::try_from(c.purged).unwrap_or(i64::MAX),
            deletion_queued: c.deletion_queued,
        }
    }
}

/// What an outbox item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum OutboxKind {
    /// A per-day summary of one consented purpose.
    Summary,
    /// A request that the backend delete what it holds: for one purpose
    /// (after a withdrawal) or, without a purpose, everything (after
    /// `eraseAll`).
    Deletion,
}

/// One item waiting to leave the device: exactly what `sync` will send.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OutboxItem {
    /// Stable id of the item.
    pub id: i64,
    /// A summary or a deletion request.
    pub kind: OutboxKind,
    /// The purpose; `nil`/`null` for a deletion of everything.
    pub purpose: Option<Purpose>,
    /// The local day a summary is about; `nil`/`null` for a deletion
    /// request.
    pub day: Option<LocalDay>,
    /// The JSON payload, exactly as it will be sent (no coordinate, no place
    /// of the shopper's own, no time finer than the day).
    pub payload: String,
    /// When it was queued.
    pub queued_at: SystemTime,
}

impl TryFrom<kairos_core::privacy::OutboxItem> for OutboxItem {
    type Error = KairosError;

    fn try_from(o: kairos_core::privacy::OutboxItem) -> Result<Self, KairosError> {
        let kind = match o.kind {
            core::OutboxKind::Summary => OutboxKind::Summary,
            core::OutboxKind::Deletion => OutboxKind::Deletion,
        };
        Ok(OutboxItem {
            id: o.id,
            kind,
            purpose: o.purpose.map(Into::into),
            day: o.day.as_deref().map(LocalDay::from_core).transpose()?,
            payload: o.payload,
            queued_at: from_core(o.created_at),
        })
    }
}

/// The local-privacy budget one summary spent: one entry per purpose and
/// local day whose summary was noised (see `EngineConfig.activityEpsilon`
/// and `docs/privacy.md`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BudgetEntry {
    /// The local day the summary is about.
    pub day: LocalDay,
    /// The purpose.
    pub purpose: Purpose,
    /// The mechanism (`"geometric"`: two-sided geometric noise on counts,
    /// randomised response on the goal flag).
    pub mechanism: String,
    /// The epsilon the summary spent.
    pub epsilon: f64,
    /// When the summary was built.
    pub spent_at: SystemTime,
}

impl TryFrom<kairos_core::privacy::BudgetEntry> for BudgetEntry {
    type Error = KairosError;

    fn try_from(b: kairos_core::privacy::BudgetEntry) -> Result<Self, KairosError> {
        Ok(BudgetEntry {
            day: LocalDay::from_core(&b.day)?,
            purpose: b.purpose.into(),
            mechanism: b.mechanism,
            epsilon: b.epsilon,
            spent_at: from_core(b.spent_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_round_trip() {
        for p in core::Purpose::ALL {
            assert_eq!(core::Purpose::from(Purpose::from(p)), p);
        }
    }

    #[test]
    fn outbox_kinds_follow_the_core_names() {
        let item = |kind| kairos_core::privacy::OutboxItem {
            id: 1,
            kind,
            purpose: None,
            day: None,
            payload: "{}".into(),
            created_at: kairos_core::Timestamp::from_millis(0),
            batch_key: None,
        };
        assert_eq!(OutboxItem::try_from(item(core::OutboxKind::Deletion)).unwrap().kind, OutboxKind::Deletion);
        assert_eq!(OutboxItem::try_from(item(core::OutboxKind::Summary)).unwrap().kind, OutboxKind::Summary);
    }
}
