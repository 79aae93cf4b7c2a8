//! `kairos-backend serve` as a process: starts, publishes `--catalog`,
//! answers on loopback, injects faults when asked, stops on SIGTERM.

mod common;

use axum::http::Method;
use common::{assert_error, Api};
use kairos_backend::client::send_once;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

struct Served {
    child: Child,
    addr: SocketAddr,
    lines: Vec<String>,
    stdout: BufReader<std::process::ChildStdout>,
}

fn serve(args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kairos-backend"))
        .arg("serve")
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    // Held from here on, so that a failed assertion still ends the child.
    let mut served = Served { child, addr: SocketAddr::from(([0, 0, 0, 0], 0)), lines: Vec::new(), stdout };
    loop {
        let mut line = String::new();
        assert!(served.stdout.read_line(&mut line).unwrap() > 0, "serve exited early: {:?}", served.lines);
        let line = line.trim_end().to_owned();
        served.lines.push(line.clone());
        if let Some(rest) = line.strip_prefix("kairos-backend: serving on http://") {
            served.addr = rest.split_whitespace().next().unwrap().parse().unwrap();
            return served;
        }
    }
}

impl Drop for Served {
    /// A failed test must not leave its server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn terminate(served: &mut Served) -> Vec<String> {
    let status = Command::new("kill").args(["-TERM", &served.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert!(served.child.wait().unwrap().success(), "serve should exit 0 on SIGTERM");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut served.stdout, &mut rest).unwrap();
    served.lines.extend(rest.lines().map(str::to_owned));
    served.lines.clone()
}

#[tokio::test]
async fn serves_a_catalog_from_a_file_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("served.db");
    let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/example.signed.json");
    let mut served = serve(&["--db", db.to_str().unwrap(), "--catalog", catalog.to_str().unwrap()]);
    assert!(served.lines[0].starts_with("published catalog version 1 ("), "{:?}", served.lines);
    assert!(served.lines[1].ends_with(&format!("(storage sqlite {})", db.display())), "{:?}", served.lines);

    let health = send_once(served.addr, Method::GET, "/healthz", &[], Vec::new()).await.unwrap();
    assert_eq!(health.json(), serde_json::json!({"status": "ok", "storage": "sqlite"}));
    let api = Api::register(served.addr).await;
    let reply = api.catalog(&[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(&reply.body[..], &std::fs::read(&catalog).unwrap()[..]);
    // The catalog's ids are accepted; the canonical batch's offer "o1" is in no catalog.
    let mut batch = common::canonical_batch();
    batch["batch"][2]["data"]["offers"][0]["offer_id"] = "maison-lumiere-20-off".into();
    assert_eq!(api.upload("k", &batch).await.status, 200);
    assert_error(&api.upload("k2", &common::canonical_batch()).await, 400, "unknown_offer_id");

    let lines = terminate(&mut served);
    assert_eq!(lines.last().map(String::as_str), Some("kairos-backend: stopped"), "{lines:?}");
    assert!(db.exists());
}

#[tokio::test]
async fn fault_mode_is_announced_and_applied() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("faulty.db");
    let mut served = serve(&[
        "--db",
        db.to_str().unwrap(),
        "--fault-mode",
        "throttle",
        "--fault-rate",
        "1",
        "--fault-max",
        "1",
        "--fault-retry-after",
        "2",
    ]);
    let body = serde_json::json!({"install_id": common::new_install_id()}).to_string();
    let throttled = common::register_raw(served.addr, &body).await;
    assert_error(&throttled, 429, "rate_limited");
    assert_eq!(throttled.header("retry-after"), Some("2"));
    assert_eq!(common::register_raw(served.addr, &body).await.status, 200, "only one fault allowed");
    let lines = terminate(&mut served);
    assert!(
        lines.iter().any(|l| l == "kairos-backend: FAULT INJECTION ON: throttle at rate 1, seed 1, at most 1 faults"),
        "{lines:?}"
    );
}
