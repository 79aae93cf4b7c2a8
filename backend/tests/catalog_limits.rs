//! The signing tool and the publisher give the engine's answer on a
//! catalog's limits: the city-wide fixture (a 30 km circle, which every
//! phone loads) signs and publishes; one metre more is refused naming the
//! place by its id and its path, and nothing is written.

use kairos_backend::catalog_publishing::{prepare, PublishError};
use kairos_backend::{keygen, sign_catalog, BackendError};
use kairos_core::catalog::{keypair_from_pkcs8, sign, CatalogError};
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/city-wide.json")
}

const PATH: &str = "merchants[0].places[1].fence.radius_m";
const REASON: &str = "place \"valley-outfitters-city-wide\": circle radius 30001 m is outside 1..=30000 m";

#[test]
fn a_30_km_circle_signs_and_publishes_and_one_metre_more_is_refused_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "k1").unwrap();
    let key = dir.path().join("k1.pk8");
    let out = dir.path().join("city-wide.signed.json");
    assert_eq!(sign_catalog(&key, "k1", &fixture(), &out).unwrap().version, 1);
    assert_eq!(prepare(&std::fs::read(&out).unwrap(), None).unwrap().version, 1);

    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture()).unwrap()).unwrap();
    doc["merchants"][0]["places"][1]["fence"]["radius_m"] = 30_001.into();
    let input = dir.path().join("too-wide.json");
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    std::fs::write(&input, &bytes).unwrap();
    let too_wide = dir.path().join("too-wide.signed.json");
    let e = sign_catalog(&key, "k1", &input, &too_wide).unwrap_err();
    assert!(
        matches!(&e, BackendError::Catalog { source: CatalogError::InvalidDocument { path, reason }, .. }
            if path == PATH && reason == REASON),
        "{e:?}"
    );
    assert!(e.to_string().contains(&format!("{PATH}: {REASON}")), "{e}");
    assert!(!too_wide.exists());

    // Signed by other means, the publisher refuses it the same way.
    let pair = keypair_from_pkcs8(&std::fs::read(&key).unwrap()).unwrap();
    let e = prepare(&sign(&bytes, "k1", &pair), None).unwrap_err();
    assert!(
        matches!(&e, PublishError::Invalid(CatalogError::InvalidDocument { path, reason })
            if path == PATH && reason == REASON),
        "{e:?}"
    );
}
