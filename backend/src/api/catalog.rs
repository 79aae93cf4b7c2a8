//! `GET /v1/catalog`: the current signed catalog envelope, with a strong
//! `ETag`; `If-None-Match` answers 304 when the client has it.

use super::auth::authorize;
use super::error::ApiError;
use super::AppState;
use axum::extract::State;
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// Set on every catalog answer (200, 304, 404) when tiles are published,
/// so that engines switch to the manifest and delta requests (ADR 0012).
pub const TILES_HEADER: &str = "kairos-catalog-tiles";

pub async fn fetch(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorize(&state, &headers).await?;
    let tiled = state.storage.tile_header().await?.is_some();
    let mut response = fetch_single(&state, &headers).await.unwrap_or_else(IntoResponse::into_response);
    if tiled {
        response.headers_mut().insert(TILES_HEADER, HeaderValue::from_static("1"));
    }
    Ok(response)
}

async fn fetch_single(state: &AppState, headers: &HeaderMap) -> Result<Response, ApiError> {
    let Some(catalog) = state.storage.catalog().await? else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "no_catalog", "no catalog has been published yet"));
    };
    let etag = HeaderValue::from_str(&catalog.etag).map_err(|_| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the stored catalog has an unusable ETag")
    })?;
    let fresh = headers.get_all(IF_NONE_MATCH).iter().any(|v| v.to_str().is_ok_and(|v| matches(v, &catalog.etag)));
    let mut response =
        if fresh { StatusCode::NOT_MODIFIED.into_response() } else { (StatusCode::OK, catalog.body).into_response() };
    let h = response.headers_mut();
    if !fresh {
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    h.insert(ETAG, etag);
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// Whether an `If-None-Match` value names `etag` (RFC 9110 §13.1.2: `*`,
/// or a list of entity tags compared weakly, so `W/"x"` matches `"x"`).
pub fn matches(if_none_match: &str, etag: &str) -> bool {
    let etag = etag.strip_prefix("W/").unwrap_or(etag);
    if_none_match.trim() == "*"
        || if_none_match.split(',').map(str::trim).any(|tag| tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_lists() {
        let etag = "\"sha256-ab\"";
        assert!(matches("\"sha256-ab\"", etag));
        assert!(matches("W/\"sha256-ab\"", etag));
        assert!(matches("\"x\", \"sha256-ab\"", etag));
        assert!(matches("*", etag));
        assert!(!matches("\"sha256-ac\"", etag));
        assert!(!matches("sha256-ab", etag));
        assert!(!matches("", etag));
    }
}
