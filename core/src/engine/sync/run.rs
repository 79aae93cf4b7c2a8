//! `Engine::sync`: registration, deletion requests, summary batches, the
//! catalog, and the backoff, in that order. The engine lock is never held
//! across a request.

use super::http::{self, Outcome};
use super::random::{new_key, random_u64};
use super::refusal::{Refusal, RefusalAction, RefusedRequest};
use super::register::Registered;
use super::transport::{HttpMethod, HttpRequest, HttpTransport};
use super::{SyncOptions, SyncReport};
use crate::domain::privacy::outbox::{OutboxItem, OutboxKind};
use crate::domain::privacy::Purpose;
use crate::domain::time::Timestamp;
use crate::engine::{ApiResult, Engine};
use crate::error::{Error, Result};
use crate::policy;
use crate::store;
use serde_json::{json, Value};

/// How far the outbox got.
enum Sent {
    /// Everything was sent (or refused for good).
    All,
    /// A deletion of everything was done: the server forgot this install,
    /// and so did the engine's sync; nothing more this time.
    Forgotten,
    /// A request must wait (with the server's `Retry-After`, if any).
    Wait(Option<i64>),
    /// The credential was refused (401).
    Unauthorized,
}

/// Batches that were sent once, under their idempotency key.
type KeyedBatches = Vec<(String, Vec<OutboxItem>)>;

/// Groups summary items into batches: items that already have a key keep
/// their batch; the rest fill new batches up to the size limit.
fn plan(items: Vec<OutboxItem>, max_bytes: usize) -> (KeyedBatches, Vec<Vec<OutboxItem>>) {
    let max_bytes = max_bytes.min(policy::SYNC_MAX_BATCH_BYTES);
    let mut keyed: KeyedBatches = Vec::new();
    let mut fresh: Vec<Vec<OutboxItem>> = Vec::new();
    let mut size = 0;
    for item in items {
        match item.batch_key.clone() {
            Some(k) => match keyed.iter_mut().find(|(key, _)| *key == k) {
                Some((_, v)) => v.push(item),
                None => keyed.push((k, vec![item])),
            },
            None => {
                let len = item.payload.len() + 64;
                if fresh.last().is_none_or(|b| b.len() >= policy::SYNC_MAX_BATCH_ITEMS) || size + len > max_bytes {
                    fresh.push(Vec::new());
                    size = 0;
                }
                size += len;
                fresh.last_mut().expect("just pushed").push(item);
            }
        }
    }
    (keyed, fresh)
}

/// The gzipped request body of a batch. A payload that is not JSON fails
/// it (it would be sent as `null` otherwise).
fn body(items: &[OutboxItem]) -> Result<Vec<u8>> {
    let batch: Vec<Value> = items
        .iter()
        .map(|i| {
            let data = serde_json::from_str::<Value>(&i.payload)
                .map_err(|source| Error::OutboxPayload { id: i.id, source })?;
            Ok(json!({"purpose": i.purpose.map(Purpose::as_str), "day": i.day, "data": data}))
        })
        .collect::<Result<_>>()?;
    Ok(http::gzip(json!({ "batch": batch }).to_string().as_bytes()))
}

fn authorized(req: HttpRequest, token: &str) -> HttpRequest {
    req.header("authorization", format!("Bearer {token}"))
}

impl Engine {
    /// [`Engine::sync_with`] over a `reqwest` client (native tools and
    /// tests; needs a tokio runtime).
    #[cfg(feature = "reqwest")]
    pub async fn sync(&self, opts: &SyncOptions, now: Timestamp) -> ApiResult<SyncReport> {
        let transport = super::ReqwestTransport::new().map_err(|e| crate::error::Error::InvalidConfig(e.0))?;
        self.sync_with(opts, &transport, now).await
    }

    /// Sends the outbox to the backend and fetches a fresh catalog when the
    /// one in force is stale, over the host's `transport`. Network and
    /// server trouble never fail the call: the report says what was sent,
    /// dropped and deferred, and when to try again. Errors are for an
    /// unusable URL or the local store.
    pub async fn sync_with(
        &self,
        opts: &SyncOptions,
        transport: &dyn HttpTransport,
        now: Timestamp,
    ) -> ApiResult<SyncReport> {
        Ok(self.sync_inner(opts, transport, now).await?)
    }

    async fn sync_inner(&self, opts: &SyncOptions, client: &dyn HttpTransport, now: Timestamp) -> Result<SyncReport> {
        let base = http::check_base_url(&opts.base_url, opts.allow_insecure_loopback)?;
        let mut report = SyncReport::default();
        let backoff = self.with_conn(|_, st, _| Ok(st.sync_backoff))?;
        if !backoff.ready(now) {
            report.deferred = self.pending_summaries()?;
            report.next_attempt_at = backoff.next_at;
            report.problems.push("waiting for the backoff to end".into());
            return Ok(report);
        }
        // Erasures go first, under the forgotten credentials (erasure.rs);
        // nothing else leaves until they are settled.
        let erasure_wait = self.send_erasures(client, &base, &mut report).await?;
        let mut token = self.with_sealed(store::sync::token)?;
        if erasure_wait.is_none() && token.is_none() {
            self.drop_unreachable_full_deletions(&mut report)?;
        }
        let mut registrations = 0;
        let retry: Option<Option<i64>> = if erasure_wait.is_some() {
            erasure_wait
        } else {
            loop {
                let current = match token.take() {
                    Some(t) => t,
                    None => match self.register(client, &base, None, &mut registrations, &mut report).await? {
                        Registered::Token(t) => t,
                        Registered::Wait(after) => break Some(after),
                    },
                };
                // An install that registered before it had a redemption key
                // gives the backend its key now (it never blocks the rest).
                self.upload_redemption_key(client, &base, &current, &mut report).await?;
                match self.send_outbox(client, &base, &current, opts.max_batch_bytes, &mut report).await? {
                    Sent::All => {
                        let wait = match opts.fetch_catalog {
                            true => self.fetch_catalog(client, &base, &current, now, &mut report).await?,
                            false => None,
                        };
                        if wait.is_some() {
                            break wait;
                        }
                        break self.fetch_friend_counts(client, &base, now, &mut report).await?;
                    }
                    Sent::Forgotten => break None,
                    Sent::Wait(after) => break Some(after),
                    Sent::Unauthorized => {
                        self.replace_install_id()?;
                        report.problems.push(
                            "the server refused our credential (401): registering a new install id and sending again"
                                .into(),
                        );
                        if registrations >= policy::SYNC_MAX_REGISTRATIONS {
                            break Some(None);
                        }
                    }
                }
            }
        };
        report.deferred = self.pending_summaries()?;
        let next = self.with_write_state(|st| {
            match retry {
                Some(after) => st.sync_backoff.failed(now, after, random_u64()?),
                None => st.sync_backoff.succeeded(),
            }
            Ok(st.sync_backoff.next_at)
        })?;
        report.next_attempt_at = next;
        Ok(report)
    }

    /// Without a credential, a queued deletion of everything is done
    /// without a request: no install on the server is ours to delete, and
    /// registering in order to delete would create one.
    fn drop_unreachable_full_deletions(&self, report: &mut SyncReport) -> Result<()> {
        let items = self.with_conn(|conn, _, _| store::privacy::outbox(conn))?;
        let full: Vec<i64> =
            items.iter().filter(|i| i.kind == OutboxKind::Deletion && i.purpose.is_none()).map(|i| i.id).collect();
        if !full.is_empty() {
            self.with_write(|conn| store::privacy::remove(conn, &full))?;
            report.problems.push(format!(
                "{} deletion request(s) of everything needed no sending: this install holds no credential, so \
                 the server holds nothing under it",
                full.len()
            ));
        }
        Ok(())
    }

    /// Sends deletion requests, then summary batches.
    async fn send_outbox(
        &self,
        client: &dyn HttpTransport,
        base: &str,
        token: &str,
        max_batch_bytes: usize,
        report: &mut SyncReport,
    ) -> Result<Sent> {
        let items = self.with_conn(|conn, _, _| store::privacy::outbox(conn))?;
        let (deletions, summaries): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| i.kind == OutboxKind::Deletion);
        for d in deletions {
            // `{}`: the server forgets the install too.
            let everything = d.purpose.is_none();
            let req = authorized(HttpRequest::new(HttpMethod::Post, format!("{base}/v1/deletion-requests")), token)
                .header("idempotency-key", format!("deletion-{}", d.id))
                .header("content-type", "application/json")
                .body(d.payload.clone().into_bytes());
            let done = |report: &mut SyncReport| -> Result<()> {
                self.with_write(|conn| store::privacy::remove(conn, &[d.id]))?;
                report.deletions_sent += 1;
                Ok(())
            };
            match http::send(client, req).await {
                Outcome::Done(_) if everything => {
                    done(report)?;
                    self.replace_install_id()?;
                    return Ok(Sent::Forgotten);
                }
                Outcome::Done(_) => done(report)?,
                // A retried `{}` whose first answer was lost: the server
                // forgot the install and its token with it.
                Outcome::Unauthorized if everything => {
                    done(report)?;
                    report.problems.push(
                        "the deletion of everything answered 401: the server had forgotten this install already; done"
                            .into(),
                    );
                    self.replace_install_id()?;
                    return Ok(Sent::Forgotten);
                }
                Outcome::Refused { status: status @ (404 | 410), .. } => {
                    done(report)?;
                    report.problems.push(format!(
                        "a deletion request answered {status}: the server does not know this install; nothing to delete"
                    ));
                }
                Outcome::Refused { status, code } => {
                    let refusal = Refusal {
                        request: RefusedRequest::Deletion,
                        status,
                        code,
                        items: 1,
                        action: RefusalAction::KeptQueued,
                    };
                    tracing::warn!(status, "deletion request refused by the server: kept queued");
                    report.problems.push(refusal.describe());
                    report.refusals.push(refusal);
                    // Nothing is uploaded while a deletion waits.
                    return Ok(Sent::Wait(None));
                }
                outcome => return self.trouble(outcome, report),
            }
        }
        let (mut keyed, fresh) = plan(summaries, max_batch_bytes);
        for items in fresh {
            let key = new_key()?;
            let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
            self.with_write(|conn| store::privacy::set_batch_key(conn, &ids, &key))?;
            keyed.push((key, items));
        }
        for (key, items) in keyed {
            // Consent is checked again right before the request.
            let granted = self.with_conn(|conn, _, _| store::privacy::granted_purposes(conn))?;
            let (send, withdrawn): (Vec<_>, Vec<_>) =
                items.into_iter().partition(|i| i.purpose.is_some_and(|p| granted.contains(&p)));
            let withdrawn: Vec<i64> = withdrawn.iter().map(|i| i.id).collect();
            if !withdrawn.is_empty() {
                self.with_write(|conn| store::privacy::remove(conn, &withdrawn))?;
            }
            if send.is_empty() {
                continue;
            }
            let ids: Vec<i64> = send.iter().map(|i| i.id).collect();
            let req = authorized(HttpRequest::new(HttpMethod::Post, format!("{base}/v1/summaries")), token)
                .header("idempotency-key", &key)
                .header("content-type", "application/json")
                .header("content-encoding", "gzip")
                .body(body(&send)?);
            match http::send(client, req).await {
                Outcome::Done(_) => {
                    self.with_write(|conn| store::privacy::remove(conn, &ids))?;
                    report.sent += ids.len() as u32;
                    report.batches += 1;
                }
                Outcome::Refused { status, code } => {
                    let refusal = Refusal {
                        request: RefusedRequest::Summaries,
                        status,
                        code,
                        items: ids.len() as u32,
                        action: RefusalAction::Dropped,
                    };
                    tracing::warn!(status, code = ?refusal.code, items = ids.len(), "summaries refused by the server: dropped");
                    self.with_write(|conn| store::privacy::remove(conn, &ids))?;
                    self.with_write_state(|st| {
                        st.outbox_dropped += ids.len() as u64;
                        Ok(())
                    })?;
                    report.dropped += ids.len() as u32;
                    report.problems.push(refusal.describe());
                    report.refusals.push(refusal);
                }
                outcome => return self.trouble(outcome, report),
            }
        }
        Ok(Sent::All)
    }

    /// What a request that neither succeeded nor was refused means for the
    /// rest of the sync.
    fn trouble(&self, outcome: Outcome, report: &mut SyncReport) -> Result<Sent> {
        Ok(match outcome {
            Outcome::Unauthorized => Sent::Unauthorized,
            Outcome::Retry { reason, retry_after_ms } => {
                report.problems.push(reason);
                Sent::Wait(retry_after_ms)
            }
            other => {
                report.problems.push(other.describe());
                Sent::Wait(None)
            }
        })
    }

    /// Fetches and loads the catalog when the one in force is stale.
    /// Returns `Some` (with the server's `Retry-After`, if any) when the
    /// server asked to slow down.
    async fn fetch_catalog(
        &self,
        client: &dyn HttpTransport,
        base: &str,
        token: &str,
        now: Timestamp,
        report: &mut SyncReport,
    ) -> Result<Option<Option<i64>>> {
        let (etag, fetched) = self.with_conn(|conn, _, _| store::sync::catalog_fetch(conn))?;
        let expiring = self.catalog_info().is_none_or(|c| c.expires_at.since(now) < policy::CATALOG_EXPIRY_MARGIN_MS);
        let stale = fetched.is_none_or(|t| now.since(t) >= policy::CATALOG_REFRESH_MS);
        if self.held_tiles().is_some() {
            // Tiles held: every sync asks for the tiles now needed.
            return self.tiles_then_save(client, base, token, etag.as_deref(), expiring || stale, now, report).await;
        }
        if !(expiring || stale) {
            return Ok(None);
        }
        let mut req = authorized(HttpRequest::new(HttpMethod::Get, format!("{base}/v1/catalog")), token)
            .max_response_bytes(policy::MAX_CATALOG_ENVELOPE_BYTES);
        if let (Some(e), true) = (&etag, self.catalog_info().is_some()) {
            req = req.header("if-none-match", e.as_str());
        }
        let cap = req.max_response_bytes;
        let resp = match client.send(req).await {
            Ok(resp) if resp.body.len() > cap => {
                report.problems.push(format!(
                    "fetched catalog refused: an answer of {} bytes is over the cap of {cap}",
                    resp.body.len()
                ));
                return Ok(None);
            }
            Ok(resp) => resp,
            Err(e) => {
                report.problems.push(format!("catalog fetch failed: {e}"));
                return Ok(None);
            }
        };
        let new_etag = resp.header("etag").map(str::to_owned);
        if resp.header(super::tiles::TILES_HEADER).is_some() {
            return self.tiles_then_save(client, base, token, None, true, now, report).await;
        }
        match http::classify(resp) {
            Outcome::NotModified => {}
            Outcome::Done(body) => match self.load_catalog(&body, now) {
                Ok(_) => report.catalog_updated = true,
                Err(e) => report.problems.push(format!("fetched catalog refused: {e}")),
            },
            Outcome::Unauthorized => {
                self.replace_install_id()?;
                report.problems.push(
                    "catalog fetch: the server refused our credential (401); registering a new install id next time"
                        .into(),
                );
                return Ok(Some(None));
            }
            Outcome::Retry { reason, retry_after_ms } => {
                report.problems.push(format!("catalog fetch: {reason}"));
                return Ok(Some(retry_after_ms));
            }
            other => {
                report.problems.push(format!("catalog fetch: {}", other.describe()));
                return Ok(None);
            }
        }
        self.with_write(|conn| store::sync::save_catalog_fetch(conn, now, new_etag.as_deref()))?;
        Ok(None)
    }

    /// [`Engine::fetch_tiles`], then the fetch remembered as
    /// [`Engine::fetch_catalog`] does; the same answer.
    #[allow(clippy::too_many_arguments)]
    async fn tiles_then_save(
        &self,
        client: &dyn HttpTransport,
        base: &str,
        token: &str,
        etag: Option<&str>,
        refresh: bool,
        now: Timestamp,
        report: &mut SyncReport,
    ) -> Result<Option<Option<i64>>> {
        use super::tiles::TileFetch;
        match self.fetch_tiles(client, base, token, etag, refresh, now, report).await? {
            TileFetch::NotTiled | TileFetch::Failed => Ok(None),
            TileFetch::Stop(slow) => Ok(slow),
            TileFetch::Done(new_etag) => {
                if refresh {
                    self.with_write(|conn| store::sync::save_catalog_fetch(conn, now, new_etag.as_deref()))?;
                }
                Ok(None)
            }
        }
    }

    fn pending_summaries(&self) -> Result<u32> {
        self.with_conn(|conn, _, _| {
            Ok(store::privacy::outbox(conn)?.iter().filter(|i| i.kind == OutboxKind::Summary).count() as u32)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, payload: &str) -> OutboxItem {
        OutboxItem {
            id,
            kind: OutboxKind::Summary,
            purpose: Some(Purpose::Activity),
            day: Some("2026-11-24".into()),
            payload: payload.into(),
            created_at: Timestamp(0),
            batch_key: None,
        }
    }

    #[test]
    fn a_batch_with_a_payload_that_is_not_json_is_refused_naming_the_item_not_sent_as_null() {
        assert!(body(&[item(1, r#"{"steps": 1400}"#)]).is_ok());
        let refused = body(&[item(1, r#"{"steps": 1400}"#), item(7, r#"{"steps": "#)]);
        assert!(matches!(refused, Err(Error::OutboxPayload { id: 7, .. })), "{refused:?}");
    }
}
