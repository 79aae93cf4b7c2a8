//! The one error type of the API, and the guard that keeps Rust panics out
//! of the host app.
//!
//! Kotlin sees `KairosException` (uniffi renames a trailing `Error`), a sealed
//! class with one subclass per variant; Swift sees `KairosError`, an enum
//! conforming to `Error`, thrown by every `Engine` method.
//!
//! ## Panics
//! uniffi wraps every exported call in `catch_unwind`: a panic that escapes
//! becomes Kotlin's `InternalException` and, in Swift, a thrown
//! `UniffiInternalError.rustPanic` from a `throws` function but a `try!`
//! crash from a non-throwing one. So that no panic can crash an app, and so
//! that apps handle a single error type, every `Engine` method `throws` and
//! runs its core call through `guard` (crate-private), which turns a panic
//! into [`KairosError::Internal`]. Listener calls are guarded the same way
//! (see `listener.rs`). This relies on `panic = "unwind"`, Rust's default,
//! which app builds must keep.

use crate::purpose::Purpose;
use crate::refusal::{FixRejection, ImportRefusal, InviteRefusal};
use crate::time::from_core;
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::SystemTime;

/// Why a call failed. Nothing of a failed call was recorded; earlier data is
/// intact. Each variant's `reason` is a complete, human-readable sentence.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum KairosError {
    /// A location fix was refused; `rejection` says why, typed.
    #[error("{reason}")]
    InvalidFix {
        /// What was wrong, e.g. `invalid location fix: latitude 91 is outside [-90, 90]`.
        reason: String,
        /// The typed reason, for apps that react to particular cases (for
        /// example, ignore `OutOfOrder`).
        rejection: FixRejection,
    },
    /// Some other input (a configuration value, a step sample, a batch, a
    /// time) was refused.
    #[error("{reason}")]
    InvalidInput {
        /// What was wrong.
        reason: String,
    },
    /// A catalog was refused (bad signature, invalid document, expired, older
    /// than the one in force); the previous catalog stays in force.
    #[error("{reason}")]
    InvalidCatalog {
        /// What was wrong, naming the offending value's path for documents.
        reason: String,
    },
    /// No offer instance has this id.
    #[error("{reason}")]
    UnknownOffer {
        /// What was wrong.
        reason: String,
        /// The id given.
        instance_id: i64,
    },
    /// The offer's state does not allow the call (for example redeeming an
    /// expired, dismissed or already redeemed offer).
    #[error("{reason}")]
    InvalidOfferTransition {
        /// What was wrong, e.g. `offer instance 3 cannot become redeemed: it is already redeemed`.
        reason: String,
        /// The instance.
        instance_id: i64,
    },
    /// A redemption while the offer's place is closed (outside its opening
    /// hours). The offer stays claimable: redeem it once the place opens
    /// again, at `reopens_at` if that is within its claim window.
    #[error("{reason}")]
    StoreClosed {
        /// What was wrong, naming the place and when it reopens.
        reason: String,
        /// The instance.
        instance_id: i64,
        /// The catalog place that is closed.
        place_id: String,
        /// When the place opens again within the claim window, if it does.
        reopens_at: Option<SystemTime>,
    },
    /// The sealing key given at open does not open this profile. Nothing was
    /// read or changed; open again with the right key (from the Keychain or
    /// Keystore).
    #[error("{reason}")]
    WrongKey {
        /// What was wrong.
        reason: String,
    },
    /// An export or backup was not imported (`importProfile`,
    /// `importBackup`); `refusal` says why and where, typed. Nothing was
    /// changed.
    #[error("{reason}")]
    ImportRefused {
        /// What was wrong, e.g. `import refused: the export is damaged at visits[1].arrived_at: …`.
        reason: String,
        /// The typed reason.
        refusal: ImportRefusal,
    },
    /// The call shares under a purpose the shopper has not granted (a
    /// friend invite without `social`); nothing was sent.
    #[error("{reason}")]
    ConsentRequired {
        /// What was wrong.
        reason: String,
        /// The purpose needed.
        purpose: Purpose,
    },
    /// The backend refused a friend invite code; `refusal` says why.
    #[error("{reason}")]
    FriendInviteRefused {
        /// What was wrong.
        reason: String,
        /// The typed reason.
        refusal: InviteRefusal,
    },
    /// A friend invite could not be created or accepted now (no network,
    /// server trouble, an erasure waiting to be delivered); try later.
    #[error("{reason}")]
    SocialUnavailable {
        /// What went wrong.
        reason: String,
    },
    /// The profile database could not be read or written.
    #[error("{reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// A bug in Kairos (including a caught panic); please report it with the
    /// reason. The engine stays usable.
    #[error("{reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
}

impl KairosError {
    /// An [`KairosError::InvalidInput`] with `reason`.
    pub(crate) fn invalid_input(reason: impl Into<String>) -> Self {
        KairosError::InvalidInput { reason: reason.into() }
    }
}

impl From<kairos_core::KairosError> for KairosError {
    fn from(e: kairos_core::KairosError) -> Self {
        let reason = e.to_string();
        match e {
            kairos_core::KairosError::InvalidFix { rejection } => {
                KairosError::InvalidFix { reason, rejection: rejection.into() }
            }
            kairos_core::KairosError::InvalidInput { .. } => KairosError::InvalidInput { reason },
            kairos_core::KairosError::InvalidCatalog { .. } => KairosError::InvalidCatalog { reason },
            kairos_core::KairosError::UnknownOffer { instance_id } => KairosError::UnknownOffer { reason, instance_id },
            // The core's own sentence; its display would name the instance twice.
            kairos_core::KairosError::InvalidOfferTransition { instance_id, reason: detail } => {
                KairosError::InvalidOfferTransition { reason: detail, instance_id }
            }
            kairos_core::KairosError::StoreClosed { instance_id, place_id, reopens_at } => {
                KairosError::StoreClosed { reason, instance_id, place_id, reopens_at: reopens_at.map(from_core) }
            }
            kairos_core::KairosError::WrongKey => KairosError::WrongKey { reason },
            kairos_core::KairosError::ImportRefused { refusal } => {
                KairosError::ImportRefused { reason, refusal: refusal.into() }
            }
            kairos_core::KairosError::ConsentRequired { purpose } => {
                KairosError::ConsentRequired { reason, purpose: purpose.into() }
            }
            kairos_core::KairosError::FriendInviteRefused { refusal } => {
                KairosError::FriendInviteRefused { reason, refusal: refusal.into() }
            }
            kairos_core::KairosError::SocialUnavailable { .. } => KairosError::SocialUnavailable { reason },
            kairos_core::KairosError::Storage { .. } => KairosError::Storage { reason },
            kairos_core::KairosError::Internal { .. } => KairosError::Internal { reason },
        }
    }
}

/// Runs `f`, turning a panic into [`KairosError::Internal`] so that it never
/// reaches uniffi's own handler (which would crash a Swift app on a
/// non-throwing call).
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, KairosError>) -> Result<T, KairosError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = panic_message(payload.as_ref());
        tracing::error!(panic = %what, "panic caught at the FFI boundary");
        Err(KairosError::Internal { reason: format!("internal error: kairos panicked: {what}") })
    })
}

/// The text of a panic payload (`panic!` with a literal or a format).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message() {
        let r: Result<(), _> = guard(|| panic!("boom {}", 42));
        match r {
            Err(KairosError::Internal { reason }) => {
                assert!(reason.contains("boom 42"), "{reason}")
            }
            other => panic!("expected Internal, got {other:?}"),
        }
    }

    #[test]
    fn errors_and_values_pass_through_the_guard() {
        assert_eq!(guard(|| Ok(7)), Ok(7));
        let e = KairosError::invalid_input("no");
        assert_eq!(guard::<()>(|| Err(e.clone())), Err(e));
    }

    #[test]
    fn core_errors_keep_their_message_and_type() {
        let core = kairos_core::KairosError::InvalidFix {
            rejection: kairos_core::FixRejection::LatitudeOutOfRange { lat: 91.0 },
        };
        match KairosError::from(core) {
            KairosError::InvalidFix { reason, rejection } => {
                assert_eq!(reason, "invalid location fix: latitude 91 is outside [-90, 90]");
                assert_eq!(rejection, FixRejection::LatitudeOutOfRange { lat: 91.0 });
            }
            other => panic!("{other:?}"),
        }
        let core = kairos_core::KairosError::Storage { reason: "disk full".into() };
        assert_eq!(KairosError::from(core), KairosError::Storage { reason: "storage error: disk full".into() });
    }
}
