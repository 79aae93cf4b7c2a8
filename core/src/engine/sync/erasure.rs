//! Erasures: the deletion requests `erase_all` queues, sent under the
//! pseudonym the shopper asked to forget.
//!
//! `erase_all` keeps, sealed, the old install id and its token beside the
//! deletion request it queues in the outbox, forgets both, and draws a new
//! install id. The next sync sends every erasure first, each under its own
//! credentials, and nothing else until they are all delivered; only then
//! does it register the new install id and send what was recorded since.
//! Nothing sent after the erase carries the old id or token, and nothing
//! sent under the old ones is about what was recorded after it. The old id
//! is never registered again, not even to be deleted: a backend that no
//! longer knows it holds nothing under it (`docs/protocol.md`).

use super::http::{self, Outcome};
use super::transport::{HttpMethod, HttpRequest, HttpTransport};
use super::SyncReport;
use crate::engine::Engine;
use crate::error::Result;
use crate::store::{self, meta::ERASE_EVERYTHING};

/// What became of one erasure in a sync.
enum Settled {
    /// The backend deleted everything held under the old install.
    Deleted,
    /// The backend answers 401/404/410: it dropped the install (after an
    /// earlier delivery whose answer was lost, or on its own). Done, as a
    /// delivered deletion.
    AlreadyGone(&'static str),
    /// The old install never registered: nothing to send.
    NeverRegistered,
}

impl Engine {
    /// Sends every pending erasure, oldest first, under its own
    /// credentials. An install that never registered, or that the backend
    /// no longer knows (401, 404, 410: a backend drops an install once it
    /// deleted everything), has nothing left to delete: the erasure is done
    /// and the old id is never registered again (that would put it back on
    /// the server). Any other refusal keeps the erasure queued and stops the
    /// sync: nothing is sent under the new id while the old one may still
    /// hold data. Returns `Some` (with the server's Retry-After, if any)
    /// when one must wait: the caller then sends nothing else.
    pub(super) async fn send_erasures(
        &self,
        client: &dyn HttpTransport,
        base: &str,
        report: &mut SyncReport,
    ) -> Result<Option<Option<i64>>> {
        let erasures = self.with_sealed(store::meta::erasures)?;
        for e in erasures {
            let settled = match &e.token {
                None => Settled::NeverRegistered,
                Some(token) => {
                    let req = HttpRequest::new(HttpMethod::Post, format!("{base}/v1/deletion-requests"))
                        .header("authorization", format!("Bearer {token}"))
                        .header("idempotency-key", format!("erasure-{}-{}", e.install_id, e.erased_at.0))
                        .header("content-type", "application/json")
                        .body(ERASE_EVERYTHING.as_bytes().to_vec());
                    match http::send(client, req).await {
                        Outcome::Done(_) => Settled::Deleted,
                        Outcome::Unauthorized => Settled::AlreadyGone("the backend no longer accepts its token"),
                        Outcome::Refused { status: 404 | 410, .. } => {
                            Settled::AlreadyGone("the backend no longer knows it")
                        }
                        Outcome::Refused { status, .. } => {
                            report.problems.push(format!(
                                "erasure: the backend refused the deletion of the forgotten install ({status}); kept queued"
                            ));
                            return Ok(Some(None));
                        }
                        Outcome::Retry { reason, retry_after_ms } => {
                            report.problems.push(format!("erasure: {reason}"));
                            return Ok(Some(retry_after_ms));
                        }
                        Outcome::NotModified | Outcome::Redirected(_) => {
                            report.problems.push("erasure: unexpected answer (a 3xx); kept queued".into());
                            return Ok(Some(None));
                        }
                    }
                }
            };
            self.with_sealed_write(|conn, sealer| {
                let mut rest = store::meta::erasures(conn, sealer)?;
                rest.retain(|p| p.outbox_id != e.outbox_id);
                store::meta::set_erasures(conn, sealer, &rest)?;
                store::privacy::remove(conn, &[e.outbox_id])
            })?;
            match settled {
                Settled::Deleted => report.deletions_sent += 1,
                Settled::AlreadyGone(why) => {
                    report.deletions_sent += 1;
                    report.problems.push(format!("erasure: the forgotten install is already gone: {why}"));
                }
                Settled::NeverRegistered => {
                    report.problems.push("erasure: nothing to delete: the forgotten install never registered".into())
                }
            }
        }
        Ok(None)
    }
}
