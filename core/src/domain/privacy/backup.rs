//! The sealed backup: an export (`kairos-export/N` JSON) sealed under a
//! backup key the app keeps in the platform's backed-up keychain.
//!
//! A backup is `magic (8 bytes, "KAIROSBK") || format (1 byte) ||
//! sealed`, where `sealed` is the crate's AES-256-GCM sealed value
//! (`nonce || ciphertext || tag`, see [`super::seal`]) of the export's
//! UTF-8 bytes, with the 9 header bytes as associated data: changing the
//! header, the nonce, one bit of the ciphertext or the tag, or opening
//! with another key, all fail to open. A header with another magic is not
//! a backup; a format byte above [`BACKUP_FORMAT`] is a newer backup.

use super::import_refusal::ImportRefusal;
use super::seal::Sealer;
use crate::error::{Error, Result};

/// The first bytes of every backup.
pub const BACKUP_MAGIC: &[u8; 8] = b"KAIROSBK";
/// The backup format this build writes and reads.
pub const BACKUP_FORMAT: u8 = 1;

/// The label a backup is sealed under: its header.
fn header(format: u8) -> [u8; 9] {
    let mut h = [0u8; 9];
    h[..8].copy_from_slice(BACKUP_MAGIC);
    h[8] = format;
    h
}

/// Seals the export `doc` under `backup_key` (32 bytes).
pub fn seal_backup(backup_key: &[u8], doc: &[u8]) -> Result<Vec<u8>> {
    let sealer = Sealer::new(backup_key)?;
    let head = header(BACKUP_FORMAT);
    let sealed = sealer.seal(&head, doc)?;
    let mut out = Vec::with_capacity(head.len() + sealed.len());
    out.extend_from_slice(&head);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens a backup made by [`seal_backup`]: the export's bytes, or why not.
pub fn open_backup(backup_key: &[u8], bytes: &[u8]) -> Result<Vec<u8>> {
    let sealer = Sealer::new(backup_key)?;
    if bytes.len() < 9 || &bytes[..8] != BACKUP_MAGIC {
        return Err(ImportRefusal::NotABackup.into());
    }
    let format = bytes[8];
    if format > BACKUP_FORMAT {
        return Err(ImportRefusal::NewerFormat {
            what: "backup".into(),
            found: format.to_string(),
            supported: BACKUP_FORMAT.to_string(),
        }
        .into());
    }
    // Format 0 was never written: a header saying so was altered.
    sealer.open(&header(format), &bytes[9..]).map_err(|_| Error::from(ImportRefusal::BackupUnreadable))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(r: Result<Vec<u8>>) -> ImportRefusal {
        match r {
            Err(Error::ImportRefused(why)) => why,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_backup_opens_with_its_key_and_hides_the_document() {
        let b = seal_backup(&[7; 32], b"{\"lat\": 34.0523}").unwrap();
        assert_eq!(&b[..9], b"KAIROSBK\x01");
        assert!(!b.windows(7).any(|w| w == b"34.0523"), "sealed, not readable");
        assert_eq!(open_backup(&[7; 32], &b).unwrap(), b"{\"lat\": 34.0523}");
    }

    #[test]
    fn a_wrong_key_or_any_altered_byte_is_refused() {
        let b = seal_backup(&[7; 32], b"{}").unwrap();
        assert_eq!(refusal(open_backup(&[8; 32], &b)), ImportRefusal::BackupUnreadable);
        for i in 9..b.len() {
            let mut t = b.clone();
            t[i] ^= 1;
            assert_eq!(refusal(open_backup(&[7; 32], &t)), ImportRefusal::BackupUnreadable, "byte {i}");
        }
        let mut t = b.clone();
        t[8] = 0;
        assert_eq!(refusal(open_backup(&[7; 32], &t)), ImportRefusal::BackupUnreadable, "format byte");
    }

    #[test]
    fn another_header_or_a_newer_format_is_named() {
        let b = seal_backup(&[7; 32], b"{}").unwrap();
        assert_eq!(refusal(open_backup(&[7; 32], b"{\"format\":1}")), ImportRefusal::NotABackup);
        assert_eq!(refusal(open_backup(&[7; 32], &b[..5])), ImportRefusal::NotABackup);
        let mut t = b.clone();
        t[8] = 2;
        assert!(matches!(refusal(open_backup(&[7; 32], &t)), ImportRefusal::NewerFormat { found, .. } if found == "2"));
    }
}
