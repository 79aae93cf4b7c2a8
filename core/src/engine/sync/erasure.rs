//! Erasures: the deletion requests `erase_all` queues, sent under the
//! pseudonym the shopper asked to forget.
//!
//! `erase_all` keeps, sealed, the old install id and its token beside the
//! deletion request it queues in the outbox, forgets both, and draws a new
//! install id. The next sync sends every erasure first, each under its own
//! credentials, and nothing else until they are all delivered; only then
//! does it register the new install id and send what was recorded since.
//! Nothing sent after the erase carries the old id or token, and nothing
//! sent under the old ones is about what was recorded after it.

use super::http::{self, Outcome};
use super::transport::{HttpMethod, HttpRequest, HttpTransport};
use super::SyncReport;
use crate::engine::Engine;
use crate::error::Result;
use crate::policy;
use crate::store::{self, meta::Erasure, meta::ERASE_EVERYTHING};
use serde_json::{json, Value};

/// Registers `install_id` and returns its token.
async fn register(
    client: &dyn HttpTransport,
    base: &str,
    install_id: &str,
) -> std::result::Result<String, (String, Option<i64>)> {
    let req = HttpRequest::new(HttpMethod::Post, format!("{base}/v1/installs"))
        .header("content-type", "application/json")
        .body(json!({ "install_id": install_id }).to_string().into_bytes());
    match http::send(client, req).await {
        Outcome::Done(b) => match serde_json::from_slice::<Value>(&b) {
            Ok(v) => match v["token"].as_str() {
                Some(t) => Ok(t.to_string()),
                None => Err(("registration answered without a token".into(), None)),
            },
            Err(e) => Err((format!("registration answered unreadable JSON: {e}"), None)),
        },
        Outcome::Retry { reason, retry_after_ms } => Err((format!("registration: {reason}"), retry_after_ms)),
        other => Err((format!("registration refused: {other:?}"), None)),
    }
}

impl Engine {
    /// Sends every pending erasure, oldest first, under its own
    /// credentials. A forgotten install that never registered, or whose
    /// token the backend no longer accepts (it may drop the install after a
    /// deletion of everything), registers its old id again to be deleted.
    /// Returns `Some` (with the server's Retry-After, if any) when one must
    /// wait: the caller then sends nothing else.
    pub(super) async fn send_erasures(
        &self,
        client: &dyn HttpTransport,
        base: &str,
        report: &mut SyncReport,
    ) -> Result<Option<Option<i64>>> {
        let erasures = self.with_sealed(store::meta::erasures)?;
        for mut e in erasures {
            // The stored token, then a fresh one if it was refused.
            let mut delivered = false;
            for _ in 0..policy::ERASURE_TRIES_PER_SYNC {
                let token = match e.token.clone() {
                    Some(t) => t,
                    None => match register(client, base, &e.install_id).await {
                        Ok(t) => {
                            e.token = Some(t.clone());
                            self.update_erasure(&e)?;
                            t
                        }
                        Err((reason, retry_after)) => {
                            report.problems.push(reason);
                            return Ok(Some(retry_after));
                        }
                    },
                };
                let req = HttpRequest::new(HttpMethod::Post, format!("{base}/v1/deletion-requests"))
                    .header("authorization", format!("Bearer {token}"))
                    .header("idempotency-key", format!("erasure-{}-{}", e.install_id, e.erased_at.0))
                    .header("content-type", "application/json")
                    .body(ERASE_EVERYTHING.as_bytes().to_vec());
                match http::send(client, req).await {
                    Outcome::Done(_) | Outcome::Rejected(_) => {
                        delivered = true;
                        break;
                    }
                    Outcome::Unauthorized => {
                        e.token = None;
                        self.update_erasure(&e)?;
                    }
                    Outcome::Retry { reason, retry_after_ms } => {
                        report.problems.push(format!("erasure: {reason}"));
                        return Ok(Some(retry_after_ms));
                    }
                    other => {
                        report.problems.push(format!("erasure: unexpected answer {other:?}"));
                        return Ok(Some(None));
                    }
                }
            }
            if !delivered {
                report.problems.push("erasure: the server refused the forgotten install's credential twice".into());
                return Ok(Some(None));
            }
            self.with_sealed_write(|conn, sealer| {
                let mut rest = store::meta::erasures(conn, sealer)?;
                rest.retain(|p| p.outbox_id != e.outbox_id);
                store::meta::set_erasures(conn, sealer, &rest)?;
                store::privacy::remove(conn, &[e.outbox_id])
            })?;
            report.deletions_sent += 1;
        }
        Ok(None)
    }

    fn update_erasure(&self, e: &Erasure) -> Result<()> {
        self.with_sealed_write(|conn, sealer| {
            let mut all = store::meta::erasures(conn, sealer)?;
            for p in all.iter_mut().filter(|p| p.outbox_id == e.outbox_id) {
                p.token = e.token.clone();
            }
            store::meta::set_erasures(conn, sealer, &all)
        })
    }
}
