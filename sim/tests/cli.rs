//! The simulator's command line, run as a QA engineer runs it.

use std::process::Command;

fn sim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kairos-sim"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("kairos-sim runs")
}

#[test]
fn replay_of_the_bundled_day_prints_visits_and_steps() {
    let out = sim(&["replay", "tests/tracks/sample-day.csv", "--steps", "tests/tracks/sample-day-steps.csv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("visit_started").count(), 5, "{text}");
    assert_eq!(text.matches("visit_ended").count(), 4, "{text}");
    assert!(text.contains("steps on 2026-11-24: 2582 of 7500 goal, 4918 to go"), "{text}");
}

#[test]
fn json_lines_have_t_and_kind() {
    let out = sim(&["replay", "tests/tracks/sample-day.csv", "--json"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.len() >= 9);
    for l in &lines {
        assert!(kairos_core::Timestamp::parse_rfc3339(l["t"].as_str().unwrap()).is_some());
        assert!(l["kind"].as_str().unwrap().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    }
}

#[test]
fn bad_input_exits_2_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "timestamp,lat,lon\n2026-11-24T08:00:00Z,34.0,-118.0\n2026-11-24T08:00:10Z,NaN,-118.0\n")
        .unwrap();
    let out = sim(&["replay", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.csv") && err.contains("line 3"), "{err}");
    let out = sim(&["replay", "does-not-exist.csv"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn generate_writes_gpx_that_replays_like_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let out = sim(&[
        "generate",
        "--seed",
        "3",
        "--visits",
        "3",
        "--out",
        &p("d.csv"),
        "--steps-out",
        &p("s.csv"),
        "--gpx-out",
        &p("d.gpx"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let gpx = std::fs::read_to_string(p("d.gpx")).unwrap();
    assert!(gpx.contains("<trkpt lat=") && gpx.contains("<time>"), "{}", &gpx[..300]);
    let count = |track: &str| {
        let out = sim(&["replay", track, "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().matches("visit_started").count()
    };
    assert_eq!(count(&p("d.gpx")), count(&p("d.csv")));
    assert!(count(&p("d.csv")) >= 3);
    let out = sim(&[
        "generate",
        "--out",
        &p("e.csv"),
        "--steps-out",
        &p("e-s.csv"),
        "--gpx-out",
        &p("e.gpx"),
        "--gpx-as",
        "waypoints",
    ]);
    assert!(out.status.success());
    assert!(std::fs::read_to_string(p("e.gpx")).unwrap().contains("<wpt lat="));
}

/// Found by fuzzing: an inline track starting in the year 1013 generated a
/// fix every 10 s up to 2026 and ran out of memory. Now it is invalid input.
#[test]
fn an_inline_track_a_thousand_years_long_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let travel = std::fs::read_to_string("../tests/scenarios/travel-time-zones.toml").unwrap();
    let start = "at = \"2026-11-24T10:20:00-05:00\"";
    assert!(travel.contains(start), "the fixture starts its track at {start}");
    let scenario = dir.path().join("thousand-years.toml");
    std::fs::write(&scenario, travel.replace(start, "at = \"1013-11-24T10:20:00-05:00\"")).unwrap();
    std::fs::copy("../tests/scenarios/travel.catalog.json", dir.path().join("travel.catalog.json")).unwrap();
    let out = sim(&["run", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("more than the limit of 31 days"), "{err}");
}

#[test]
fn every_gpx_of_the_conformance_set_replays() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/tracks/gpx-conformance");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 9);
    for f in files {
        let out = sim(&["replay", f.to_str().unwrap(), "--json"]);
        assert_eq!(out.status.code(), Some(0), "{}: {}", f.display(), String::from_utf8_lossy(&out.stderr));
        let out = sim(&["validate", f.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}: {}", f.display(), String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn validate_lists_each_refused_fix_of_a_usable_track() {
    let out = sim(&["validate", "tests/tracks/gpx-conformance/gpx11-times-and-refusals.gpx"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("track is valid: 5 fixes (5 refused)"), "{text}");
    let listed: Vec<&str> = text.lines().filter(|l| l.trim_start().starts_with("fix_rejected")).collect();
    assert_eq!(listed.len(), 5, "{text}");
    assert!(listed[0].contains("line 14 (trk[1]/trkseg[1]/trkpt[6]): timestamp"), "{text}");
    assert!(listed[1].contains("line 15 (trk[1]/trkseg[1]/trkpt[7]): the point has no time"), "{text}");
}

#[test]
fn replay_prints_a_fix_rejected_line_per_refused_fix() {
    let out = sim(&["replay", "tests/tracks/gpx-conformance/gpx11-times-and-refusals.gpx", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut rejected: Vec<u64> =
        lines.iter().filter(|l| l["kind"] == "fix_rejected").map(|l| l["line"].as_u64().unwrap()).collect();
    rejected.sort_unstable();
    assert_eq!(rejected, [14, 15, 16, 17, 18]);
}

#[test]
fn replay_refuses_a_track_going_back_unless_as_recorded_and_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let back = dir.path().join("back.csv");
    std::fs::write(&back, "timestamp,lat,lon\n2026-11-24T18:30:10Z,34.0,-118.0\n2026-11-24T18:30:00Z,34.0,-118.0\n")
        .unwrap();
    let out = sim(&["replay", back.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("back.csv: line 3: the track goes back in time") && err.contains("--as-recorded"), "{err}");
    let out = sim(&["replay", back.to_str().unwrap(), "--as-recorded"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "timestamp,lat,lon\n").unwrap();
    for cmd in ["replay", "validate"] {
        let out = sim(&[cmd, empty.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("empty.csv: line 1: no fix"), "{cmd}");
    }
}
