//! What the sync client keeps between runs: the backend's credential
//! and the install id it registers under once the first one was given up
//! (both sealed, in `sealed_meta`), and the catalog's etag and last fetch
//! time.

use super::meta::SealedKey;
use crate::domain::privacy::seal::Sealer;
use crate::domain::time::Timestamp;
use crate::error::Result;
use rusqlite::Connection;

const ETAG_KEY: &str = "catalog_etag";
const FETCHED_KEY: &str = "catalog_fetched_at";

/// The backend's credential for this install, once registered (sealed at
/// rest: `meta.rs`).
pub fn token(conn: &Connection, sealer: &Sealer) -> Result<Option<String>> {
    super::meta::load(conn, sealer, SealedKey::SyncToken)
}

/// Keeps the credential the backend gave at registration, sealed.
pub fn save_token(conn: &Connection, sealer: &Sealer, token: &str) -> Result<()> {
    super::meta::save(conn, sealer, SealedKey::SyncToken, &token.to_string())
}

/// Forgets the credential (the server refused it; the next sync registers
/// again).
pub fn forget_token(conn: &Connection) -> Result<()> {
    super::meta::delete(conn, SealedKey::SyncToken)
}

/// The install id sync registers under, when it replaced the engine's
/// (after a 401 or a 409 `install_id_taken`, or a full deletion); `None`
/// while the engine's own install id is used.
pub fn install_id(conn: &Connection, sealer: &Sealer) -> Result<Option<String>> {
    super::meta::load(conn, sealer, SealedKey::SyncInstallId)
}

/// Forgets the credential and the install id sync registered under, and
/// registers under `new_install_id` from now on (the server refused the
/// credential, gave the id to another token, or forgot the install).
pub fn replace_install_id(conn: &Connection, sealer: &Sealer, new_install_id: &str) -> Result<()> {
    forget_token(conn)?;
    super::meta::save(conn, sealer, SealedKey::SyncInstallId, &new_install_id.to_string())
}

/// Forgets the install id sync replaced the engine's with (an erase: the
/// next registration uses the engine's new one).
pub fn forget_install_id(conn: &Connection) -> Result<()> {
    super::meta::delete(conn, SealedKey::SyncInstallId)
}

/// The etag of the catalog last fetched, and when it was fetched.
pub fn catalog_fetch(conn: &Connection) -> Result<(Option<String>, Option<Timestamp>)> {
    Ok((super::state::load(conn, ETAG_KEY)?, super::state::load(conn, FETCHED_KEY)?))
}

/// Records a catalog fetch at `at`, with the etag the server gave, if any.
pub fn save_catalog_fetch(conn: &Connection, at: Timestamp, etag: Option<&str>) -> Result<()> {
    super::state::save(conn, FETCHED_KEY, &at)?;
    if let Some(e) = etag {
        super::state::save(conn, ETAG_KEY, &e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forgotten_token_is_gone_and_the_catalog_fetch_is_kept() {
        let mut conn = Connection::open_in_memory().unwrap();
        let sealer = Sealer::new(&[3; 32]).unwrap();
        super::super::schema::migrate(&mut conn, &sealer).unwrap();
        save_token(&conn, &sealer, "t1").unwrap();
        save_catalog_fetch(&conn, Timestamp(5), Some("e1")).unwrap();
        assert_eq!(token(&conn, &sealer).unwrap().as_deref(), Some("t1"));
        forget_token(&conn).unwrap();
        assert_eq!(token(&conn, &sealer).unwrap(), None);
        assert_eq!(catalog_fetch(&conn).unwrap(), (Some("e1".into()), Some(Timestamp(5))));
    }

    #[test]
    fn a_replaced_install_id_forgets_the_token() {
        let mut conn = Connection::open_in_memory().unwrap();
        let sealer = Sealer::new(&[3; 32]).unwrap();
        super::super::schema::migrate(&mut conn, &sealer).unwrap();
        assert_eq!(install_id(&conn, &sealer).unwrap(), None);
        save_token(&conn, &sealer, "t1").unwrap();
        replace_install_id(&conn, &sealer, "00112233445566778899aabbccddeeff").unwrap();
        assert_eq!(token(&conn, &sealer).unwrap(), None);
        assert_eq!(install_id(&conn, &sealer).unwrap().as_deref(), Some("00112233445566778899aabbccddeeff"));
        forget_install_id(&conn).unwrap();
        assert_eq!(install_id(&conn, &sealer).unwrap(), None);
    }
}
