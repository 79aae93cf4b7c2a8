//! The app's HTTP stack, which `sync` sends its requests through.
//!
//! The engine builds each request (URL, headers, gzip body, timeout) and
//! decides what every answer means; the transport only moves the bytes. The
//! Kotlin package ships `HttpUrlConnectionTransport` and the Swift package
//! `URLSessionTransport`; an app with OkHttp, Ktor or its own `URLSession`
//! configuration (pinning, proxies) implements [`HttpTransport`] itself.
//! With the platform's stack the library carries no TLS code and trusts
//! what the phone trusts (ADR 0003).

use kairos_core::sync as core;
use std::collections::HashMap;
use std::sync::Arc;

/// The HTTP methods sync uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HttpMethod {
    /// `GET` (the catalog).
    Get,
    /// `POST` (registration, summaries, deletion requests).
    Post,
}

/// One request, complete. Send it as it is: the body is already gzipped
/// when `content-encoding` says so; add no content encoding and follow no
/// redirect to another host.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: HttpMethod,
    /// The absolute URL.
    pub url: String,
    /// Header names (lower case) and values.
    pub headers: HashMap<String, String>,
    /// The body; empty for `GET`.
    pub body: Vec<u8>,
    /// Give up after this many milliseconds (connecting and answering
    /// together), and throw `TransportError`. Always positive and at most
    /// a few minutes (the engine's request timeout), so it fits a Java
    /// `int` and a Swift `TimeInterval` exactly.
    pub timeout_ms: i64,
}

/// The server's answer, whatever its status: a 4xx or 5xx is a response,
/// not a `TransportError`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HttpResponse {
    /// The HTTP status code, 100 to 599. A status outside that range is
    /// not HTTP: sync counts the request as failed (as a `TransportError`
    /// with the status in its reason).
    pub status: i32,
    /// Header names (any case) and values; for a repeated header, any one
    /// of its values.
    pub headers: HashMap<String, String>,
    /// The body, decoded from any content encoding the stack negotiated.
    pub body: Vec<u8>,
}

/// The request got no answer (no connection, timeout, TLS failure, a
/// broken connection). `sync` keeps what it was sending and backs off.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum TransportError {
    /// Why, in words (it reaches `SyncReport.problems`).
    #[error("{reason}")]
    Failed {
        /// The platform's description of the failure.
        reason: String,
    },
}

/// Any other exception thrown by a transport (a bug in it, or an exception
/// type the bindings do not know) counts as a failed request.
impl From<uniffi::UnexpectedUniFFICallbackError> for TransportError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TransportError::Failed { reason: format!("the HTTP transport failed: {}", e.reason) }
    }
}

/// Implemented by the app (Kotlin: a `suspend fun`; Swift: an `async`
/// method) to send one request and return the server's answer.
#[uniffi::export(foreign)]
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends `request` and returns the answer, whatever its status; throws
    /// `TransportError` only when there is no answer.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// The app's transport, as the core's.
pub(crate) struct Foreign(pub(crate) Arc<dyn HttpTransport>);

impl core::HttpTransport for Foreign {
    fn send(&self, request: core::HttpRequest) -> core::TransportFuture<'_> {
        let request = HttpRequest {
            method: match request.method {
                core::HttpMethod::Get => HttpMethod::Get,
                core::HttpMethod::Post => HttpMethod::Post,
            },
            url: request.url,
            headers: request.headers.into_iter().collect(),
            body: request.body,
            // The engine's timeouts are a few minutes at most.
            timeout_ms: i64::try_from(request.timeout_ms).unwrap_or(i64::MAX),
        };
        Box::pin(async move {
            match self.0.send(request).await {
                Ok(r) => match u16::try_from(r.status).ok().filter(|s| (100..=599).contains(s)) {
                    Some(status) => {
                        Ok(core::HttpResponse { status, headers: r.headers.into_iter().collect(), body: r.body })
                    }
                    None => Err(core::TransportError(format!(
                        "the HTTP transport returned status {}, outside 100..599",
                        r.status
                    ))),
                },
                Err(TransportError::Failed { reason }) => Err(core::TransportError(reason)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kairos_core::sync::HttpTransport as _;
    use std::sync::Mutex;

    /// Answers every request with `status` and records what it was sent.
    struct Fixed {
        status: i32,
        seen: Mutex<Vec<HttpRequest>>,
    }

    #[async_trait::async_trait]
    impl HttpTransport for Fixed {
        async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
            self.seen.lock().unwrap().push(request);
            match self.status {
                0 => Err(TransportError::Failed { reason: "offline".into() }),
                status => Ok(HttpResponse {
                    status,
                    headers: HashMap::from([("ETag".to_string(), "\"v2\"".to_string())]),
                    body: b"{}".to_vec(),
                }),
            }
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        crate::runtime::tests::block_on(f)
    }

    #[test]
    fn requests_and_answers_cross_over_whole() {
        let app = Arc::new(Fixed { status: 304, seen: Mutex::new(Vec::new()) });
        let foreign = Foreign(app.clone());
        let req = core::HttpRequest::new(core::HttpMethod::Post, "https://api.example.com/v1/summaries")
            .header("Content-Encoding", "gzip")
            .body(vec![1, 2, 3]);
        let resp = block_on(foreign.send(req)).unwrap();
        assert_eq!(resp.status, 304);
        assert_eq!(resp.header("etag"), Some("\"v2\""));
        let seen = app.seen.lock().unwrap();
        assert_eq!(seen[0].method, HttpMethod::Post);
        assert_eq!(seen[0].headers.get("content-encoding").map(String::as_str), Some("gzip"));
        assert_eq!(seen[0].body, vec![1, 2, 3]);
        assert_eq!(seen[0].timeout_ms, kairos_core::policy::SYNC_REQUEST_TIMEOUT_MS as i64);
    }

    #[test]
    fn a_status_that_is_not_http_is_a_failed_request() {
        for status in [-1, 99, 600, 70_000] {
            let foreign = Foreign(Arc::new(Fixed { status, seen: Mutex::new(Vec::new()) }));
            let err =
                block_on(foreign.send(core::HttpRequest::new(core::HttpMethod::Get, "https://x.test"))).unwrap_err();
            assert!(err.0.contains(&format!("status {status}")), "{}", err.0);
        }
    }

    #[test]
    fn no_answer_is_a_transport_error_with_the_apps_reason() {
        let foreign = Foreign(Arc::new(Fixed { status: 0, seen: Mutex::new(Vec::new()) }));
        let err = block_on(foreign.send(core::HttpRequest::new(core::HttpMethod::Get, "https://x.test"))).unwrap_err();
        assert_eq!(err.0, "offline");
    }
}
