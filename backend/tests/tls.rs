//! TLS: the server (library and `serve --tls-cert --tls-key`) with a
//! self-signed certificate made here with rcgen, and a client that trusts
//! only that certificate.

mod common;

use axum::body::Bytes;
use axum::http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use kairos_backend::server::ServerBuilder;
use kairos_backend::tls::server_config_from_pem;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A self-signed certificate for `localhost` and 127.0.0.1, written as
/// PEM files in `dir`: (certificate file, key file, the certificate).
fn self_signed(dir: &Path) -> (PathBuf, PathBuf, CertificateDer<'static>) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key, made.cert.der().clone())
}

/// `method path` with `body` over TLS to `addr`, trusting only `ca`.
async fn over_tls(
    addr: SocketAddr,
    ca: &CertificateDer<'static>,
    method: &str,
    path: &str,
    body: &str,
) -> (StatusCode, String) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let tls = connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls)).await.unwrap();
    tokio::spawn(connection);
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_server_answers_through_tls_with_a_self_signed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, ca) = self_signed(dir.path());
    let b = common::sqlite();
    let server = ServerBuilder::new(b.storage.clone())
        .tls(server_config_from_pem(&cert, &key).unwrap())
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    assert!(server.url().starts_with("https://"), "{}", server.url());
    let (status, body) = over_tls(server.addr(), &ca, "GET", "/healthz", "").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "{\"status\":\"ok\",\"storage\":\"sqlite\"}"));
    let install = serde_json::json!({ "install_id": common::new_install_id() }).to_string();
    let (status, body) = over_tls(server.addr(), &ca, "POST", "/v1/installs", &install).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Plain HTTP to the TLS port gets no HTTP answer.
    let mut plain = TcpStream::connect(server.addr()).await.unwrap();
    plain.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), plain.read_to_end(&mut answer)).await;
    assert!(!String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"), "plain HTTP was served");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn serve_with_tls_cert_and_key_answers_https() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, ca) = self_signed(dir.path());
    let db = dir.path().join("tls.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kairos-backend"))
        .args(["serve", "--addr", "127.0.0.1:0", "--db", db.to_str().unwrap()])
        .args(["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr: SocketAddr = loop {
        let Some(Ok(line)) = lines.next() else {
            let _ = child.kill();
            panic!("serve exited early");
        };
        if let Some(rest) = line.strip_prefix("kairos-backend: serving on https://") {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    let (status, _) = over_tls(addr, &ca, "GET", "/healthz", "").await;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, StatusCode::OK);
}
