//! The HTTP stack sync runs on, supplied by the host.
//!
//! The engine builds every request (URL, headers, gzip body, timeout) and
//! classifies every answer itself; a [`HttpTransport`] only moves bytes. On
//! a phone the app passes its platform stack (OkHttp or `HttpURLConnection`
//! on Android, `URLSession` on iOS), so TLS, the system's trust store,
//! proxies, VPNs and certificate pinning are the platform's, and the app's
//! library carries no TLS stack of its own (ADR 0003). Native tools (the
//! simulator, tests) use the `reqwest` transport of the `reqwest` feature.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// The HTTP methods the protocol uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// `GET` (the catalog).
    Get,
    /// `POST` (registration, summaries, deletion requests).
    Post,
}

impl HttpMethod {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// One request, complete: the transport sends it as is. It must not add
/// content encodings, must never follow a redirect (a 3xx is returned as
/// the answer), and should stop reading an answer body larger than
/// `max_response_bytes` (failing with a [`TransportError`]); the engine
/// refuses a larger one in any case.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: HttpMethod,
    /// The absolute URL.
    pub url: String,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty for `GET`); already gzipped when a
    /// `content-encoding: gzip` header says so.
    pub body: Vec<u8>,
    /// Give up (and fail with a [`TransportError`]) after this long, for
    /// connecting and answering together.
    pub timeout_ms: u64,
    /// The largest answer body to accept, in bytes
    /// ([`crate::policy::SYNC_MAX_RESPONSE_BYTES`], or
    /// [`crate::policy::MAX_CATALOG_ENVELOPE_BYTES`] for the catalog).
    pub max_response_bytes: usize,
}

impl HttpRequest {
    /// A request with no headers and no body.
    pub fn new(method: HttpMethod, url: impl Into<String>) -> Self {
        HttpRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout_ms: crate::policy::SYNC_REQUEST_TIMEOUT_MS,
            max_response_bytes: crate::policy::SYNC_MAX_RESPONSE_BYTES,
        }
    }

    /// Adds a header (the name is stored in lower case).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// Sets the largest answer body to accept.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }
}

/// The server's answer, whatever its status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values as received (names in any case).
    pub headers: Vec<(String, String)>,
    /// The body, decoded from any content encoding the transport negotiated.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name`, compared without case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The request did not get an answer: no connection, a timeout, a broken
/// connection or TLS failure. Sync retries later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError(pub String);

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TransportError {}

/// What [`HttpTransport::send`] returns.
pub type TransportFuture<'a> = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'a>>;

/// Moves one request to the server and its answer back. Any status is an
/// answer (`Ok`); only a request that got no answer is an `Err`.
pub trait HttpTransport: Send + Sync {
    /// Sends `request`.
    fn send(&self, request: HttpRequest) -> TransportFuture<'_>;
}

#[cfg(feature = "reqwest")]
pub use self::native::ReqwestTransport;

#[cfg(feature = "reqwest")]
mod native {
    use super::*;
    use std::time::Duration;

    /// A [`HttpTransport`] on `reqwest` with rustls, for native tools and
    /// tests (it needs a tokio runtime). Apps pass their platform's stack.
    /// It never follows a redirect, reads at most the request's
    /// `max_response_bytes` of an answer, and drops idle connections before
    /// the server does.
    #[derive(Debug, Clone)]
    pub struct ReqwestTransport {
        client: reqwest::Client,
    }

    impl ReqwestTransport {
        /// A client with the sync timeouts.
        pub fn new() -> Result<Self, TransportError> {
            let client = reqwest::Client::builder()
                .connect_timeout(Duration::from_millis(crate::policy::SYNC_REQUEST_TIMEOUT_MS / 3))
                .redirect(reqwest::redirect::Policy::none())
                .pool_idle_timeout(Duration::from_millis(crate::policy::SYNC_IDLE_CONNECTION_MS))
                .build()
                .map_err(|e| TransportError(format!("cannot build the HTTP client: {e}")))?;
            Ok(ReqwestTransport { client })
        }
    }

    impl HttpTransport for ReqwestTransport {
        fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
            Box::pin(async move {
                let method = match request.method {
                    HttpMethod::Get => reqwest::Method::GET,
                    HttpMethod::Post => reqwest::Method::POST,
                };
                let mut req = self
                    .client
                    .request(method, &request.url)
                    .timeout(Duration::from_millis(request.timeout_ms))
                    .body(request.body);
                for (name, value) in &request.headers {
                    req = req.header(name, value);
                }
                let mut resp = req.send().await.map_err(|e| TransportError(format!("request failed: {e}")))?;
                let status = resp.status().as_u16();
                let headers = resp
                    .headers()
                    .iter()
                    .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
                    .collect();
                let cap = request.max_response_bytes;
                let too_large =
                    |size: u64| TransportError(format!("an answer of {size} bytes is over the cap of {cap}: refused"));
                if let Some(size) = resp.content_length().filter(|&n| n > cap as u64) {
                    return Err(too_large(size));
                }
                let mut body = Vec::new();
                while let Some(chunk) =
                    resp.chunk().await.map_err(|e| TransportError(format!("response cut off: {e}")))?
                {
                    if body.len() + chunk.len() > cap {
                        return Err(too_large((body.len() + chunk.len()) as u64));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(HttpResponse { status, headers, body })
            })
        }
    }
}
