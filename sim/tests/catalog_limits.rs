//! `kairos-sim validate` gives the engine's answer on a catalog's limits:
//! the city-wide fixture (a 30 km circle, which every phone loads) is
//! valid, signed or not; one metre more is refused naming the place by its
//! id and its path.

use kairos_core::catalog::{keypair_from_pkcs8, sign};
use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn validate(file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kairos-sim"))
        .args(["validate", file.to_str().unwrap()])
        .current_dir(root())
        .output()
        .expect("kairos-sim runs")
}

/// `doc` signed with the checked-in test key, as `kairos-sim validate`
/// checks it.
fn signed(doc: &[u8]) -> Vec<u8> {
    let pkcs8 = std::fs::read(root().join("tests/catalogs/test-key.pk8")).unwrap();
    sign(doc, "test-key", &keypair_from_pkcs8(&pkcs8).unwrap())
}

#[test]
fn validate_accepts_a_30_km_circle_and_refuses_one_metre_more_naming_the_place() {
    let fixture = root().join("tests/catalogs/city-wide.json");
    let out = validate(&fixture);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&fixture).unwrap();
    let envelope = dir.path().join("city-wide.signed.json");
    std::fs::write(&envelope, signed(&bytes)).unwrap();
    let out = validate(&envelope);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    doc["merchants"][0]["places"][1]["fence"]["radius_m"] = 30_001.into();
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    let document = dir.path().join("too-wide.json");
    std::fs::write(&document, &bytes).unwrap();
    let envelope = dir.path().join("too-wide.signed.json");
    std::fs::write(&envelope, signed(&bytes)).unwrap();
    let expected = "merchants[0].places[1].fence.radius_m: place \"valley-outfitters-city-wide\": \
                    circle radius 30001 m is outside 1..=30000 m";
    for file in [document, envelope] {
        let out = validate(&file);
        assert_eq!(out.status.code(), Some(2), "{}", file.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{}: {err}", file.display());
    }
}
