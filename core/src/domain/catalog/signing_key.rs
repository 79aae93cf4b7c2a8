//! Which key signed a stored catalog, for the engine's persisted rollback
//! guard (the highest version loaded is remembered per signing key).

use super::stored::StoredParts;

/// The id of the key that signed `stored` (a stored catalog, as
/// [`super::verify_for_storage`] gives it); `None` when `stored` is not one.
pub(crate) fn signing_key_id(stored: &[u8]) -> Option<&str> {
    StoredParts::read(stored).map(|parts| parts.key_id)
}

#[cfg(test)]
mod tests {
    use super::super::envelope::verify_for_storage;
    use super::super::test_fixtures::*;
    use super::*;

    #[test]
    fn a_stored_catalog_names_the_key_that_signed_it() {
        let s = signer();
        let (_, blob) = verify_for_storage(&s.envelope(&base_document()), &s.keys, now()).unwrap();
        assert_eq!(signing_key_id(&blob), Some("k1"));
        assert_eq!(signing_key_id(b"{}"), None);
    }
}
