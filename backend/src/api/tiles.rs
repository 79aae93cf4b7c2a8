//! The tiled catalog (ADR 0012, revised): `GET /v1/catalog/header` (the
//! small signed header), `GET /v1/catalog/tiles/{tile_id}` (one tile
//! whole, as stored precompressed), both with a strong ETag and 304; and
//! `POST /v1/catalog/tiles`, the delta request: the client names the tiles
//! it wants with the version it holds of each, and gets per tile either
//! the whole tile (stored bytes, copied) or the entries changed since and
//! the removed merchant ids, in one gzip tile pack (304 when nothing
//! changed).

use super::auth::authorize;
use super::body::{coding, read_limited, require_json};
use super::catalog::matches;
use super::error::ApiError;
use super::AppState;
use crate::limits::{MAX_TILES_PER_REQUEST, MAX_TILE_REQUEST_BYTES};
use crate::storage::{CatalogRecord, TileAnswer};
use crate::summaries::strict_json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kairos_core::catalog::tiles::{encode_pack, TileId, TileUpdate};
use serde_json::Value;

/// The media type of a tile pack.
pub const TILE_PACK_TYPE: &str = "application/vnd.kairos.tiles+gzip";

pub async fn header(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorize(&state, &headers).await?;
    let Some(h) = state.storage.tile_header().await? else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no_tiles", "no tiled catalog has been published"));
    };
    tagged(&headers, h, "application/json")
}

pub async fn tile(
    State(state): State<AppState>,
    Path(tile_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authorize(&state, &headers).await?;
    let id = parse_id(&tile_id)?;
    let Some((version, etag, packed)) = state.storage.tile(id.to_string()).await? else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "unknown_tile", format!("no tile {id} is published")));
    };
    tagged(&headers, CatalogRecord { version, etag, body: packed }, TILE_PACK_TYPE)
}

pub async fn delta(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    authorize(&state, &headers).await?;
    require_json(&headers)?;
    coding(&headers, false)?;
    let body = read_limited(&headers, body, MAX_TILE_REQUEST_BYTES, state.limits.body_timeout).await?;
    let wanted = parse_delta(&body)?;
    let answers = state.storage.tile_answers(wanted).await?;
    if answers.is_empty() {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    // Whole tiles are stored as gzip members: copied as they are; the
    // deltas follow as one more member.
    let mut pack =
        Vec::with_capacity(answers.iter().map(|a| if let TileAnswer::Whole(p) = a { p.len() } else { 256 }).sum());
    let mut deltas: Vec<TileUpdate> = Vec::new();
    for answer in answers {
        match answer {
            TileAnswer::Whole(member) => pack.extend_from_slice(&member),
            TileAnswer::Delta(update) => deltas.push(update),
        }
    }
    if !deltas.is_empty() {
        pack.extend(encode_pack(&deltas));
    }
    let mut response = (StatusCode::OK, pack).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(TILE_PACK_TYPE));
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `{"tiles": {"r2546c1161": 12, "r2546c1162": 0}}`: tile id → version held
/// (0 for none).
fn parse_delta(body: &[u8]) -> Result<Vec<(String, u64)>, ApiError> {
    let value = strict_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("the body is not valid JSON: {e}")))?;
    let shape =
        || ApiError::bad_request("invalid_json", "send {\"tiles\": {\"<tile id>\": <version held, 0 for none>}}");
    let object = value.as_object().ok_or_else(shape)?;
    if let Some(other) = object.keys().find(|k| *k != "tiles") {
        return Err(ApiError::bad_request("unknown_field", format!("{other}: unknown field (expected [\"tiles\"])")));
    }
    let tiles = object.get("tiles").and_then(Value::as_object).ok_or_else(shape)?;
    if tiles.len() > MAX_TILES_PER_REQUEST {
        return Err(ApiError::bad_request(
            "too_many_tiles",
            format!("{} tiles named, at most {MAX_TILES_PER_REQUEST} per request", tiles.len()),
        ));
    }
    tiles
        .iter()
        .map(|(id, held)| {
            let id = parse_id(id)?;
            let held = held.as_u64().ok_or_else(|| {
                ApiError::bad_request("invalid_value", format!("tiles.{id}: {held} is not a version (0 or more)"))
            })?;
            // 0 is "none held": any version is new to the client.
            Ok((id.to_string(), held))
        })
        .collect()
}

fn parse_id(id: &str) -> Result<TileId, ApiError> {
    id.parse()
        .map_err(|e: kairos_core::catalog::tiles::BadTileId| ApiError::bad_request("invalid_tile_id", e.to_string()))
}

/// `record`'s body with its strong ETag, or 304 when `If-None-Match` names it.
fn tagged(headers: &HeaderMap, record: CatalogRecord, content_type: &'static str) -> Result<Response, ApiError> {
    let etag = HeaderValue::from_str(&record.etag)
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "a stored ETag is unusable"))?;
    let fresh = headers.get_all(IF_NONE_MATCH).iter().any(|v| v.to_str().is_ok_and(|v| matches(v, &record.etag)));
    let mut response =
        if fresh { StatusCode::NOT_MODIFIED.into_response() } else { (StatusCode::OK, record.body).into_response() };
    let h = response.headers_mut();
    if !fresh {
        h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    h.insert(ETAG, etag);
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}
