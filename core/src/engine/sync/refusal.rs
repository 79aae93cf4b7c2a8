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

/// One refusal of a sync, counted and explained.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// What was refused.
    pub request: RefusedRequest,
    /// The HTTP status (a 4xx).
    pub status: u16,
    /// The server's error code, when its answer had one.
    pub code: Option<String>,
    /// Outbox items the request carried.
    pub items: u32,
    /// What the engine did with them.
    pub action: RefusalAction,
}

impl Refusal {
    /// What the refusal means, for people.
    pub fn explanation(&self) -> &'static str {
        match self.code.as_deref() {
            Some("unknown_merchant_id") => "it names a merchant of no catalog the server published in the last 30 days",
            Some("unknown_offer_id") => "it names an offer of no catalog the server published in the last 30 days",
            Some("quota_exceeded") => "it would leave more rows for a day than the server keeps per install",
            Some("idempotency_key_reused") => "its key was used before with another body (a client bug)",
            Some("install_id_taken") => "the install id is registered already, without our token",
            _ => "the server will never accept it as it is",
        }
    }

    /// One line for `SyncReport::problems`.
    pub fn describe(&self) -> String {
        let what = match self.request {
            RefusedRequest::Summaries => format!("a batch of {} summaries", self.items),
            RefusedRequest::Deletion => "a deletion request".to_string(),
            RefusedRequest::Registration => "the registration".to_string(),
        };
        let code = self.code.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
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
            code: Some("quota_exceeded".into()),
            items: 3,
            action: RefusalAction::Dropped,
        };
        let line = r.describe();
        assert!(line.starts_with("a batch of 3 summaries was refused with 422 quota_exceeded"), "{line}");
        assert!(line.contains("more rows for a day") && line.ends_with("dropped, never retried"), "{line}");
    }
}
