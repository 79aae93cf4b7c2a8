//! Why a catalog was refused.

use crate::domain::time::Timestamp;

/// Why a signed catalog (or a document about to be signed) was refused.
///
/// Whatever the variant, the whole catalog is refused: the engine keeps the
/// catalog it had. Each message names what was wrong precisely enough to fix
/// it (for a document, the path of the offending value, such as
/// `merchants[2].offers[0].schedule.hours[1].end`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CatalogError {
    /// The envelope bytes are not JSON at all.
    #[error("catalog envelope is not JSON: {reason}")]
    NotJson {
        /// The JSON parser's message.
        reason: String,
    },
    /// The envelope is JSON but not an envelope: a field is missing or of the
    /// wrong type, or the payload or signature is not base64.
    #[error("malformed catalog envelope: {reason}")]
    MalformedEnvelope {
        /// What was wrong.
        reason: String,
    },
    /// The envelope names a signature algorithm other than `ed25519`.
    #[error("unsupported catalog signature algorithm {algorithm:?} (only \"ed25519\" is supported)")]
    UnsupportedAlgorithm {
        /// The algorithm the envelope named.
        algorithm: String,
    },
    /// The envelope was signed with a key this engine does not know.
    #[error("catalog signed with unknown key {key_id:?}")]
    UnknownKey {
        /// The key id the envelope named.
        key_id: String,
    },
    /// The signature does not match the payload under the named key: the
    /// payload was altered, or signed with another key.
    #[error("catalog signature does not verify under key {key_id:?}")]
    BadSignature {
        /// The key id the envelope named.
        key_id: String,
    },
    /// The envelope or the document is larger than the policy allows.
    #[error("catalog {what} is {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// `"envelope"` or `"document"`.
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The policy limit in bytes.
        limit: usize,
    },
    /// The signed document is not a valid catalog. `path` locates the value
    /// (`merchants[0].places[1].fence`), or is `(document)` for the whole.
    #[error("invalid catalog document: {path}: {reason}")]
    InvalidDocument {
        /// Where in the document, e.g. `merchants[2].offers[0].trigger`.
        path: String,
        /// What is wrong there.
        reason: String,
    },
    /// The catalog's `expires_at` has passed.
    #[error("catalog expired at {expires_at} (now {now})")]
    Expired {
        /// When the catalog stopped being valid.
        expires_at: Timestamp,
        /// The instant the check was made.
        now: Timestamp,
    },
    /// The catalog's `issued_at` is further in the future than clock skew
    /// can explain.
    #[error("catalog issued at {issued_at}, too far after now ({now})")]
    NotYetValid {
        /// When the catalog claims to have been issued.
        issued_at: Timestamp,
        /// The instant the check was made.
        now: Timestamp,
    },
    /// The catalog's version is lower than that of the catalog in force: a
    /// replayed old catalog is refused.
    #[error("catalog version {offered} is older than the current version {current}")]
    Rollback {
        /// The version of the catalog offered.
        offered: u64,
        /// The version of the catalog in force.
        current: u64,
    },
    /// A tile, tile pack or manifest of a tiled catalog was refused.
    #[error("catalog tiles: {0}")]
    Tile(#[from] super::tiles::TileError),
    /// A key given to [`super::CatalogKeys`] or to the signer is unusable.
    #[error("invalid catalog key: {reason}")]
    InvalidKey {
        /// What was wrong.
        reason: String,
    },
}

impl CatalogError {
    /// This error, about a value of place `place_id`: an
    /// [`CatalogError::InvalidDocument`] names the place before its reason
    /// (its path already locates it), so that a refused place is named by
    /// its id wherever the refusal is shown. Other errors are unchanged.
    pub(crate) fn in_place(self, place_id: &str) -> Self {
        match self {
            CatalogError::InvalidDocument { path, reason } => {
                CatalogError::InvalidDocument { path, reason: format!("place {place_id:?}: {reason}") }
            }
            other => other,
        }
    }

    /// An [`CatalogError::InvalidDocument`] at `path`.
    pub(crate) fn at(path: impl Into<String>, reason: impl Into<String>) -> Self {
        let path = path.into();
        CatalogError::InvalidDocument {
            path: if path.is_empty() { "(document)".into() } else { path },
            reason: reason.into(),
        }
    }
}
