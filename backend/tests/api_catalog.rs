//! `GET /v1/catalog`, publishing with `set-catalog`, ETags and 304s.

mod common;

use chrono::{Duration, Utc};
use common::{assert_error, backends, start, Api};
use kairos_backend::catalog_publishing::{etag, prepare, publish, PublishError, Published};
use kairos_backend::cli::{run, Cli, Command, StorageArgs};
use kairos_backend::{keygen, sign_catalog};
use kairos_core::catalog::CatalogError;
use std::path::{Path, PathBuf};

/// Signs the example catalog as `version`, current now, with a key in `dir`.
fn signed(dir: &Path, version: u64, merchant_name: &str) -> (PathBuf, String) {
    let key_path = dir.join("k1.pk8");
    let public = if key_path.exists() {
        std::fs::read_to_string(dir.join("k1.pub")).unwrap().trim().to_owned()
    } else {
        keygen(dir, "k1").unwrap().public_key_base64
    };
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/example.json");
    let mut document: serde_json::Value = serde_json::from_slice(&std::fs::read(example).unwrap()).unwrap();
    document["version"] = version.into();
    document["issued_at"] = (Utc::now() - Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string().into();
    document["expires_at"] = (Utc::now() + Duration::days(60)).format("%Y-%m-%dT%H:%M:%SZ").to_string().into();
    document["merchants"][0]["name"] = merchant_name.into();
    let input = dir.join(format!("v{version}-{merchant_name}.json"));
    std::fs::write(&input, serde_json::to_vec_pretty(&document).unwrap()).unwrap();
    let out = dir.join(format!("v{version}-{merchant_name}.signed.json"));
    sign_catalog(&key_path, "k1", &input, &out).unwrap();
    (out, public)
}

#[tokio::test]
async fn serves_the_published_envelope_with_a_strong_etag_and_304s() {
    for b in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let server = start(&b.storage, None).await;
        let api = Api::register(server.addr()).await;
        assert_error(&api.catalog(&[]).await, 404, "no_catalog");

        let (v1, public) = signed(dir.path(), 1, "Maison");
        let bytes = std::fs::read(&v1).unwrap();
        let record = prepare(&bytes, Some(&public)).unwrap();
        assert_eq!(record.version, 1);
        assert!(matches!(publish(b.storage.as_ref(), record.clone()).await.unwrap(), Published::New(_)));

        let reply = api.catalog(&[]).await;
        assert_eq!(reply.status, 200, "{}", b.name);
        assert_eq!(&reply.body[..], &bytes[..], "the envelope is served byte for byte");
        let tag = reply.header("etag").unwrap().to_owned();
        assert_eq!(tag, etag(&bytes));
        assert!(tag.starts_with("\"sha256-") && tag.len() == 2 + 7 + 64, "a strong ETag: {tag}");
        assert_eq!(reply.header("cache-control"), Some("no-cache"));
        assert_eq!(reply.header("content-type"), Some("application/json"));

        let weak = format!("W/{tag}");
        let listed = format!("\"other\", {tag}");
        for matching in [tag.as_str(), weak.as_str(), listed.as_str(), "*"] {
            let reply = api.catalog(&[("if-none-match", matching)]).await;
            assert_eq!(reply.status, 304, "{}: If-None-Match {matching}", b.name);
            assert!(reply.body.is_empty());
            assert_eq!(reply.header("etag"), Some(tag.as_str()));
        }
        assert_eq!(api.catalog(&[("if-none-match", "\"sha256-00\"")]).await.status, 200);

        // A new version changes the ETag; the old one then gets the new body.
        let (v2, _) = signed(dir.path(), 2, "Maison Lumière");
        let v2_bytes = std::fs::read(&v2).unwrap();
        publish(b.storage.as_ref(), prepare(&v2_bytes, Some(&public)).unwrap()).await.unwrap();
        let reply = api.catalog(&[("if-none-match", tag.as_str())]).await;
        assert_eq!(reply.status, 200);
        assert_eq!(&reply.body[..], &v2_bytes[..]);
        assert_ne!(reply.header("etag"), Some(tag.as_str()));

        // Rollbacks and reused versions are refused; the same file is a no-op.
        let e = publish(b.storage.as_ref(), record).await.unwrap_err();
        assert!(matches!(e, PublishError::Rollback { offered: 1, current: 2 }), "{e}");
        let (v2_other, _) = signed(dir.path(), 2, "Other name");
        let e = publish(b.storage.as_ref(), prepare(&std::fs::read(v2_other).unwrap(), None).unwrap()).await;
        assert!(matches!(e, Err(PublishError::VersionReused { version: 2 })), "{e:?}");
        let same = publish(b.storage.as_ref(), prepare(&v2_bytes, None).unwrap()).await.unwrap();
        assert!(matches!(same, Published::Unchanged(_)));
        assert_eq!(&api.catalog(&[]).await.body[..], &v2_bytes[..]);
        server.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn prepare_checks_the_envelope_and_optionally_its_signature() {
    let dir = tempfile::tempdir().unwrap();
    let (v1, public) = signed(dir.path(), 1, "Maison");
    let bytes = std::fs::read(&v1).unwrap();
    assert!(prepare(&bytes, None).is_ok());
    assert!(prepare(&bytes, Some(&public)).is_ok());
    let other = keygen(&dir.path().join("other"), "k1").unwrap().public_key_base64;
    let e = prepare(&bytes, Some(&other)).unwrap_err();
    assert!(matches!(e, PublishError::Invalid(CatalogError::BadSignature { .. })), "{e}");
    let document = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/catalogs/example.json")).unwrap();
    assert!(matches!(prepare(&document, None), Err(PublishError::NotAnEnvelope(_))));
    let mut envelope: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    envelope["payload"] = "not base64!".into();
    let e = prepare(envelope.to_string().as_bytes(), None).unwrap_err();
    assert!(e.to_string().contains("payload is not base64"), "{e}");
    envelope["payload"] = "e30=".into(); // "{}": not a catalog document
    assert!(matches!(prepare(envelope.to_string().as_bytes(), None), Err(PublishError::Invalid(_))));
}

#[tokio::test]
async fn set_catalog_on_the_command_line_is_served_by_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("served.db");
    let storage: std::sync::Arc<dyn kairos_backend::storage::Storage> =
        std::sync::Arc::new(kairos_backend::storage::SqliteStorage::open(&db).unwrap());
    let server = start(&storage, None).await;
    let api = Api::register(server.addr()).await;
    let (v1, _) = signed(dir.path(), 1, "Maison");
    let pub_file = dir.path().join("k1.pub");
    let (db2, v1_2) = (db.clone(), v1.clone());
    let printed = tokio::task::spawn_blocking(move || {
        run(Cli {
            command: Command::SetCatalog {
                storage: StorageArgs { db: db2, postgres: None, postgres_ca: None },
                public_key: Some(pub_file),
                file: v1_2,
            },
        })
    })
    .await
    .unwrap()
    .unwrap();
    assert!(printed.starts_with("published catalog version 1"), "{printed}");
    let reply = api.catalog(&[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(&reply.body[..], &std::fs::read(v1).unwrap()[..]);
    server.shutdown().await.unwrap();
}
