//! Sync with the backend: what to pass and what comes back.
//! `docs/protocol.md` describes the exchange.

use crate::error::KairosError;
use crate::time::from_core;
use std::time::SystemTime;

/// Where and how to sync.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncOptions {
    /// The backend's base URL, `https://...`. Plain `http://` is refused
    /// (`InvalidInput`) unless it points at a loopback address and
    /// `allowInsecureLoopback` is set.
    pub base_url: String,
    /// Allow plain `http://` to 127.0.0.1, ::1 or localhost (tests, a
    /// backend embedded in a demo app). Never to another host.
    #[uniffi(default = false)]
    pub allow_insecure_loopback: bool,
    /// Also fetch a fresh signed catalog when the one in force is stale or
    /// about to expire (with `If-None-Match`; loaded only if its signature
    /// verifies).
    #[uniffi(default = true)]
    pub fetch_catalog: bool,
}

impl From<SyncOptions> for kairos_core::sync::SyncOptions {
    fn from(o: SyncOptions) -> Self {
        // Batches keep the core's default size.
        kairos_core::sync::SyncOptions {
            allow_insecure_loopback: o.allow_insecure_loopback,
            fetch_catalog: o.fetch_catalog,
            ..kairos_core::sync::SyncOptions::new(o.base_url)
        }
    }
}

/// What a sync did. Network and server trouble never make `sync` throw:
/// it is reported here, and what could not be sent stays for the next sync.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncReport {
    /// Summaries the server accepted (removed from the outbox).
    pub sent: i32,
    /// Requests that carried them.
    pub batches: i32,
    /// Summaries the server refused for good (a 4xx): dropped and counted
    /// in `outboxDropped()`.
    pub dropped: i32,
    /// Summaries left in the outbox for a later sync (server or network
    /// trouble, or waiting for the backoff).
    pub deferred: i32,
    /// Deletion requests delivered.
    pub deletions_sent: i32,
    /// Whether a new catalog was fetched and put in force (listeners also
    /// receive `CatalogLoaded`).
    pub catalog_updated: bool,
    /// Why anything was deferred, or the catalog not loaded, in words.
    pub problems: Vec<String>,
    /// Do not sync again before this instant (backoff after trouble);
    /// `nil`/`null` when any time will do.
    pub next_attempt_at: Option<SystemTime>,
    /// Each request the server refused for good: what, with which status
    /// and code, and what the engine did (also described in `problems`).
    pub refusals: Vec<SyncRefusal>,
    /// With `social` granted, how many merchants the friends' visit counts
    /// fetched name (`friendCounts()` has them); `nil`/`null` when none
    /// were fetched.
    pub friend_counts: Option<i32>,
}

/// Which request the server refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RefusedRequest {
    /// A batch of summaries (`POST /v1/summaries`).
    Summaries,
    /// A deletion request (`POST /v1/deletion-requests`).
    Deletion,
    /// A registration (`POST /v1/installs`).
    Registration,
}

/// What the engine did with a refused request's outbox items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RefusalAction {
    /// Removed from the outbox and counted (`dropped`); never retried.
    Dropped,
    /// Kept in the outbox (a deletion request is never given up); the sync
    /// stopped there and backs off.
    KeptQueued,
    /// Nothing queued was concerned (a registration): retried with a new
    /// install id, or at the next sync.
    NothingQueued,
}

/// The server's error code of a refusal (`docs/protocol.md`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum RefusalCode {
    /// A summary names a merchant of no catalog published in the last 30 days.
    UnknownMerchantId,
    /// A summary names an offer of no catalog published in the last 30 days.
    UnknownOfferId,
    /// More rows for a day than the server keeps per install.
    QuotaExceeded,
    /// The idempotency key was used before with another body (a client bug).
    IdempotencyKeyReused,
    /// The install id is registered already, without our token.
    InstallIdTaken,
    /// The answer carried no code.
    NoCode,
    /// A code this version does not know, as the server sent it.
    Other {
        /// The code.
        code: String,
    },
}

impl RefusalCode {
    /// The core's code (whose wire spellings are the only ones), or
    /// [`RefusalCode::NoCode`] when the answer had none.
    fn from_core(code: Option<&kairos_core::sync::RefusalCode>) -> Self {
        use kairos_core::sync::RefusalCode as Core;
        match code {
            None => RefusalCode::NoCode,
            Some(Core::UnknownMerchantId) => RefusalCode::UnknownMerchantId,
            Some(Core::UnknownOfferId) => RefusalCode::UnknownOfferId,
            Some(Core::QuotaExceeded) => RefusalCode::QuotaExceeded,
            Some(Core::IdempotencyKeyReused) => RefusalCode::IdempotencyKeyReused,
            Some(Core::InstallIdTaken) => RefusalCode::InstallIdTaken,
            Some(Core::Other(code)) => RefusalCode::Other { code: code.clone() },
        }
    }
}

/// One request the server refused for good, as a sync reports it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncRefusal {
    /// What was refused.
    pub request: RefusedRequest,
    /// The HTTP status (a 4xx).
    pub status: i32,
    /// The server's error code.
    pub code: RefusalCode,
    /// Outbox items the request carried.
    pub items: i32,
    /// What the engine did with them.
    pub action: RefusalAction,
    /// What the refusal means, for people.
    pub explanation: String,
}

impl From<kairos_core::sync::Refusal> for SyncRefusal {
    fn from(r: kairos_core::sync::Refusal) -> Self {
        use kairos_core::sync::{RefusalAction as A, RefusedRequest as R};
        SyncRefusal {
            request: match r.request {
                R::Summaries => RefusedRequest::Summaries,
                R::Deletion => RefusedRequest::Deletion,
                R::Registration => RefusedRequest::Registration,
            },
            status: i32::from(r.status),
            code: RefusalCode::from_core(r.code.as_ref()),
            items: i32::try_from(r.items).unwrap_or(i32::MAX),
            action: match r.action {
                A::Dropped => RefusalAction::Dropped,
                A::KeptQueued => RefusalAction::KeptQueued,
                A::NothingQueued => RefusalAction::NothingQueued,
            },
            explanation: r.explanation().to_string(),
        }
    }
}

impl From<kairos_core::sync::SyncReport> for SyncReport {
    fn from(r: kairos_core::sync::SyncReport) -> Self {
        let count = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        SyncReport {
            sent: count(r.sent),
            batches: count(r.batches),
            dropped: count(r.dropped),
            deferred: count(r.deferred),
            deletions_sent: count(r.deletions_sent),
            catalog_updated: r.catalog_updated,
            problems: r.problems,
            next_attempt_at: r.next_attempt_at.map(from_core),
            refusals: r.refusals.into_iter().map(Into::into).collect(),
            friend_counts: r.friend_counts.map(count),
        }
    }
}

/// Checks the URL before any work is scheduled, so that a bad one throws at
/// once with the core's reason.
pub(crate) fn check(options: &SyncOptions) -> Result<(), KairosError> {
    kairos_core::sync::check_base_url(&options.base_url, options.allow_insecure_loopback)
        .map(drop)
        .map_err(|e| KairosError::from(kairos_core::KairosError::from(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(url: &str, loopback: bool) -> SyncOptions {
        SyncOptions { base_url: url.into(), allow_insecure_loopback: loopback, fetch_catalog: true }
    }

    #[test]
    fn plain_http_is_refused_except_to_loopback_when_allowed() {
        assert!(check(&options("https://api.example.com", false)).is_ok());
        assert!(check(&options("http://127.0.0.1:9", true)).is_ok());
        for (url, loopback) in [("http://127.0.0.1:9", false), ("http://192.0.2.1", true), ("nonsense", true)] {
            match check(&options(url, loopback)) {
                Err(KairosError::InvalidInput { reason }) => assert!(reason.contains("sync URL"), "{reason}"),
                other => panic!("{url}: {other:?}"),
            }
        }
    }

    #[test]
    fn report_counts_and_backoff_cross_over() {
        let core = kairos_core::sync::SyncReport {
            sent: 3,
            batches: 1,
            deferred: 2,
            next_attempt_at: Some(kairos_core::Timestamp::from_millis(1_795_600_800_000)),
            problems: vec!["server answered 503".into()],
            ..Default::default()
        };
        let r = SyncReport::from(core);
        assert_eq!((r.sent, r.batches, r.deferred, r.dropped), (3, 1, 2, 0));
        assert_eq!(r.next_attempt_at.map(crate::time::to_core).map(|t| t.millis()), Some(1_795_600_800_000));
        assert_eq!(r.problems, ["server answered 503"]);
        assert!(r.refusals.is_empty());
    }

    #[test]
    fn refusals_cross_over_with_their_code_as_an_enum_and_an_unknown_code_kept() {
        use kairos_core::sync::{Refusal, RefusalAction as A, RefusedRequest as R};
        let refusal = |code: Option<&str>| Refusal {
            request: R::Summaries,
            status: 422,
            code: code.map(kairos_core::sync::RefusalCode::parse),
            items: 4,
            action: A::Dropped,
        };
        let core = kairos_core::sync::SyncReport {
            refusals: vec![refusal(Some("quota_exceeded")), refusal(Some("brand_new")), refusal(None)],
            ..Default::default()
        };
        let r = SyncReport::from(core);
        let codes: Vec<RefusalCode> = r.refusals.iter().map(|x| x.code.clone()).collect();
        assert_eq!(
            codes,
            [RefusalCode::QuotaExceeded, RefusalCode::Other { code: "brand_new".into() }, RefusalCode::NoCode]
        );
        assert_eq!(
            (r.refusals[0].request, r.refusals[0].status, r.refusals[0].items, r.refusals[0].action),
            (RefusedRequest::Summaries, 422, 4, RefusalAction::Dropped)
        );
        assert!(r.refusals[0].explanation.contains("per install"), "{}", r.refusals[0].explanation);
    }

    #[test]
    fn every_code_the_core_knows_crosses_over_as_its_own_variant() {
        for code in kairos_core::sync::RefusalCode::KNOWN {
            let crossed = RefusalCode::from_core(Some(&code));
            assert!(!matches!(crossed, RefusalCode::Other { .. } | RefusalCode::NoCode), "{code:?} became {crossed:?}");
        }
    }
}
