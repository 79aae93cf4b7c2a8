//! Every scenario in tests/scenarios/ runs through the binary and holds
//! (exit 0); a wrong expectation fails with an explanation (exit 1); bad
//! input is refused (exit 2).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kairos-sim")).args(args).current_dir(root()).output().expect("kairos-sim runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_scenario_holds() {
    let all = scenarios();
    assert!(all.len() >= 11, "the canonical day and at least ten more, found {}", all.len());
    let mut failed = Vec::new();
    for p in &all {
        let rel = p.strip_prefix(root()).unwrap().display().to_string();
        let out = sim(&["run", &rel]);
        if out.status.code() != Some(0) {
            failed.push(format!("{rel} exited {:?}:\n{}", out.status.code(), text(&out)));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

#[test]
fn every_scenario_validates_and_uses_never() {
    for p in scenarios() {
        let rel = p.strip_prefix(root()).unwrap().display().to_string();
        let out = sim(&["validate", &rel]);
        assert_eq!(out.status.code(), Some(0), "{rel}: {}", text(&out));
        let body = std::fs::read_to_string(&p).unwrap();
        assert!(body.contains("[[never]]") && body.contains("[[expect]]"), "{rel} needs expect and never lines");
    }
}

/// The canonical day with one expectation changed by `edit`, run from a
/// copy next to the original (so its relative paths still resolve).
fn canonical_with(edit: impl Fn(&str) -> String, name: &str) -> Output {
    let src = root().join("tests/scenarios/canonical-day.toml");
    let body = std::fs::read_to_string(&src).unwrap();
    let edited = edit(&body);
    assert_ne!(edited, body, "the edit must change the scenario");
    let copy = root().join(format!("tests/scenarios/{name}.tmp-toml"));
    std::fs::write(&copy, edited).unwrap();
    let out = sim(&["run", copy.to_str().unwrap()]);
    std::fs::remove_file(&copy).unwrap();
    out
}

#[test]
fn a_wrong_expectation_of_the_canonical_day_fails_with_an_explanation() {
    let out = canonical_with(
        |b| {
            b.replace(
                "fields = { steps = 1430, goal = 7500, remaining = 6070 }",
                "fields = { steps = 1500, goal = 7500, remaining = 6000 }",
            )
        },
        "wrong-steps",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("✗ today with goal = 7500, remaining = 6000, steps = 1500 at 10:30:00"), "{t}");
    assert!(t.contains("differs: remaining = 6070 (expected 6000); steps = 1430 (expected 1500)"), "{t}");
    assert!(t.contains("FAILED: 1 of 20 expectations do not hold."), "{t}");

    let out = canonical_with(
        |b| b.replace("at = \"10:32\"\nwithin_minutes = 2", "at = \"10:50\"\nwithin_minutes = 2"),
        "wrong-time",
    );
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(t.contains("✗ offer_triggered with") && t.contains("at 10:50:00 ± 2 min"), "{t}");
    assert!(t.contains("nearest offer_triggered lines:") && t.contains("17.5 min before the expected time"), "{t}");
}

#[test]
fn json_lines_and_verdicts_on_stderr() {
    let out = sim(&["run", "tests/scenarios/canonical-day.toml", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    for k in ["visit_started", "offer_triggered", "offer_suppressed", "inactivity_nudge", "app_action", "today"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let trig =
        lines.iter().find(|l| l["kind"] == "offer_triggered" && l["offer_id"] == "maison-lumiere-20-off").unwrap();
    assert_eq!(trig["t"], "2026-11-28T18:32:30Z");
    assert_eq!(trig["expires_at"], "2026-11-28T21:32:30Z");
    assert!(String::from_utf8(out.stderr).unwrap().contains("OK: all 20 expectations hold."));
}

#[test]
fn invalid_input_exits_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let cases = [
        ("name = \"x\"\ntime_zone = \"Mars/Olympus\"\nstart = \"2026-11-28T08:00:00\"\n", "time_zone \"Mars/Olympus\" is not an IANA zone"),
        ("name = \"x\"\ntime_zone = \"UTC\"\nstart = \"2026-11-28T08:00:00\"\nstrat = 1\n", "unknown field `strat`"),
        (
            "name = \"x\"\ntime_zone = \"UTC\"\nstart = \"2026-11-28T08:00:00\"\n[[expect]]\nkind = \"offer_fired\"\n",
            "unknown kind \"offer_fired\"",
        ),
        (
            "name = \"x\"\ntime_zone = \"UTC\"\nstart = \"2026-11-28T08:00:00\"\n[[track]]\nfile = \"nope.gpx\"\n[[never]]\nkind = \"offer_triggered\"\n",
            "nope.gpx",
        ),
        (
            "name = \"x\"\ntime_zone = \"UTC\"\nstart = \"2026-11-28T08:00:00\"\n[[track]]\nfrom = \"home\"\nat = \"08:00\"\nsegments = [{ stay = 5 }]\n[[never]]\nkind = \"offer_triggered\"\n",
            "unknown place \"home\"",
        ),
    ];
    for (body, want) in cases {
        std::fs::write(&bad, body).unwrap();
        for cmd in ["run", "validate"] {
            let out = sim(&[cmd, bad.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(2), "{cmd} {body}: {}", text(&out));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("bad.toml") && err.contains(want), "{cmd}: {err} should say {want}");
        }
    }
    let out = sim(&["run", "tests/scenarios/canonical-day.toml", "--sync", "ftp://127.0.0.1/"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported scheme \"ftp\""), "{}", text(&out));
}

#[test]
fn sync_with_an_unreachable_backend_defers_and_says_why() {
    // Nothing listens on the discard port: the engine keeps the summaries
    // for later and the sync line says so; the expectations still hold.
    let out = sim(&["run", "tests/scenarios/canonical-day.toml", "--json", "--sync", "http://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let sync: serde_json::Value = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .rfind(|l| l["kind"] == "sync")
        .unwrap();
    assert_eq!(sync["t"], "2026-11-29T10:00:00Z", "02:00 the next night (after the [social] sync)");
    assert_eq!(sync["sent"], 0);
    assert!(sync["deferred"].as_u64().unwrap() > 0, "{sync}");
    assert!(sync["problems"].as_str().unwrap().contains("127.0.0.1:9"), "{sync}");
}

#[test]
fn validate_checks_catalogs_and_tracks() {
    let out = sim(&["validate", "tests/catalogs/example.signed.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("signature checked with key test-key"));
    let out = sim(&["validate", "tests/catalogs/example.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let dir = tempfile::tempdir().unwrap();
    let gpx = dir.path().join("t.gpx");
    std::fs::write(
        &gpx,
        "<gpx version=\"1.1\" creator=\"x\"><trk><trkseg><trkpt lat=\"1\" lon=\"2\"></trkpt></trkseg></trk></gpx>",
    )
    .unwrap();
    let out = sim(&["validate", gpx.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("t.gpx: line 1: no usable point: 1 refused, the first on line 1 (trk[1]/trkseg[1]/trkpt[1]): the point has no time"),
        "{}",
        text(&out)
    );
}

/// Writes `body` as a scenario in `dir` and runs `kairos-sim CMD` on it.
fn scenario_in(dir: &Path, body: &str, cmd: &[&str]) -> Output {
    let path = dir.join("s.toml");
    std::fs::write(&path, body).unwrap();
    let mut args = vec![cmd[0], path.to_str().unwrap()];
    args.extend(&cmd[1..]);
    sim(&args)
}

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

const HEADER: &str = "name = \"t\"\ntime_zone = \"America/Los_Angeles\"\nstart = \"2026-11-24T10:29:00\"\n";

#[test]
fn a_gpx_point_dated_1901_is_rejected_alone_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let gpx = root().join("tests/tracks/gpx-conformance/gpx11-times-and-refusals.gpx");
    let body = format!(
        "{HEADER}[[track]]\nfile = {:?}\n[[expect]]\nkind = \"fix_rejected\"\ncount = 1\nfields = {{ reason = \"timestamp_out_of_range\", line = 14 }}\n",
        gpx.to_str().unwrap()
    );
    let out = scenario_in(dir.path(), &body, &["run", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rejected: Vec<(u64, String, String)> = json_lines(&out)
        .iter()
        .filter(|l| l["kind"] == "fix_rejected")
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["reason"].as_str().unwrap().to_string(),
                l["stage"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        (15, "no_time", "read"),
        (16, "bad_time", "read"),
        (17, "no_satellite_fix", "read"),
        (18, "missing_coordinate", "read"),
        (14, "timestamp_out_of_range", "engine"),
    ];
    assert_eq!(rejected, want.map(|(l, r, s)| (l, r.to_string(), s.to_string())), "{}", text(&out));
    for l in json_lines(&out).iter().filter(|l| l["kind"] == "fix_rejected") {
        assert!(l["file"].as_str().unwrap().ends_with("gpx11-times-and-refusals.gpx"), "{l}");
    }
    // validate lists the same refusals and calls the scenario valid.
    let out = scenario_in(dir.path(), &body, &["validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("5 fixes (5 refused)"), "{t}");
    for line in 14..=18 {
        assert!(t.contains(&format!("gpx11-times-and-refusals.gpx line {line} (trk[1]/trkseg[1]/trkpt[")), "{t}");
    }
}

#[test]
fn a_track_going_back_in_time_is_invalid_unless_delivered_as_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "timestamp,lat,lon\n\
        2026-11-24T10:30:00-08:00,37.3,-121.9\n\
        2026-11-24T10:31:00-08:00,37.3,-121.9\n\
        2026-11-24T10:35:00-08:00,37.3,-121.9\n\
        2026-11-24T10:36:00-08:00,37.3,-121.9\n\
        2026-11-24T10:32:00-08:00,37.3,-121.9\n";
    std::fs::write(dir.path().join("late.csv"), csv).unwrap();
    let body = format!("{HEADER}[[track]]\nfile = \"late.csv\"\n[[never]]\nkind = \"offer_triggered\"\n");
    for cmd in ["run", "validate"] {
        let out = scenario_in(dir.path(), &body, &[cmd]);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("late.csv: line 6: the track goes back in time"), "{cmd}: {err}");
        assert!(err.contains("delivery = \"as_recorded\""), "{err}");
    }
    let body = body.replace("file = \"late.csv\"", "file = \"late.csv\"\ndelivery = \"as_recorded\"");
    let out = scenario_in(dir.path(), &body, &["run", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let late: Vec<_> = json_lines(&out).into_iter().filter(|l| l["kind"] == "fix_rejected").collect();
    assert_eq!(late.len(), 1, "{}", text(&out));
    // Delivered with the 10:36 fix, 3 minutes behind the 10:35 one.
    assert_eq!((late[0]["line"].as_u64(), late[0]["reason"].as_str()), (Some(6), Some("out_of_order")));
    assert_eq!(late[0]["behind_ms"], 180_000);
    let body = body.replace("delivery = \"as_recorded\"", "delivery = \"whenever\"");
    let out = scenario_in(dir.path(), &body, &["run"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn an_empty_track_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.csv"), "timestamp,lat,lon,accuracy,speed\n").unwrap();
    let body = format!("{HEADER}[[track]]\nfile = \"empty.csv\"\n[[never]]\nkind = \"offer_triggered\"\n");
    for cmd in ["run", "validate"] {
        let out = scenario_in(dir.path(), &body, &[cmd]);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", text(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("empty.csv: line 1: no fix"), "{}", text(&out));
    }
}

#[test]
fn walk_to_a_fence_across_the_antimeridian_stays_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = r#"{"version": 1, "issued_at": "2026-01-01T00:00:00Z", "expires_at": "2027-12-31T00:00:00Z",
      "merchants": [{"id": "island-shop", "name": "Island Shop", "category": "gifts", "time_zone": "Pacific/Fiji",
        "places": [{"id": "island-shop-main", "fence": {"type": "polygon", "exterior": [[-16.955, 179.995],
          [-16.955, -179.995], [-16.945, -179.995], [-16.945, 179.995], [-16.955, 179.995]]}}],
        "offers": [{"id": "island-shop-shell", "title": "A free shell", "trigger": {"type": "enter"},
          "claim_window_minutes": 60}]}]}"#;
    std::fs::write(dir.path().join("island.catalog.json"), catalog).unwrap();
    let body = "name = \"antimeridian\"\ntime_zone = \"Pacific/Fiji\"\nstart = \"2026-11-24T10:00:00\"\n\
        [catalog]\ndocument = \"island.catalog.json\"\n\
        [[track]]\nfrom = { lat = -16.95, lon = 179.98 }\nat = \"10:00\"\n\
        segments = [{ walk_to = \"island-shop-main\", arrive = \"10:20\" }, { stay = 10 }]\n\
        [[expect]]\nkind = \"fence_entered\"\nfields = { place_id = \"island-shop-main\" }\n";
    let out = scenario_in(dir.path(), body, &["run", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let lines = json_lines(&out);
    let entered = lines.iter().find(|l| l["kind"] == "fence_entered").unwrap();
    let t = kairos_core::Timestamp::parse_rfc3339(entered["t"].as_str().unwrap()).unwrap();
    assert!(t.to_rfc3339().as_str() < "2026-11-23T22:21:00Z", "entered by 10:21 Fiji time: {entered}");
}

#[test]
fn the_canonical_days_redemption_token_is_verified_once_by_the_embedded_backends_till() {
    let out = sim(&["run", "tests/scenarios/canonical-day.toml", "--json", "--sync", "embedded"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let redeem = lines.iter().find(|l| l["kind"] == "app_action" && l["action"] == "redeem").unwrap();
    assert!(redeem["qr_payload"].as_str().unwrap().starts_with("kairos:r:KR1."), "{redeem}");
    let verified: Vec<(i64, u64, &str)> = lines
        .iter()
        .filter(|l| l["kind"] == "redemption_verified")
        .map(|l| (l["presentation"].as_i64().unwrap(), l["status"].as_u64().unwrap(), l["result"].as_str().unwrap()))
        .collect();
    assert_eq!(verified, vec![(1, 200, "valid"), (2, 409, "already_redeemed")]);
}

/// `scenario` (a file of tests/scenarios/) with each `(from, to)` of
/// `edits` applied, run from a copy next to it with `args`; `files` are
/// written beside it for the run (and removed after).
fn edited(scenario: &str, edits: &[(&str, &str)], files: &[(&str, String)], args: &[&str]) -> Output {
    let dir = root().join("tests/scenarios");
    let mut body = std::fs::read_to_string(dir.join(scenario)).unwrap();
    for (from, to) in edits {
        assert!(body.contains(from), "{scenario} has no {from:?}");
        body = body.replacen(from, to, 1);
    }
    // Tests run in parallel: each copy has a name of its own.
    static COPIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let copy = dir.join(format!("{}.edited-{n}.tmp-toml", scenario.trim_end_matches(".toml")));
    std::fs::write(&copy, body).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let mut all = vec!["run", copy.to_str().unwrap()];
    all.extend(args);
    let out = sim(&all);
    std::fs::remove_file(&copy).unwrap();
    for (name, _) in files {
        std::fs::remove_file(dir.join(name)).unwrap();
    }
    out
}

#[test]
fn a_tiled_scenario_says_when_tiles_arrived_with_counts_and_no_tile_id() {
    let out = sim(&["run", "tests/scenarios/tile-travel.toml", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let lines = json_lines(&out);
    let loaded: Vec<&serde_json::Value> = lines.iter().filter(|l| l["kind"] == "tiles_loaded").collect();
    let at: Vec<&str> = loaded.iter().map(|l| l["t"].as_str().unwrap()).collect();
    assert_eq!(at, ["2026-11-24T16:05:00Z", "2026-11-24T20:00:00Z"], "at each [[sync]] that brought tiles");
    let mut keys: Vec<&str> = loaded[1].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["header_version", "kind", "t", "tiles_held", "tiles_updated"], "no tile id, no coordinate");
    assert_eq!((loaded[1]["tiles_updated"].as_u64(), loaded[1]["tiles_held"].as_u64()), (Some(1), Some(2)));
    let why = lines.iter().find(|l| l["kind"] == "tile_not_held" && l["t"] == "2026-11-24T18:30:00Z").unwrap();
    assert_eq!(why["places"], "la-bakery-main", "{why}");
    // With --sync embedded the same backend serves the syncs and the run
    // ends with the nightly sync as other scenarios do.
    let out = sim(&["run", "tests/scenarios/tile-travel.toml", "--sync", "embedded"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn each_tile_expectation_fails_on_the_bug_it_guards() {
    // The 12:00 sync removed: the bakery's tile never arrives.
    let out = edited("tile-travel.toml", &[("[[sync]]\nat = \"12:00\"\n", "")], &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    for failed in [
        "✗ exactly 1 × tiles_loaded with header_version = 1, tiles_held = 2, tiles_updated = 1 at 12:00:00",
        "✗ exactly 1 × fence_entered with place_id = \"la-bakery-main\" between 12:10:00 and 12:20:00",
        "✗ exactly 1 × offer_triggered with offer_id = \"la-bakery-welcome\", trigger = \"enter\" between 12:10:00",
    ] {
        assert!(t.contains(failed), "{failed} in {t}");
    }
    // The catalog loaded whole instead of tiled: the offer fires before
    // the trip's sync, and nothing says a tile was missing.
    let out = edited("tile-travel.toml", &[("tiles = true\n", "")], &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    for failed in [
        "✗ never offer_triggered between 08:00:00 and 12:00:00",
        "✗ never fence_entered between 08:00:00 and 12:00:00",
        "✗ exactly 1 × tile_not_held with places = containing \"la-bakery-main\"",
        "✗ exactly 1 × tiles_loaded with header_version = 1, tiles_held = 1, tiles_updated = 1 at 08:05:00",
    ] {
        assert!(t.contains(failed), "{failed} in {t}");
    }
    // A border fence counted twice (as a merge that kept each tile's copy
    // would): two enters and two exits.
    let mut catalog: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/scenarios/tile-border.catalog.json")).unwrap(),
    )
    .unwrap();
    let mut copy = catalog["merchants"][0].clone();
    copy["id"] = "border-bakery-copy".into();
    copy["places"][0]["id"] = "border-bakery-copy-main".into();
    copy["offers"] = serde_json::json!([]);
    catalog["merchants"].as_array_mut().unwrap().push(copy);
    let out = edited(
        "tile-border.toml",
        &[("tile-border.catalog.json", "tile-border-twice.tmp-catalog.json")],
        &[("tile-border-twice.tmp-catalog.json", catalog.to_string())],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("✗ exactly 1 × fence_entered between 10:00:00 and 10:25:00"), "{t}");
    assert!(t.contains("✗ exactly 1 × fence_exited between 10:00:00 and 10:25:00"), "{t}");
}

#[test]
fn a_tiled_catalog_without_a_sync_an_envelope_or_a_foreign_backend_is_refused() {
    let out = edited("tile-border.toml", &[("[[sync]]\nat = \"10:02\"\n", "")], &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("[catalog] tiles = true needs at least one [[sync]]"), "{}", text(&out));
    let out = edited("tile-border.toml", &[("tiles = true\n", "tiles = true\nload_at = \"10:00\"\n")], &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("load_at does not apply with tiles = true"), "{}", text(&out));
    let out = edited(
        "tile-border.toml",
        &[("document = \"tile-border.catalog.json\"", "envelope = \"../catalogs/shop-street.signed.json\"")],
        &[],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("tiles = true needs document"), "{}", text(&out));
    let out = sim(&["run", "tests/scenarios/tile-border.toml", "--sync", "http://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("run with --sync embedded"), "{}", text(&out));
}
