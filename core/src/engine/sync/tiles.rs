//! The tiled catalog in the sync (ADR 0012, `docs/protocol.md` section 4):
//! the small signed header with `If-None-Match` (usually a 304), then one
//! delta request per batch of the tiles needed that are not confirmed
//! current at the header's version (tile ids and versions held only), then
//! the whole tiles and per-entry deltas loaded under the header. Nothing
//! changed and nothing new needed: no delta request at all.

use super::http::{self, Outcome};
use super::transport::{HttpMethod, HttpRequest, HttpTransport};
use super::SyncReport;
use crate::domain::catalog::tiles::{decode_pack, verify_header, verify_stored_header, HeldTiles, TileId, TileUpdate};
use crate::domain::time::Timestamp;
use crate::engine::Engine;
use crate::error::Result;
use crate::policy;

/// `request` with the install's bearer token (as every `/v1` request).
fn authorized(request: HttpRequest, token: &str) -> HttpRequest {
    request.header("authorization", format!("Bearer {token}"))
}

/// The header a server sets on catalog answers when it publishes tiles.
pub(crate) const TILES_HEADER: &str = "kairos-catalog-tiles";

/// What the tile fetch came to.
pub(super) enum TileFetch {
    /// The server has no tiles (404 `no_tiles`): use `/v1/catalog`.
    NotTiled,
    /// Done (or nothing to do); the header's ETag to remember.
    Done(Option<String>),
    /// Failed for now (the problem is in the report): try at the next sync.
    Failed,
    /// The server asked to slow down (with its `Retry-After`, if any), or
    /// refused the credential (`None` inside: register again next time).
    Stop(Option<Option<i64>>),
}

impl Engine {
    /// Fetches the header (when `refresh`, or when none is held) and the
    /// tiles needed that changed or are not held, and loads them.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn fetch_tiles(
        &self,
        client: &dyn HttpTransport,
        base: &str,
        token: &str,
        etag: Option<&str>,
        refresh: bool,
        now: Timestamp,
        report: &mut SyncReport,
    ) -> Result<TileFetch> {
        let held = self.held_tiles();
        let keys = self.catalog_keys();
        let mut fresh_header: Option<Vec<u8>> = None;
        let mut new_etag = etag.map(str::to_owned);
        if refresh || held.is_none() {
            let mut req = authorized(HttpRequest::new(HttpMethod::Get, format!("{base}/v1/catalog/header")), token)
                .max_response_bytes(policy::MAX_TILE_HEADER_BYTES);
            if let (Some(e), true) = (etag, held.is_some()) {
                req = req.header("if-none-match", e);
            }
            let resp = match client.send(req).await {
                Ok(resp) => resp,
                Err(e) => {
                    report.problems.push(format!("tile header fetch failed: {e}"));
                    return Ok(TileFetch::Failed);
                }
            };
            let tag = resp.header("etag").map(str::to_owned);
            match http::classify(resp) {
                Outcome::NotModified => {}
                Outcome::Done(body) => {
                    fresh_header = Some(body);
                    new_etag = tag;
                }
                Outcome::Refused { status: 404, .. } if held.is_none() => return Ok(TileFetch::NotTiled),
                other => return self.stop("tile header fetch", other, report),
            }
        }
        let header = match &fresh_header {
            Some(body) => verify_header(body, &keys, now).map(|(h, _)| h),
            None => match &held {
                Some(h) => verify_stored_header(&h.header, &keys, now),
                None => return Ok(TileFetch::Done(None)),
            },
        };
        let header = match header {
            Ok(h) => h,
            Err(e) => {
                report.problems.push(format!("tile header refused: {e}"));
                return Ok(TileFetch::Failed);
            }
        };
        let needed = self.needed_tiles(now)?;
        let asks = match &held {
            Some(h) => h.wanted(&needed, header.version),
            None => HeldTiles::default().wanted(&needed, header.version),
        };
        let mut updates: Vec<TileUpdate> = Vec::new();
        for batch in asks.chunks(policy::TILE_REQUEST_BATCH) {
            let body: serde_json::Map<String, serde_json::Value> =
                batch.iter().map(|(id, v)| (id.to_string(), serde_json::Value::from(*v))).collect();
            let body = serde_json::to_vec(&serde_json::json!({ "tiles": body })).expect("JSON always serialises");
            let mut req = authorized(HttpRequest::new(HttpMethod::Post, format!("{base}/v1/catalog/tiles")), token)
                .header("content-type", "application/json")
                .max_response_bytes(policy::MAX_TILE_PACK_BYTES);
            req.body = body;
            let resp = match client.send(req).await {
                Ok(resp) => resp,
                Err(e) => {
                    report.problems.push(format!("tile fetch failed: {e}"));
                    return Ok(TileFetch::Failed);
                }
            };
            match http::classify(resp) {
                Outcome::NotModified => {}
                Outcome::Done(pack) => match decode_pack(&pack, policy::MAX_TILE_PACK_BYTES) {
                    Ok(mut packed) => updates.append(&mut packed),
                    Err(e) => {
                        report.problems.push(format!("tiles refused: {e}"));
                        return Ok(TileFetch::Failed);
                    }
                },
                other => return self.stop("tile fetch", other, report),
            }
        }
        if fresh_header.is_none() && asks.is_empty() {
            return Ok(TileFetch::Done(new_etag));
        }
        let asked: Vec<TileId> = asks.iter().map(|(id, _)| *id).collect();
        if fresh_header.is_none() && updates.is_empty() {
            // Nothing changed: only what was asked is now known current or absent.
            self.note_tiles_asked(&asked, header.version);
            return Ok(TileFetch::Done(new_etag));
        }
        match self.load_tiles_inner(fresh_header.as_deref(), updates, &asked, now) {
            Ok(_) => report.catalog_updated = true,
            Err(e) => {
                report.problems.push(format!("fetched tiles refused: {e}"));
                return Ok(TileFetch::Failed);
            }
        }
        Ok(TileFetch::Done(new_etag))
    }

    fn stop(&self, what: &str, outcome: Outcome, report: &mut SyncReport) -> Result<TileFetch> {
        Ok(match outcome {
            Outcome::Unauthorized => {
                self.replace_install_id()?;
                report.problems.push(format!(
                    "{what}: the server refused our credential (401); registering a new install id next time"
                ));
                TileFetch::Stop(Some(None))
            }
            Outcome::Retry { reason, retry_after_ms } => {
                report.problems.push(format!("{what}: {reason}"));
                TileFetch::Stop(Some(retry_after_ms))
            }
            other => {
                report.problems.push(format!("{what}: {}", other.describe()));
                TileFetch::Stop(None)
            }
        })
    }
}
