//! The HTTP side of sync: URL rules and the classification of
//! every outcome (2xx done; 3xx never followed; 4xx other than 401, 408 and
//! 429 refused, with the server's error code; 408, 429, 5xx, timeouts,
//! broken connections and oversized answers retried later).

use super::refusal::RefusalCode;
use super::transport::{HttpRequest, HttpResponse, HttpTransport};
use crate::error::{Error, Result};

/// What became of one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// 2xx, with the body.
    Done(Vec<u8>),
    /// 304 Not Modified.
    NotModified,
    /// Another 3xx: a redirect, never followed (every request goes to the
    /// configured base URL only).
    Redirected(u16),
    /// A 4xx the server will never accept as sent (other than 401, 408,
    /// 429), with the `code` of its error body when it had one.
    Refused {
        /// The status.
        status: u16,
        /// The server's error code (`unknown_merchant_id`,
        /// `quota_exceeded`, `install_id_taken`, ...).
        code: Option<RefusalCode>,
    },
    /// The credential was refused (401): register a new install id.
    Unauthorized,
    /// Try later: 408, 429, 5xx, a timeout, a broken connection or an
    /// answer over the request's size cap; `retry_after_ms` when the
    /// server said how long.
    Retry {
        /// Why, for the report.
        reason: String,
        /// The server's `Retry-After`, in ms.
        retry_after_ms: Option<i64>,
    },
}

impl Outcome {
    /// What the outcome says, for the report.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Done(_) => "done".into(),
            Outcome::NotModified => "not modified".into(),
            Outcome::Redirected(status) => format!("server answered {status} (a redirect, not followed)"),
            Outcome::Refused { status, code: Some(code) } => format!("server refused with {status} {}", code.as_str()),
            Outcome::Refused { status, code: None } => format!("server refused with {status}"),
            Outcome::Unauthorized => "server refused our credential (401)".into(),
            Outcome::Retry { reason, .. } => reason.clone(),
        }
    }
}

/// Checks the base URL: `https://`, or `http://` to a loopback address when
/// `allow_insecure_loopback` is set (tests, the simulator's embedded
/// backend). Returns it without a trailing slash.
pub fn check_base_url(url: &str, allow_insecure_loopback: bool) -> Result<String> {
    let parsed = url::Url::parse(url).map_err(|e| Error::InvalidConfig(format!("sync URL {url:?}: {e}")))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match parsed.scheme() {
        "https" => {}
        "http" if allow_insecure_loopback && loopback => {}
        "http" => {
            return Err(Error::InvalidConfig(format!(
                "sync URL {url:?}: plain http is allowed only to a loopback address with allow_insecure_loopback"
            )))
        }
        other => return Err(Error::InvalidConfig(format!("sync URL {url:?}: unsupported scheme {other:?}"))),
    }
    Ok(url.trim_end_matches('/').to_string())
}

fn retry_after_ms(resp: &HttpResponse) -> Option<i64> {
    let v = resp.header("retry-after")?;
    v.trim().parse::<i64>().ok().map(|s| s.clamp(0, 86_400) * 1000)
}

/// Sends `req` through `transport` and classifies the answer. An answer
/// larger than the request's `max_response_bytes` is refused whatever the
/// transport did (a host transport may not cap it).
pub async fn send(transport: &dyn HttpTransport, req: HttpRequest) -> Outcome {
    let cap = req.max_response_bytes;
    match transport.send(req).await {
        Ok(resp) if resp.body.len() > cap => Outcome::Retry {
            reason: format!("an answer of {} bytes is over the cap of {cap}: refused", resp.body.len()),
            retry_after_ms: None,
        },
        Ok(resp) => classify(resp),
        Err(e) => Outcome::Retry { reason: e.0, retry_after_ms: None },
    }
}

/// The `code` of an error body `{"error": {"code": ...}}`, if it has one.
fn error_code(body: &[u8]) -> Option<RefusalCode> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("error")?.get("code")?.as_str().map(RefusalCode::parse)
}

/// What an answer means for sync.
pub fn classify(resp: HttpResponse) -> Outcome {
    let status = resp.status;
    match status {
        200..=299 => Outcome::Done(resp.body),
        304 => Outcome::NotModified,
        300..=399 => Outcome::Redirected(status),
        401 => Outcome::Unauthorized,
        408 | 429 | 500..=599 => {
            Outcome::Retry { reason: format!("server answered {status}"), retry_after_ms: retry_after_ms(&resp) }
        }
        _ => Outcome::Refused { status, code: error_code(&resp.body) },
    }
}

/// Gzips `body`.
pub fn gzip(body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_explicit_loopback_http() {
        assert!(check_base_url("https://api.example.com/", false).is_ok());
        assert!(check_base_url("http://127.0.0.1:8787", false).is_err());
        assert_eq!(check_base_url("http://127.0.0.1:8787/", true).unwrap(), "http://127.0.0.1:8787");
        assert!(check_base_url("http://[::1]:80", true).is_ok());
        assert!(check_base_url("http://10.0.0.2:8787", true).is_err());
        assert!(check_base_url("ftp://localhost", true).is_err());
        assert!(check_base_url("not a url", true).is_err());
    }

    fn answer(status: u16, headers: &[(&str, &str)]) -> HttpResponse {
        let headers = headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        HttpResponse { status, headers, body: b"ok".to_vec() }
    }

    #[test]
    fn every_status_has_one_meaning() {
        assert_eq!(classify(answer(201, &[])), Outcome::Done(b"ok".to_vec()));
        assert_eq!(classify(answer(304, &[])), Outcome::NotModified);
        assert_eq!(classify(answer(401, &[])), Outcome::Unauthorized);
        assert_eq!(classify(answer(422, &[])), Outcome::Refused { status: 422, code: None });
        assert_eq!(classify(answer(302, &[("location", "https://elsewhere.example/")])), Outcome::Redirected(302));
        for status in [408, 429, 500, 503] {
            assert!(matches!(classify(answer(status, &[])), Outcome::Retry { retry_after_ms: None, .. }));
        }
        // Retry-After in seconds, header names in any case, clamped to a day.
        let r = classify(answer(503, &[("Retry-After", "120")]));
        assert_eq!(r, Outcome::Retry { reason: "server answered 503".into(), retry_after_ms: Some(120_000) });
        let r = classify(answer(429, &[("retry-after", "9999999")]));
        assert!(matches!(r, Outcome::Retry { retry_after_ms: Some(86_400_000), .. }));
        let r = classify(answer(408, &[("Retry-After", "7")]));
        assert!(matches!(r, Outcome::Retry { retry_after_ms: Some(7_000), .. }));
    }

    #[test]
    fn a_refusal_carries_the_servers_error_code() {
        let body = br#"{"error": {"code": "quota_exceeded", "message": "200 visits rows a day"}}"#.to_vec();
        let r = classify(HttpResponse { status: 422, headers: Vec::new(), body });
        assert_eq!(r, Outcome::Refused { status: 422, code: Some(RefusalCode::QuotaExceeded) });
    }
}
