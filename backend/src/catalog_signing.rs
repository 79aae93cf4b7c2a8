//! Catalog keys and signing, as files: a private key is a PKCS#8 v2 file
//! (`ID.pk8`), its public key a base64 text file (`ID.pub`) whose content
//! goes into the app's `CatalogKeys` under the same id.

use kairos_core::catalog::{
    generate_keypair, keypair_from_pkcs8, parse_document, public_key_base64, sign,
    verify_and_parse, CatalogError, CatalogKeys,
};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a catalog tool failed.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A key file that would be written already exists.
    #[error(
        "{path} already exists; refusing to overwrite a key (pick another --key-id or --out-dir)"
    )]
    KeyExists {
        /// The existing file.
        path: PathBuf,
    },
    /// The key id cannot name key files.
    #[error("key id {key_id:?} must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-', not starting with '.'")]
    BadKeyId {
        /// The refused id.
        key_id: String,
    },
    /// The document is not a valid catalog, or a key is unusable.
    #[error("{path}: {source}")]
    Catalog {
        /// The file involved.
        path: PathBuf,
        /// What was wrong.
        #[source]
        source: CatalogError,
    },
}

/// What [`keygen`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeygenOutput {
    /// The private key, PKCS#8 v2 (keep it secret).
    pub private_key_path: PathBuf,
    /// The public key file, base64 of the raw 32-byte key.
    pub public_key_path: PathBuf,
    /// The public key, base64 (the content of `public_key_path`).
    pub public_key_base64: String,
}

/// What [`sign_catalog`] signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOutput {
    /// The catalog's version.
    pub version: u64,
    /// Its merchants.
    pub merchants: usize,
    /// Its offers, all merchants together.
    pub offers: usize,
    /// The envelope written.
    pub out: PathBuf,
}

/// Checks that `key_id` can name key files and travel in an envelope.
pub fn check_key_id(key_id: &str) -> Result<(), BackendError> {
    let ok = (1..=64).contains(&key_id.len())
        && !key_id.starts_with('.')
        && key_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(BackendError::BadKeyId {
            key_id: key_id.to_owned(),
        })
    }
}

/// Generates an Ed25519 key pair and writes `out_dir/KEY_ID.pk8` (private,
/// owner-only on Unix) and `out_dir/KEY_ID.pub` (base64 public key).
/// Creates `out_dir` if needed; never overwrites an existing key file.
pub fn keygen(out_dir: &Path, key_id: &str) -> Result<KeygenOutput, BackendError> {
    check_key_id(key_id)?;
    let private_key_path = out_dir.join(format!("{key_id}.pk8"));
    let public_key_path = out_dir.join(format!("{key_id}.pub"));
    for path in [&private_key_path, &public_key_path] {
        if path.exists() {
            return Err(BackendError::KeyExists { path: path.clone() });
        }
    }
    fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    let (pkcs8, _) = generate_keypair().map_err(catalog(&private_key_path))?;
    // Reading the key back checks the PKCS#8 document before it is written.
    let pair = keypair_from_pkcs8(&pkcs8).map_err(catalog(&private_key_path))?;
    let public_key_base64 = public_key_base64(&pair);
    write_new(&private_key_path, &pkcs8, true)?;
    write_new(
        &public_key_path,
        format!("{public_key_base64}\n").as_bytes(),
        false,
    )?;
    Ok(KeygenOutput {
        private_key_path,
        public_key_path,
        public_key_base64,
    })
}

/// Validates the catalog document `in_path`, signs it with the private key
/// `key_path` under `key_id`, checks the envelope verifies, and writes it
/// to `out_path`. An invalid document is refused with the path of its first
/// problem, and nothing is written.
pub fn sign_catalog(
    key_path: &Path,
    key_id: &str,
    in_path: &Path,
    out_path: &Path,
) -> Result<SignOutput, BackendError> {
    check_key_id(key_id)?;
    let pkcs8 = fs::read(key_path).map_err(io(key_path))?;
    let pair = keypair_from_pkcs8(&pkcs8).map_err(catalog(key_path))?;
    let document = fs::read(in_path).map_err(io(in_path))?;
    let parsed = parse_document(&document).map_err(catalog(in_path))?;
    let envelope = sign(&document, key_id, &pair);

    let mut keys = CatalogKeys::new();
    keys.insert_base64(key_id, &public_key_base64(&pair))
        .map_err(catalog(key_path))?;
    verify_and_parse(&envelope, &keys, parsed.issued_at).map_err(catalog(out_path))?;

    fs::write(out_path, &envelope).map_err(io(out_path))?;
    Ok(SignOutput {
        version: parsed.version,
        merchants: parsed.merchants.len(),
        offers: parsed.merchants.iter().map(|m| m.offers.len()).sum(),
        out: out_path.to_owned(),
    })
}

fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), BackendError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BackendError + '_ {
    move |source| BackendError::Io {
        path: path.to_owned(),
        source,
    }
}

fn catalog(path: &Path) -> impl Fn(CatalogError) -> BackendError + '_ {
    move |source| BackendError::Catalog {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kairos_core::time::Timestamp;

    fn example_path(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/catalogs")
            .join(name)
    }

    fn canonical_morning() -> Timestamp {
        Timestamp::parse_rfc3339("2026-11-24T10:32:00-08:00").unwrap()
    }

    #[test]
    fn keygen_writes_a_key_pair_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let out = keygen(&dir.path().join("keys"), "k1").unwrap();
        let pkcs8 = fs::read(&out.private_key_path).unwrap();
        let public = fs::read_to_string(&out.public_key_path).unwrap();
        assert_eq!(public.trim(), out.public_key_base64);
        assert_eq!(
            public_key_base64(&keypair_from_pkcs8(&pkcs8).unwrap()),
            out.public_key_base64
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&out.private_key_path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "private key readable by others: {mode:o}");
        }
        let again = keygen(&dir.path().join("keys"), "k1").unwrap_err();
        assert!(matches!(again, BackendError::KeyExists { .. }), "{again}");
        assert_eq!(
            fs::read(&out.private_key_path).unwrap(),
            pkcs8,
            "the key was overwritten"
        );
    }

    #[test]
    fn key_ids_must_be_file_names() {
        for bad in ["", "../k", "a/b", ".hidden", "k 1", &"k".repeat(65)] {
            assert!(
                matches!(check_key_id(bad), Err(BackendError::BadKeyId { .. })),
                "{bad:?}"
            );
        }
        for good in ["k1", "prod-2026.11", "test-key", "K_2"] {
            assert!(check_key_id(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn signs_the_example_and_core_verifies_it() {
        let dir = tempfile::tempdir().unwrap();
        let key = keygen(dir.path(), "k7").unwrap();
        let out = dir.path().join("example.signed.json");
        let report = sign_catalog(
            &key.private_key_path,
            "k7",
            &example_path("example.json"),
            &out,
        )
        .unwrap();
        assert_eq!((report.version, report.merchants, report.offers), (1, 3, 3));

        let mut keys = CatalogKeys::new();
        keys.insert_base64("k7", &fs::read_to_string(&key.public_key_path).unwrap())
            .unwrap();
        let verified =
            verify_and_parse(&fs::read(&out).unwrap(), &keys, canonical_morning()).unwrap();
        let original = parse_document(&fs::read(example_path("example.json")).unwrap()).unwrap();
        assert_eq!(verified, original);
        // Another key does not verify it.
        let other = keygen(dir.path(), "k8").unwrap();
        let mut wrong = CatalogKeys::new();
        wrong.insert_base64("k7", &other.public_key_base64).unwrap();
        assert!(matches!(
            verify_and_parse(&fs::read(&out).unwrap(), &wrong, canonical_morning()),
            Err(CatalogError::BadSignature { .. })
        ));
    }

    #[test]
    fn refuses_an_invalid_document_with_its_path_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let key = keygen(dir.path(), "k1").unwrap();
        let text = fs::read_to_string(example_path("example.json")).unwrap();
        let bad = dir.path().join("bad.json");
        fs::write(
            &bad,
            text.replacen("\"close\": \"21:00\"", "\"close\": \"25:00\"", 1),
        )
        .unwrap();
        let out = dir.path().join("bad.signed.json");
        let e = sign_catalog(&key.private_key_path, "k1", &bad, &out).unwrap_err();
        let message = e.to_string();
        assert!(
            message
                .contains("merchants[0].places[0].opening_hours[0].close: \"25:00\" is not a time"),
            "{message}"
        );
        assert!(matches!(
            e,
            BackendError::Catalog {
                source: CatalogError::InvalidDocument { .. },
                ..
            }
        ));
        assert!(!out.exists());
    }

    #[test]
    fn refuses_a_file_that_is_not_a_private_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = keygen(dir.path(), "k1").unwrap();
        let out = dir.path().join("x.json");
        let e = sign_catalog(
            &key.public_key_path,
            "k1",
            &example_path("example.json"),
            &out,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                BackendError::Catalog {
                    source: CatalogError::InvalidKey { .. },
                    ..
                }
            ),
            "{e}"
        );
        let e = sign_catalog(
            &dir.path().join("missing.pk8"),
            "k1",
            &example_path("example.json"),
            &out,
        )
        .unwrap_err();
        assert!(matches!(e, BackendError::Io { .. }), "{e}");
    }
}
