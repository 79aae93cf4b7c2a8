//! Reading request bodies: media type, content coding and size limits.

use super::error::ApiError;
use crate::limits::{MAX_BODY_BYTES, MAX_DECOMPRESSED_BYTES};
use axum::body::{Body, Bytes};
use axum::http::header::{HeaderValue, CONNECTION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use std::io::Read;
use std::time::Duration;

/// How a body is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// As is.
    Identity,
    /// `Content-Encoding: gzip`.
    Gzip,
}

/// Refuses (415) a body that is not `application/json` (an optional
/// `charset=utf-8` parameter is allowed).
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let refused = || ApiError::unsupported("unsupported_media_type", "send Content-Type: application/json");
    let value = headers.get(CONTENT_TYPE).ok_or_else(refused)?.to_str().map_err(|_| refused())?;
    let mut parts = value.split(';').map(str::trim);
    if !parts.next().is_some_and(|media| media.eq_ignore_ascii_case("application/json")) {
        return Err(refused());
    }
    for parameter in parts {
        let (name, value) = parameter.split_once('=').ok_or_else(refused)?;
        let value = value.trim().trim_matches('"');
        if !(name.trim().eq_ignore_ascii_case("charset") && value.eq_ignore_ascii_case("utf-8")) {
            return Err(refused());
        }
    }
    Ok(())
}

/// The body's content coding: none, `identity` or `gzip`; anything else
/// (including a list of codings) is refused with 415.
pub fn coding(headers: &HeaderMap, gzip_allowed: bool) -> Result<Coding, ApiError> {
    let Some(value) = headers.get(CONTENT_ENCODING) else { return Ok(Coding::Identity) };
    let value = value.to_str().unwrap_or("").trim();
    if value.eq_ignore_ascii_case("identity") {
        Ok(Coding::Identity)
    } else if gzip_allowed && value.eq_ignore_ascii_case("gzip") {
        Ok(Coding::Gzip)
    } else {
        let accepted = if gzip_allowed { "gzip or identity" } else { "identity" };
        Err(ApiError::unsupported(
            "unsupported_encoding",
            format!("Content-Encoding {value:?} is not accepted here; use {accepted}"),
        ))
    }
}

/// Reads the whole body, refusing (413) one longer than `limit` bytes,
/// by its `Content-Length` before reading when it is declared, and (408
/// `request_timeout`, closing the connection) one not received whole
/// within `timeout`.
pub async fn read_limited(headers: &HeaderMap, body: Body, limit: usize, timeout: Duration) -> Result<Bytes, ApiError> {
    let too_large = |size: Option<u64>| {
        let size = size.map(|s| format!("{s} bytes, ")).unwrap_or_default();
        ApiError::too_large("body_too_large", format!("the body is {size}more than the limit of {limit} bytes"))
    };
    if let Some(length) = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok()) {
        if length > limit as u64 {
            return Err(too_large(Some(length)));
        }
    }
    let read = tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await.map_err(|_| {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!("the body did not arrive within {} s", timeout.as_secs_f64()),
        )
        .with_header(CONNECTION, HeaderValue::from_static("close"))
    })?;
    read.map_err(|e| {
        let length_limit = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            || e.to_string().contains("length limit");
        if length_limit {
            too_large(None)
        } else {
            ApiError::bad_request("invalid_body", format!("the body could not be read: {e}"))
        }
    })
}

/// The summaries body, decompressed: at most [`MAX_BODY_BYTES`] on the wire
/// and [`MAX_DECOMPRESSED_BYTES`] once gunzipped.
pub async fn read_summaries_body(headers: &HeaderMap, body: Body, timeout: Duration) -> Result<Vec<u8>, ApiError> {
    let coding = coding(headers, true)?;
    let wire = read_limited(headers, body, MAX_BODY_BYTES, timeout).await?;
    match coding {
        Coding::Identity => Ok(wire.to_vec()),
        Coding::Gzip => gunzip(&wire),
    }
}

/// Gunzips `wire`, refusing a bad stream (400 `invalid_gzip`) or one that
/// inflates past [`MAX_DECOMPRESSED_BYTES`] (413 `decompressed_too_large`).
pub fn gunzip(wire: &[u8]) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(wire.len() * 4);
    let decoder = flate2::read::GzDecoder::new(wire);
    decoder
        .take(MAX_DECOMPRESSED_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| ApiError::bad_request("invalid_gzip", format!("the body is not valid gzip: {e}")))?;
    if out.len() > MAX_DECOMPRESSED_BYTES {
        return Err(ApiError::too_large(
            "decompressed_too_large",
            format!("the body inflates to more than the limit of {MAX_DECOMPRESSED_BYTES} bytes"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn media_types() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"UTF-8\"",
        ] {
            assert!(require_json(&headers(&[("content-type", ok)])).is_ok(), "{ok}");
        }
        for bad in ["text/plain", "application/json; charset=latin1", "application/jsonx", "application/json; x=1"] {
            assert_eq!(require_json(&headers(&[("content-type", bad)])).unwrap_err().code, "unsupported_media_type");
        }
        assert_eq!(require_json(&HeaderMap::new()).unwrap_err().status, 415);
    }

    #[test]
    fn codings() {
        assert_eq!(coding(&HeaderMap::new(), true).unwrap(), Coding::Identity);
        assert_eq!(coding(&headers(&[("content-encoding", "GZIP")]), true).unwrap(), Coding::Gzip);
        assert_eq!(coding(&headers(&[("content-encoding", "identity")]), false).unwrap(), Coding::Identity);
        for (bad, gzip) in [("br", true), ("gzip, gzip", true), ("deflate", true), ("gzip", false)] {
            assert_eq!(coding(&headers(&[("content-encoding", bad)]), gzip).unwrap_err().code, "unsupported_encoding");
        }
    }

    #[test]
    fn gunzip_bounds() {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b"{\"batch\": []}").unwrap();
        assert_eq!(gunzip(&e.finish().unwrap()).unwrap(), b"{\"batch\": []}");
        assert_eq!(gunzip(b"not gzip").unwrap_err().code, "invalid_gzip");
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![b' '; MAX_DECOMPRESSED_BYTES + 1]).unwrap();
        let bomb = e.finish().unwrap();
        assert!(bomb.len() < MAX_BODY_BYTES, "the test bomb must fit the wire limit");
        assert_eq!(gunzip(&bomb).unwrap_err().code, "decompressed_too_large");
        // Exactly at the limit is fine.
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![b' '; MAX_DECOMPRESSED_BYTES]).unwrap();
        assert_eq!(gunzip(&e.finish().unwrap()).unwrap().len(), MAX_DECOMPRESSED_BYTES);
    }
}
