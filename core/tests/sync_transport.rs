//! The native transport against a loopback server: a redirect is returned,
//! never followed, and an answer over the request's cap is refused.

use kairos_core::sync::{HttpMethod, HttpRequest, HttpTransport, ReqwestTransport};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Serves `answer` to every connection on a loopback port; counts requests.
fn serve(answer: Vec<u8>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = [0u8; 4096];
            let _ = stream.read(&mut head);
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = stream.write_all(&answer);
        }
    });
    (url, hits)
}

#[tokio::test]
async fn a_redirect_is_answered_as_such_and_never_followed() {
    let (elsewhere, elsewhere_hits) =
        serve(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok".to_vec());
    let redirect = format!(
        "HTTP/1.1 302 Found\r\nlocation: {elsewhere}/v1/summaries\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    let (url, hits) = serve(redirect.into_bytes());
    let transport = ReqwestTransport::new().unwrap();
    let answer = transport.send(HttpRequest::new(HttpMethod::Post, format!("{url}/v1/summaries"))).await.unwrap();
    assert_eq!(answer.status, 302);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 0, "the redirect was followed");
}

#[tokio::test]
async fn an_answer_over_the_cap_is_refused_with_or_without_a_length() {
    let body = vec![b'x'; 100_000];
    let mut with_length =
        format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len()).into_bytes();
    with_length.extend_from_slice(&body);
    let mut without_length = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_vec();
    without_length.extend_from_slice(&body);
    let transport = ReqwestTransport::new().unwrap();
    for answer in [with_length, without_length] {
        let (url, _) = serve(answer);
        let request = HttpRequest::new(HttpMethod::Get, format!("{url}/v1/installs"));
        assert_eq!(request.max_response_bytes, kairos_core::policy::SYNC_MAX_RESPONSE_BYTES);
        let refused = transport.send(request).await.unwrap_err();
        assert!(refused.0.contains("over the cap of 65536"), "{refused}");
        // The catalog's cap lets the same answer through.
        let request = HttpRequest::new(HttpMethod::Get, format!("{url}/v1/catalog"))
            .max_response_bytes(kairos_core::policy::MAX_CATALOG_ENVELOPE_BYTES);
        assert_eq!(transport.send(request).await.unwrap().body.len(), 100_000);
    }
}
