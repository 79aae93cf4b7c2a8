//! `--profile-dir DIR`: the engine's data directory stays in DIR after
//! `replay` and `run`, so a QA engineer (or the at-rest scanner) can open
//! what the phone would hold.

use std::path::Path;
use std::process::Command;

fn sim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kairos-sim"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("kairos-sim runs")
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn replay_keeps_the_engine_database_in_the_profile_dir() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("phone");
    let out = sim(&["replay", "tests/tracks/sample-day.csv", "--profile-dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let names = files_in(&dir);
    assert!(names.iter().any(|n| n == kairos_core::DB_FILE), "the database stays: {names:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&dir.display().to_string()), "the run says where the profile is: {err}");
}

#[test]
fn run_keeps_the_engine_database_in_the_profile_dir() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("phone");
    let out = sim(&["run", "tests/scenarios/canonical-day.toml", "--json", "--profile-dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let db = dir.join(kairos_core::DB_FILE);
    assert!(std::fs::metadata(&db).map(|m| m.len() > 0).unwrap_or(false), "{:?}", files_in(&dir));
}

#[test]
fn a_profile_dir_holding_files_is_invalid_input_and_is_left_alone() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("notes.txt"), b"mine").unwrap();
    let out = sim(&["replay", "tests/tracks/sample-day.csv", "--profile-dir", root.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(files_in(root.path()), vec!["notes.txt".to_string()]);
}
