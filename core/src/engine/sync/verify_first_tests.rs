//! The catalog's signature is checked before its document is read: a
//! forged catalog, however large, never reaches the document reader.

use crate::domain::catalog::{
    generate_keypair, keypair_from_pkcs8, sign, verify_for_storage_with, CatalogError, CatalogKeys, ReadDocument,
};
use crate::domain::time::Timestamp;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A document reader that only counts how often it is called.
#[derive(Default)]
struct CountingReader(AtomicUsize);

impl ReadDocument for CountingReader {
    type Output = ();
    fn read(&self, _: &[u8], _: &AtomicBool) -> Result<(), CatalogError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn dates(_: &()) -> (Timestamp, Timestamp) {
        (Timestamp(0), Timestamp(i64::MAX))
    }
}

#[test]
fn a_forged_large_catalog_is_refused_without_its_document_being_read() {
    let (signer_pkcs8, _) = generate_keypair().unwrap();
    let (_, trusted_public) = generate_keypair().unwrap();
    let mut keys = CatalogKeys::new();
    keys.insert("k1", &trusted_public).unwrap();
    // 8 MB that a reader would take a while over, signed by another key.
    let document = format!("{{\"version\": 9, \"merchants\": [{}]}}", "{},".repeat(4 << 20));
    let forged = sign(document.as_bytes(), "k1", &keypair_from_pkcs8(&signer_pkcs8).unwrap());
    let reader = CountingReader::default();
    let refused = verify_for_storage_with(&forged, &keys, Timestamp(1), &reader, |_, _| ());
    assert!(matches!(refused, Err(CatalogError::BadSignature { .. })), "{:?}", refused.err());
    assert_eq!(reader.0.load(Ordering::SeqCst), 0, "the forged document was handed to the reader");
    // The same document, rightly signed, is read once.
    let (trusted_pkcs8, trusted_public) = generate_keypair().unwrap();
    keys.insert("k1", &trusted_public).unwrap();
    let genuine = sign(document.as_bytes(), "k1", &keypair_from_pkcs8(&trusted_pkcs8).unwrap());
    verify_for_storage_with(&genuine, &keys, Timestamp(1), &reader, |_, _| ()).unwrap();
    assert_eq!(reader.0.load(Ordering::SeqCst), 1);
}
