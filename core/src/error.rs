//! Errors: an internal [`Error`] that keeps every source, and the public
//! [`KairosError`] that every `Engine` method returns, shaped for the FFI
//! (flat, typed, with a clear message and no foreign types).

use crate::domain::catalog::CatalogError;
use crate::domain::location::FixRejection;
use crate::domain::time::Timestamp;
use std::path::PathBuf;

/// The engine's internal error, with full sources, for use inside the crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A location fix failed validation.
    #[error("invalid location fix: {0}")]
    InvalidFix(FixRejection),
    /// A step sample failed validation.
    #[error("invalid step sample: {0}")]
    InvalidSteps(String),
    /// A visit given by the app was refused.
    #[error("invalid visit: {0}")]
    InvalidVisit(String),
    /// The configuration given at open is unusable.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A batch larger than the policy allows.
    #[error("batch of {size} items exceeds the limit of {limit}; split it")]
    BatchTooLarge {
        /// Items in the refused batch.
        size: usize,
        /// The policy limit.
        limit: usize,
    },
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file operation failed.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A value of the engine's persisted state (the `meta` table: the
    /// working state, the sync token, the catalog's etag, …) is not the JSON
    /// of its type.
    #[error("stored engine state {key:?} is unreadable: {source}")]
    EngineState {
        /// The key of the value.
        key: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The payload of a queued outbox item is not JSON.
    #[error("outbox item {id} has an unreadable payload: {source}")]
    OutboxPayload {
        /// The item.
        id: i64,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// A stored routine is not the JSON of a routine track.
    #[error("stored routine {id:?} is unreadable: {source}")]
    RoutineTrack {
        /// The routine's id.
        id: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The system's random source failed (keys and jitter need it).
    #[error("the system random source failed")]
    Random,
    /// The database was written by a newer engine.
    #[error("database schema version {found} is newer than this engine supports ({supported})")]
    SchemaTooNew {
        /// Version found in the file.
        found: u32,
        /// Highest version this build knows.
        supported: u32,
    },
    /// The engine state is in a format this build cannot read: written by
    /// a newer engine (or no engine at all); nothing was changed.
    #[error("stored engine state has format {found}, which this engine cannot read (it reads 1 to {supported})")]
    UnknownStateFormat {
        /// Format found in the profile.
        found: u32,
        /// Highest format this build knows.
        supported: u32,
    },
    /// No offer instance has this id.
    #[error("no offer instance with id {0}")]
    UnknownOffer(i64),
    /// A lifecycle call that the instance's state does not allow.
    #[error("offer instance {id} cannot become {to}: {reason}")]
    OfferTransition {
        /// The instance.
        id: i64,
        /// The state asked for.
        to: &'static str,
        /// Why not.
        reason: String,
    },
    /// A redemption while the offer's place is closed.
    #[error("offer instance {id} cannot become redeemed: {place_id} is closed{}", reopening(*reopens_at))]
    StoreClosed {
        /// The instance.
        id: i64,
        /// The catalog place that is closed.
        place_id: String,
        /// When it opens again within the claim window, if it does.
        reopens_at: Option<Timestamp>,
    },
    /// A redemption token could not be issued (the catalog's ids make it
    /// longer than a till's QR reader takes).
    #[error("offer instance {id} cannot be redeemed with a token: {source}")]
    RedemptionToken {
        /// The instance.
        id: i64,
        /// Why the token could not be issued.
        #[source]
        source: crate::domain::offers::redemption_token::TokenError,
    },
    /// A fence could not be indexed.
    #[error("catalog fence: {0}")]
    Fence(#[from] crate::domain::fences::FenceError),
    /// Sealing or opening a sealed value failed.
    #[error("sealed storage: {0}")]
    Sealing(String),
    /// A stored value does not read as what it must be.
    #[error("stored {what} {value:?} does not read as one")]
    StoredValue {
        /// What was read (e.g. "local day").
        what: &'static str,
        /// The value found.
        value: String,
    },
    /// The key given at open is not the key the profile was sealed with.
    #[error("the sealing key does not open this profile (nothing was changed)")]
    WrongKey,
    /// A fault injected by a test (never produced in normal operation).
    #[error("injected fault: {0}")]
    Injected(&'static str),
    /// A catalog was refused.
    #[error(transparent)]
    Catalog(#[from] CatalogError),

    /// An export or backup was not imported; nothing was changed.
    #[error("import refused: {0}")]
    ImportRefused(#[from] crate::domain::privacy::ImportRefusal),
    /// The local-privacy configuration was refused.
    #[error("invalid configuration: {0}")]
    LocalPrivacy(#[from] crate::domain::privacy::LocalPrivacyError),
    /// A call that shares under a purpose the shopper has not granted.
    #[error("the shopper has not granted the purpose {0:?}")]
    ConsentRequired(crate::domain::privacy::Purpose),
    /// A social request (invite) could not be carried out: network, server
    /// trouble, or an erasure waiting to be delivered.
    #[error("social request not done: {0}")]
    SocialUnavailable(String),
}

/// Result with the internal error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The public error of every [`crate::Engine`] call. It is flat and carries
/// a human-readable message, so it maps directly onto a Kotlin exception or
/// a Swift error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KairosError {
    /// A location fix was refused; `rejection` says why.
    #[error("invalid location fix: {rejection}")]
    InvalidFix {
        /// The typed reason.
        rejection: FixRejection,
    },
    /// Some other input (a step sample, a batch, a configuration value) was
    /// refused; nothing was recorded.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// What was wrong.
        reason: String,
    },
    /// The database could not be read or written. Nothing of the call was
    /// recorded; earlier data is intact.
    #[error("storage error: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// A catalog was refused (bad signature, invalid document, expired,
    /// older than the one in force…); the previous catalog stays in force.
    #[error("invalid catalog: {reason}")]
    InvalidCatalog {
        /// What was wrong, naming the offending value's path for documents.
        reason: String,
    },
    /// No offer instance has this id.
    #[error("no offer instance with id {instance_id}")]
    UnknownOffer {
        /// The id given.
        instance_id: i64,
    },
    /// The offer instance's state does not allow the call (for example
    /// redeeming an expired or dismissed offer).
    #[error("offer {instance_id}: {reason}")]
    InvalidOfferTransition {
        /// The instance.
        instance_id: i64,
        /// What was wrong.
        reason: String,
    },
    /// A redemption while the offer's place is closed (outside its
    /// opening hours); the offer stays claimable.
    #[error("offer {instance_id}: cannot be redeemed while {place_id} is closed{}", reopening(*reopens_at))]
    StoreClosed {
        /// The instance.
        instance_id: i64,
        /// The catalog place that is closed.
        place_id: String,
        /// When it opens again within the claim window, if it does.
        reopens_at: Option<Timestamp>,
    },
    /// The key given at open does not open this profile. Nothing was read
    /// or changed: open again with the right key.
    #[error("the sealing key does not open this profile; nothing was changed")]
    WrongKey,
    /// An export or a backup was not imported (`refusal` says why and
    /// where); the profile was not changed.
    #[error("import refused: {refusal}")]
    ImportRefused {
        /// The typed reason.
        refusal: crate::domain::privacy::ImportRefusal,
    },
    /// The call shares under a purpose the shopper has not granted (for
    /// example a friend invite without `social`); nothing was sent.
    #[error("the shopper has not granted `{purpose}`; nothing was sent")]
    ConsentRequired {
        /// The purpose needed.
        purpose: crate::domain::privacy::Purpose,
    },
    /// The backend refused a friend invite code; `refusal` says why.
    #[error("friend invite refused: {refusal}")]
    FriendInviteRefused {
        /// The typed reason.
        refusal: crate::domain::privacy::InviteRefusal,
    },
    /// A friend invite could not be created or accepted now (no network,
    /// server trouble, an erasure waiting to be delivered); try again later.
    #[error("the backend could not be reached for this: {reason}")]
    SocialUnavailable {
        /// What went wrong.
        reason: String,
    },
    /// A bug or an impossible state; please report it.
    #[error("internal error: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
}

/// `"; it reopens at T"` when it reopens within the claim window.
fn reopening(at: Option<Timestamp>) -> String {
    at.map_or_else(|| "; it does not reopen before the claim window ends".into(), |t| format!("; it reopens at {t}"))
}

impl From<crate::domain::privacy::ldp::RandomSourceFailed> for Error {
    fn from(_: crate::domain::privacy::ldp::RandomSourceFailed) -> Self {
        Error::Random
    }
}

impl From<Error> for KairosError {
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidFix(rejection) => KairosError::InvalidFix { rejection },
            Error::InvalidSteps(_)
            | Error::InvalidVisit(_)
            | Error::InvalidConfig(_)
            | Error::BatchTooLarge { .. }
            | Error::LocalPrivacy(_) => KairosError::InvalidInput { reason: e.to_string() },
            Error::Sqlite(_)
            | Error::Io { .. }
            | Error::SchemaTooNew { .. }
            | Error::UnknownStateFormat { .. }
            | Error::Injected(_) => {
                tracing::warn!(error = %e, "storage error");
                KairosError::Storage { reason: e.to_string() }
            }
            Error::UnknownOffer(instance_id) => KairosError::UnknownOffer { instance_id },
            Error::OfferTransition { id, .. } => {
                KairosError::InvalidOfferTransition { instance_id: id, reason: e.to_string() }
            }
            Error::StoreClosed { id, place_id, reopens_at } => {
                KairosError::StoreClosed { instance_id: id, place_id, reopens_at }
            }
            Error::Fence(_) => KairosError::InvalidCatalog { reason: e.to_string() },
            Error::RedemptionToken { id, .. } => {
                KairosError::InvalidOfferTransition { instance_id: id, reason: e.to_string() }
            }
            Error::WrongKey => KairosError::WrongKey,
            Error::Sealing(_) | Error::StoredValue { .. } => KairosError::Storage { reason: e.to_string() },
            Error::Catalog(_) => KairosError::InvalidCatalog { reason: e.to_string() },
            Error::ImportRefused(refusal) => KairosError::ImportRefused { refusal },
            Error::ConsentRequired(purpose) => KairosError::ConsentRequired { purpose },
            Error::SocialUnavailable(reason) => KairosError::SocialUnavailable { reason },
            Error::EngineState { .. } | Error::OutboxPayload { .. } | Error::RoutineTrack { .. } | Error::Random => {
                tracing::error!(error = %e, "internal error");
                KairosError::Internal { reason: e.to_string() }
            }
        }
    }
}
