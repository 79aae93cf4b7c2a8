//! The install's redemption key: the Ed25519 key pair (PKCS#8 document)
//! that signs redemption tokens (`docs/protocol.md`, section 5), sealed in
//! `sealed_meta` like the sync token, with whether the backend has been
//! given its public half.

use super::meta::{self, SealedKey};
use crate::domain::privacy::seal::Sealer;
use crate::error::Result;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

/// The stored key: its PKCS#8 bytes and whether the backend registered
/// its public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRedemptionKey {
    /// The Ed25519 key pair as ring's PKCS#8 v2 document, base64url.
    pkcs8: String,
    /// Whether the backend answered 2xx to a request carrying the public
    /// key (registration, or `POST /v1/installs/redemption-key`).
    pub registered: bool,
}

impl StoredRedemptionKey {
    /// A key not yet registered.
    pub fn new(pkcs8: &[u8]) -> Self {
        StoredRedemptionKey { pkcs8: B64URL.encode(pkcs8), registered: false }
    }

    /// The PKCS#8 document, or `None` if the stored text is not base64url
    /// (a damaged value: the caller names it).
    pub fn pkcs8(&self) -> Option<Vec<u8>> {
        B64URL.decode(&self.pkcs8).ok()
    }
}

/// The key, if one was made since the profile was created or erased.
pub fn load(conn: &Connection, sealer: &Sealer) -> Result<Option<StoredRedemptionKey>> {
    meta::load(conn, sealer, SealedKey::RedemptionKey)
}

/// Stores `key`, sealed, replacing any earlier one.
pub fn save(conn: &Connection, sealer: &Sealer, key: &StoredRedemptionKey) -> Result<()> {
    meta::save(conn, sealer, SealedKey::RedemptionKey, key)
}

/// Forgets the key (an erase, or a new pseudonym: the next one is new).
pub fn forget(conn: &Connection) -> Result<()> {
    meta::delete(conn, SealedKey::RedemptionKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_stored_sealed_and_forgotten() {
        let mut conn = Connection::open_in_memory().unwrap();
        let sealer = Sealer::new(&[4; 32]).unwrap();
        super::super::schema::migrate(&mut conn, &sealer).unwrap();
        assert_eq!(load(&conn, &sealer).unwrap(), None);
        let mut key = StoredRedemptionKey::new(b"pkcs8 bytes");
        save(&conn, &sealer, &key).unwrap();
        let raw: Vec<u8> =
            conn.query_row("SELECT sealed FROM sealed_meta WHERE key = 'redemption_key'", [], |r| r.get(0)).unwrap();
        let clear = B64URL.encode(b"pkcs8 bytes");
        assert!(!raw.windows(clear.len()).any(|w| w == clear.as_bytes()), "the key is sealed at rest");
        key.registered = true;
        save(&conn, &sealer, &key).unwrap();
        let back = load(&conn, &sealer).unwrap().unwrap();
        assert_eq!((back.pkcs8().unwrap(), back.registered), (b"pkcs8 bytes".to_vec(), true));
        forget(&conn).unwrap();
        assert_eq!(load(&conn, &sealer).unwrap(), None);
    }
}
