//! The HTML report, opened in headless Chromium as a person would: the
//! expected elements are in the rendered DOM, and a screenshot is written to
//! `target/report-screenshots/` for people to look at.
//!
//! Chromium is Debian's `chromium` package. The test installs nothing:
//! `cargo xtask test` installs it beforehand when it is missing, and runs the
//! tests with `KAIROS_REQUIRE_TOOLS=1`, under which a missing Chromium fails
//! the test. A plain `cargo test` without Chromium skips the browser half,
//! loudly.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn have_chromium() -> bool {
    Command::new("chromium").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// How to get Chromium, for the messages.
const INSTALL: &str = "sudo apt-get install -y chromium";

/// Whether a missing tool must fail the test rather than skip it: set by
/// `cargo xtask test`, the README's test command.
fn tools_required() -> bool {
    std::env::var_os("KAIROS_REQUIRE_TOOLS").is_some_and(|v| v == "1")
}

fn chromium(args: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let dir = format!("--user-data-dir={}", profile.path().display());
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &dir,
        ])
        .args(args)
        .output()
        .expect("chromium runs")
}

#[test]
fn the_report_renders_its_map_chart_and_timeline_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("canonical-day.html");
    let out = Command::new(env!("CARGO_BIN_EXE_kairos-sim"))
        .args(["run", "tests/scenarios/canonical-day.toml", "--report", html.to_str().unwrap()])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let page = std::fs::read_to_string(&html).unwrap();
    for forbidden in ["http://", "https://", "<script", "<link"] {
        let allowed_ns = page.matches("http://www.w3.org/2000/svg").count();
        let found = page.matches(forbidden).count();
        assert!(
            found == 0 || (forbidden == "http://" && found == allowed_ns),
            "the report must be self-contained: found {forbidden}"
        );
    }

    if !have_chromium() {
        let missing = format!("chromium is not installed, so the report was not opened; install it with `{INSTALL}`");
        assert!(!tools_required(), "{missing} (KAIROS_REQUIRE_TOOLS=1: `cargo xtask test` needs every tool)");
        // Written past the test harness's capture, so that the skip shows.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: {missing}, or run `cargo xtask test`, which installs it. ***\n"
        );
        return;
    }
    let url = format!("file://{}", html.display());
    let dom = chromium(&["--dump-dom", &url]);
    assert!(dom.status.success(), "{}", String::from_utf8_lossy(&dom.stderr));
    let dom = String::from_utf8(dom.stdout).unwrap();
    let count = |needle: &str| dom.matches(needle).count();
    assert_eq!(count("<svg id=\"map\""), 1, "the map");
    assert_eq!(count("<svg id=\"map-detail\""), 1, "the detail map");
    assert!(count("class=\"fence polygon\"") >= 2 * 2, "boutique and food court on both maps");
    assert!(count("class=\"fence circle\"") >= 1, "the grocery's circle");
    assert!(count("<polyline class=\"track\"") >= 1, "the track");
    assert!(count("class=\"visit\"") >= 4, "the day's visits");
    assert!(dom.contains("10:32 ★ maison-lumiere-20-off triggered"), "the trigger, labelled");
    assert!(dom.contains("valley-food-court-free-drink suppressed"), "the suppression, labelled");
    assert_eq!(count("<svg id=\"steps\""), 1, "the step chart");
    assert!(count("<line class=\"goal\"") == 1 && dom.contains("goal 7500"), "the goal line");
    assert!(count("<polyline class=\"steps\"") >= 1, "the step curve");
    assert!(dom.contains("<table id=\"timeline\">"), "the timeline table");
    assert!(dom.contains("suppressed by the frequency cap: at most one offer every 30 minutes"));
    assert!(dom.contains("class=\"ok\">All 20 expectations hold."), "every expectation holds");

    let shots = root().join("target/report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join("canonical-day.png");
    let _ = std::fs::remove_file(&png);
    let shot = chromium(&["--window-size=1000,2200", &format!("--screenshot={}", png.display()), &url]);
    assert!(shot.status.success(), "{}", String::from_utf8_lossy(&shot.stderr));
    let bytes = std::fs::read(&png).expect("a screenshot was written");
    assert!(bytes.len() > 20_000 && bytes.starts_with(b"\x89PNG"), "a real PNG, {} bytes", bytes.len());
    eprintln!("screenshot of the report: {}", png.display());
}
