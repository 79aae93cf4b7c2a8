//! The canonical day's nightly sync, captured on the wire: every request
//! body the engine sends goes through a recording proxy on loopback to the
//! real backend, and none holds a coordinate, a private place or a time
//! finer than a day.

use kairos_backend::server::ServerBuilder;
use kairos_backend::storage::{SqliteStorage, Storage};
use std::io::Read;
use std::process::Command;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Forwards every connection to `upstream`, recording what clients send.
async fn recording_proxy(upstream: std::net::SocketAddr, log: Arc<Mutex<Vec<u8>>>) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let server = TcpStream::connect(upstream).await.unwrap();
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = cr.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        log.lock().unwrap().extend_from_slice(&buf[..n]);
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = sw.shutdown().await;
                };
                let down = async move {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                };
                tokio::join!(up, down);
            });
        }
    });
    addr
}

/// Splits a recorded HTTP/1.1 client stream into (request line, body).
fn requests(stream: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = stream;
    while let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&rest[..end]).to_string();
        let len = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap())
            })
            .unwrap_or(0);
        let body = rest[end + 4..end + 4 + len].to_vec();
        let gz = head.to_ascii_lowercase().contains("content-encoding: gzip");
        let body = if gz {
            let mut s = Vec::new();
            flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut s).unwrap();
            s
        } else {
            body
        };
        out.push((head.lines().next().unwrap_or_default().to_string(), body));
        rest = &rest[end + 4 + len..];
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_canonical_days_requests_carry_no_coordinate_place_or_time() {
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&dir.path().join("b.db")).unwrap());
    let server = ServerBuilder::new(storage.clone()).bind("127.0.0.1:0").await.unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let proxy = recording_proxy(server.addr(), log.clone()).await;
    let url = format!("http://{proxy}");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_kairos-sim"))
            .args(["run", "tests/scenarios/canonical-day.toml", "--json", "--sync", &url])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    // The nightly sync (the last sync line; the first is the [social] one,
    // against the scenario's own embedded backend).
    let sync_line = stdout.lines().rfind(|l| l.contains("\"kind\":\"sync\"")).expect("a sync line");
    let sync: serde_json::Value = serde_json::from_str(sync_line).unwrap();
    assert!(sync["sent"].as_u64().unwrap() > 0, "{sync_line}");

    let reqs = requests(&log.lock().unwrap());
    let posts: Vec<_> = reqs.iter().filter(|(line, _)| line.starts_with("POST")).collect();
    assert!(
        posts.iter().any(|(l, _)| l.contains("/v1/summaries")),
        "{:?}",
        reqs.iter().map(|r| &r.0).collect::<Vec<_>>()
    );
    for (line, body) in &posts {
        let text = String::from_utf8(body.clone()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        scan(&v, line);
        words(&v, line);
    }
    server.shutdown().await.unwrap();
}

/// What names a place or a time: no key or word of a string is one of
/// these, and no string holds a date with a time (`2026-11-20T09`).
/// Words, not substrings: random key material (the registration's public
/// key in base64url) holds any two letters now and then.
fn words(v: &serde_json::Value, at: &str) {
    const NAMES: [&str; 6] = ["lat", "lon", "coffee", "home", "place_id", "fix"];
    let named = |s: &str| {
        s.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .any(|w| NAMES.contains(&w.to_ascii_lowercase().as_str()))
    };
    let dated = |s: &str| {
        s.as_bytes()
            .windows(12)
            .any(|w| w.iter().zip(b"dddd-dd-ddTd").all(|(c, p)| if *p == b'd' { c.is_ascii_digit() } else { c == p }))
    };
    match v {
        serde_json::Value::String(s) => assert!(!named(s) && !dated(s), "{at}: {s:?}"),
        serde_json::Value::Array(a) => a.iter().for_each(|x| words(x, at)),
        serde_json::Value::Object(m) => m.iter().for_each(|(k, x)| {
            assert!(!named(k), "{at}: key {k:?}");
            words(x, at)
        }),
        _ => {}
    }
}

/// No number with a fraction (coordinates), no string with a time of day.
fn scan(v: &serde_json::Value, at: &str) {
    match v {
        serde_json::Value::Number(n) => assert!(n.is_i64() || n.is_u64(), "{at}: {n}"),
        serde_json::Value::String(s) => assert!(!s.contains(':'), "{at}: {s:?}"),
        serde_json::Value::Array(a) => a.iter().for_each(|x| scan(x, at)),
        serde_json::Value::Object(m) => m.values().for_each(|x| scan(x, at)),
        _ => {}
    }
}
