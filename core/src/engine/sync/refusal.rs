//! Requests the server refused for good, as a sync reports them: what was
//! refused, with which status and error code, why, and what the engine did.

/// Which request the server refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusedRequest {
    /// A batch of summaries (`POST /v1/summaries`).
    Summaries,
    /// A deletion request (`POST /v1/deletion-requests`).
    Deletion,
    /// A registration (`POST /v1/installs`).
    Registration,
}

/// What the engine did with a refused request's outbox items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalAction {
    /// Removed from the outbox and counted (`SyncReport::dropped`); never
    /// retried: the server will not accept them as they are.
    Dropped,
    /// Kept in the outbox (a deletion request is never given up on a
    /// refusal); the sync stopped there and backs off.
    KeptQueued,
    /// Nothing queued was concerned (a registration): retried with a new
    /// install id, or at the next sync.
    NothingQueued,
}

/// The server's error code of a refusal (`docs/protocol.md`), parsed from
/// its error body `{"error": {"code": ...}}`. The wire spellings live here
/// only ([`RefusalCode::as_str`]); the bindings derive theirs from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalCode {
    /// `unknown_merchant_id`: a summary names a merchant of no catalog
    /// published in the last 30 days.
    UnknownMerchantId,
    /// `unknown_offer_id`: a summary names an offer of no catalog published
    /// in the last 30 days.
    UnknownOfferId,
    /// `quota_exceeded`: more rows for a day than the server keeps per install.
    QuotaExceeded,
    /// `idempotency_key_reused`: the key was used before with another body.
    IdempotencyKeyReused,
    /// `install_id_taken`: the install id is registered already, without
    /// our token (choose a new one).
    InstallIdTaken,
    /// A code this version does not know, as the server sent it.
    Other(String),
}

impl RefusalCode {
    /// Every code this version knows (all but [`RefusalCode::Other`]).
    pub const KNOWN: [RefusalCode; 5] = [
        RefusalCode::UnknownMerchantId,
        RefusalCode::UnknownOfferId,
        RefusalCode::QuotaExceeded,
        RefusalCode::IdempotencyKeyReused,
        RefusalCode::InstallIdTaken,
    ];

    /// The code as the server spells it.
    pub fn as_str(&self) -> &str {
        match self {
            RefusalCode::UnknownMerchantId => "unknown_merchant_id",
            RefusalCode::UnknownOfferId => "unknown_offer_id",
            RefusalCode::QuotaExceeded => "quota_exceeded",
            RefusalCode::IdempotencyKeyReused => "idempotency_key_reused",
            RefusalCode::InstallIdTaken => "install_id_taken",
            RefusalCode::Other(code) => code,
        }
    }

    /// The code the server sent: a known one, or [`RefusalCode::Other`].
    pub fn parse(code: &str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|known| known.as_str() == code)
            .unwrap_or_else(|| RefusalCode::Other(code.to_owned()))
    }

    /// What the code means, for people.
    pub fn explanation(&self) -> &'static str {
        match self {
            RefusalCode::UnknownMerchantId => {
                "it names a merchant of no catalog the server published in the last 30 days"
            }
            RefusalCode::UnknownOfferId => "it names an offer of no catalog the server published in the last 30 days",
            RefusalCode::QuotaExceeded => "it would leave more rows for a day than the server keeps per install",
            RefusalCode::IdempotencyKeyReused => "its key was used before with another body (a client bug)",
            RefusalCode::InstallIdTaken => "the install id is registered already, without our token",
            RefusalCode::Other(_) => NO_CODE_EXPLANATION,
        }
    }
}

/// The explanation of a refusal without a code this version knows.
const NO_CODE_EXPLANATION: &str = "the server will never accept it as it is";

/// One refusal of a sync, counted and explained.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// What was refused.
    pub request: RefusedRequest,
    /// The HTTP status (a 4xx).
    pub status: u16,
    /// The server's error code, when its answer had one.
    pub code: Option<RefusalCode>,
    /// Outbox items the request carried.
    pub items: u32,
    /// What the engine did with them.
    pub action: RefusalAction,
}

impl Refusal {
    /// What the refusal means, for people.
    pub fn explanation(&self) -> &'static str {
        self.code.as_ref().map_or(NO_CODE_EXPLANATION, RefusalCode::explanation)
    }

    /// One line for `SyncReport::problems`.
    pub fn describe(&self) -> String {
        let what = match self.request {
            RefusedRequest::Summaries => format!("a batch of {} summaries", self.items),
            RefusedRequest::Deletion => "a deletion request".to_string(),
            RefusedRequest::Registration => "the registration".to_string(),
        };
        let code = self.code.as_ref().map(|c| format!(" {}", c.as_str())).unwrap_or_default();
        let action = match self.action {
            RefusalAction::Dropped => "dropped, never retried",
            RefusalAction::KeptQueued => "kept queued",
            RefusalAction::NothingQueued => "registering with a new install id",
        };
        format!("{what} was refused with {}{code}: {}; {action}", self.status, self.explanation())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_says_what_why_and_what_was_done() {
        let r = Refusal {
            request: RefusedRequest::Summaries,
            status: 422,
            code: Some(RefusalCode::QuotaExceeded),
            items: 3,
            action: RefusalAction::Dropped,
        };
        let line = r.describe();
        assert!(line.starts_with("a batch of 3 summaries was refused with 422 quota_exceeded"), "{line}");
        assert!(line.contains("more rows for a day") && line.ends_with("dropped, never retried"), "{line}");
    }

    #[test]
    fn every_known_code_parses_back_from_its_spelling_and_others_are_kept_as_sent() {
        for code in RefusalCode::KNOWN {
            assert_eq!(RefusalCode::parse(code.as_str()), code);
            assert_ne!(code.explanation(), NO_CODE_EXPLANATION, "{code:?} is explained");
        }
        assert_eq!(RefusalCode::parse("brand_new"), RefusalCode::Other("brand_new".into()));
        assert_eq!(RefusalCode::parse("brand_new").as_str(), "brand_new");
    }
}
