//! The signed catalog as the engine stores it: the key id, the document's
//! bytes and the signature, decoded from the envelope's base64, in one
//! blob. A quarter smaller than the envelope, so quicker to write, and
//! read back at open without decoding base64; verified again on every read
//! (keys may have been rotated away).
//!
//! Layout: `MAGIC`, then the key id, the document and the signature, each
//! preceded by its length (u32, little-endian). A blob without `MAGIC` is a
//! JSON envelope as the engine used to store it, and is read as one.
//!
//! Only the layout is here; verifying a stored catalog is
//! `envelope::verify_stored`, beside the envelope's own verification.

/// First bytes of a stored catalog (never the start of a JSON envelope).
pub(super) const MAGIC: &[u8; 8] = b"\0KCAT1\0\0";

/// The parts of a stored catalog, borrowed from its blob.
pub(super) struct StoredParts<'a> {
    pub(super) key_id: &'a str,
    pub(super) payload: &'a [u8],
    pub(super) signature: &'a [u8],
}

/// Writes a stored catalog part by part: the key id at once, then the
/// document and the signature, each appended by a decoder.
pub(super) struct StoredWriter {
    out: Vec<u8>,
}

impl StoredWriter {
    /// Starts a blob for key `key_id`, with room for a document of about
    /// `payload_len` bytes.
    pub(super) fn new(key_id: &str, payload_len: usize) -> Self {
        let mut out = Vec::with_capacity(MAGIC.len() + 12 + key_id.len() + payload_len + 64);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(key_id.len() as u32).to_le_bytes());
        out.extend_from_slice(key_id.as_bytes());
        StoredWriter { out }
    }

    /// Appends one part, written by `write` at the end of the buffer.
    pub(super) fn append<E>(&mut self, write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>) -> Result<(), E> {
        let at = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
        write(&mut self.out)?;
        let len = (self.out.len() - at - 4) as u32;
        self.out[at..at + 4].copy_from_slice(&len.to_le_bytes());
        Ok(())
    }

    /// The blob.
    pub(super) fn finish(self) -> Vec<u8> {
        self.out
    }
}

impl<'a> StoredParts<'a> {
    /// The parts of `blob`; `None` unless it is a well-formed stored catalog.
    pub(super) fn read(blob: &'a [u8]) -> Option<Self> {
        let mut rest = blob.strip_prefix(MAGIC)?;
        let mut part = || {
            let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
            let bytes = rest.get(4..4 + len)?;
            rest = &rest[4 + len..];
            Some(bytes)
        };
        let key_id = std::str::from_utf8(part()?).ok()?;
        let (payload, signature) = (part()?, part()?);
        rest.is_empty().then_some(StoredParts { key_id, payload, signature })
    }
}

#[cfg(test)]
mod tests {
    use super::super::envelope::{verify_for_storage, verify_stored};
    use super::super::test_fixtures::*;
    use super::super::{CatalogError, CatalogKeys};

    #[test]
    fn a_stored_catalog_reads_back_as_verified() {
        let s = signer();
        let envelope = s.envelope(&base_document());
        let (catalog, blob) = verify_for_storage(&envelope, &s.keys, now()).unwrap();
        assert!(blob.len() < envelope.len() * 4 / 5, "{} vs {}", blob.len(), envelope.len());
        assert_eq!(verify_stored(&blob, &s.keys, now()).unwrap(), catalog);
        // A JSON envelope, as older engines stored it, still reads.
        assert_eq!(verify_stored(&envelope, &s.keys, now()).unwrap(), catalog);
    }

    #[test]
    fn a_damaged_or_unknown_stored_catalog_is_refused() {
        let s = signer();
        let (_, blob) = verify_for_storage(&s.envelope(&base_document()), &s.keys, now()).unwrap();
        let e = verify_stored(&blob[..blob.len() - 1], &s.keys, now()).unwrap_err();
        assert!(matches!(e, CatalogError::MalformedEnvelope { .. }), "{e}");
        let mut flipped = blob.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 1;
        assert!(matches!(verify_stored(&flipped, &s.keys, now()), Err(CatalogError::BadSignature { .. })));
        let e = verify_stored(&blob, &CatalogKeys::new(), now()).unwrap_err();
        assert!(matches!(e, CatalogError::UnknownKey { ref key_id } if key_id == "k1"), "{e}");
    }
}
