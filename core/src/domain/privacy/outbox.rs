//! What waits to leave the device: outbox items (a day's summary of one
//! purpose, or a deletion request), and the local-privacy budget each
//! noised summary spent.

use super::consent::Purpose;
use crate::domain::time::Timestamp;

/// What an outbox item is. Deliberately not `#[non_exhaustive]`: the
/// bindings match it exhaustively, so a new kind fails their build instead
/// of reaching an app as another kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxKind {
    /// A per-day summary of one consented purpose.
    Summary,
    /// A request that the backend delete what it holds: for one purpose
    /// (after a withdrawal) or, without a purpose, everything (after an
    /// erase).
    Deletion,
}

impl OutboxKind {
    /// The stored name (`summary`, `deletion`).
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Summary => "summary",
            OutboxKind::Deletion => "deletion",
        }
    }

    /// The kind stored as `s`, or `None` for a name no kind has.
    pub fn parse(s: &str) -> Option<OutboxKind> {
        match s {
            "summary" => Some(OutboxKind::Summary),
            "deletion" => Some(OutboxKind::Deletion),
            _ => None,
        }
    }
}

/// One item waiting to leave the device.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    /// Row id.
    pub id: i64,
    /// A summary or a deletion request.
    pub kind: OutboxKind,
    /// The purpose (`None` for a deletion of everything).
    pub purpose: Option<Purpose>,
    /// The local day a summary is about.
    pub day: Option<String>,
    /// The JSON payload, exactly as it will be sent.
    pub payload: String,
    /// When it was queued.
    pub created_at: Timestamp,
    /// The idempotency key of the batch it was first sent in, if any.
    pub batch_key: Option<String>,
}

/// The local-privacy budget one summary spent: one entry per purpose and
/// local day whose summary was noised.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetEntry {
    /// The local day (`YYYY-MM-DD`) the summary is about.
    pub day: String,
    /// The purpose.
    pub purpose: Purpose,
    /// The mechanism (`"geometric"`, see `privacy::ldp`).
    pub mechanism: String,
    /// The epsilon spent.
    pub epsilon: f64,
    /// When the summary was built.
    pub spent_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::OutboxKind;

    #[test]
    fn outbox_kinds_keep_their_stored_spelling() {
        assert_eq!(OutboxKind::Summary.as_str(), "summary");
        assert_eq!(OutboxKind::Deletion.as_str(), "deletion");
        for k in [OutboxKind::Summary, OutboxKind::Deletion] {
            assert_eq!(OutboxKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(OutboxKind::parse("Summary"), None);
    }
}
