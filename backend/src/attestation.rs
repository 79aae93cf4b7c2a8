//! Platform attestation at registration: a pluggable check that the
//! request comes from a genuine, unmodified app on a real device (Google
//! Play Integrity, Apple App Attest). Off by default: the reference server
//! has no verifier, and registration is then limited only by rate
//! (`docs/protocol.md`, "Threat model").
//!
//! A deployment plugs one in with
//! [`crate::server::ServerBuilder::attestation`]. The app sends its
//! platform's evidence (a Play Integrity token, or an App Attest assertion)
//! in the `Kairos-Attestation` header of `POST /v1/installs`, bound to the
//! install id (the nonce, or client data hash, is derived from it); the
//! verifier checks it with the platform's service and the app's identity.
//! Refused evidence answers 403 `attestation_failed`.

use std::future::Future;
use std::pin::Pin;

/// The request header carrying the evidence.
pub const ATTESTATION_HEADER: &str = "kairos-attestation";

/// Why evidence was refused (for the operator; the client sees only the code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("attestation refused: {0}")]
pub struct AttestationError(pub String);

/// The future a verifier returns.
pub type AttestationFuture<'a> = Pin<Box<dyn Future<Output = Result<(), AttestationError>> + Send + 'a>>;

/// Checks a registration's platform evidence.
pub trait AttestationVerifier: Send + Sync + 'static {
    /// Accepts or refuses `evidence` (the header's value, `None` when
    /// absent) for a registration of `install_id`.
    fn verify<'a>(&'a self, install_id: &'a str, evidence: Option<&'a str>) -> AttestationFuture<'a>;
}

/// A test double: accepts exactly the evidence `"<secret>:<install id>"`,
/// as a real verifier accepts only evidence bound to the install id.
#[derive(Debug, Clone)]
pub struct SharedSecretVerifier {
    secret: String,
}

impl SharedSecretVerifier {
    /// A verifier accepting `"<secret>:<install id>"`.
    pub fn new(secret: impl Into<String>) -> Self {
        SharedSecretVerifier { secret: secret.into() }
    }

    /// The evidence a genuine app would send for `install_id`.
    pub fn evidence_for(&self, install_id: &str) -> String {
        format!("{}:{install_id}", self.secret)
    }
}

impl AttestationVerifier for SharedSecretVerifier {
    fn verify<'a>(&'a self, install_id: &'a str, evidence: Option<&'a str>) -> AttestationFuture<'a> {
        Box::pin(async move {
            match evidence {
                None => Err(AttestationError("no evidence".into())),
                Some(e) if e == self.evidence_for(install_id) => Ok(()),
                Some(_) => Err(AttestationError("evidence not bound to this install, or forged".into())),
            }
        })
    }
}
