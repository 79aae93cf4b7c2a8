//! What the sync client keeps between runs, in `meta`: the backend's
//! credential, the install id it registers under once the first one was
//! given up, and the catalog's etag and last fetch time.

use crate::domain::time::Timestamp;
use crate::error::Result;
use rusqlite::Connection;

const TOKEN_KEY: &str = "sync_token";
const INSTALL_ID_KEY: &str = "sync_install_id";
const ETAG_KEY: &str = "catalog_etag";
const FETCHED_KEY: &str = "catalog_fetched_at";

/// The backend's credential for this install, once registered.
pub fn token(conn: &Connection) -> Result<Option<String>> {
    super::state::load(conn, TOKEN_KEY)
}

/// Keeps the credential the backend gave at registration.
pub fn save_token(conn: &Connection, token: &str) -> Result<()> {
    super::state::save(conn, TOKEN_KEY, &token)
}

/// Forgets the credential (the server refused it; the next sync registers
/// again).
pub fn forget_token(conn: &Connection) -> Result<()> {
    conn.prepare_cached("DELETE FROM meta WHERE key = ?1")?.execute([TOKEN_KEY])?;
    Ok(())
}

/// The install id sync registers under, when it replaced the engine's
/// (after a 401 or a 409 `install_id_taken`, or a full deletion); `None`
/// while the engine's own install id is used.
pub fn install_id(conn: &Connection) -> Result<Option<String>> {
    super::state::load(conn, INSTALL_ID_KEY)
}

/// Forgets the credential and the install id sync registered under, and
/// registers under `new_install_id` from now on (the server refused the
/// credential, gave the id to another token, or forgot the install).
pub fn replace_install_id(conn: &Connection, new_install_id: &str) -> Result<()> {
    forget_token(conn)?;
    super::state::save(conn, INSTALL_ID_KEY, &new_install_id)
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
        super::super::schema::migrate(&mut conn, &crate::domain::privacy::seal::Sealer::new(&[3; 32]).unwrap())
            .unwrap();
        save_token(&conn, "t1").unwrap();
        save_catalog_fetch(&conn, Timestamp(5), Some("e1")).unwrap();
        assert_eq!(token(&conn).unwrap().as_deref(), Some("t1"));
        forget_token(&conn).unwrap();
        assert_eq!(token(&conn).unwrap(), None);
        assert_eq!(catalog_fetch(&conn).unwrap(), (Some("e1".into()), Some(Timestamp(5))));
    }

    #[test]
    fn a_replaced_install_id_forgets_the_token() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn, &crate::domain::privacy::seal::Sealer::new(&[3; 32]).unwrap())
            .unwrap();
        assert_eq!(install_id(&conn).unwrap(), None);
        save_token(&conn, "t1").unwrap();
        replace_install_id(&conn, "00112233445566778899aabbccddeeff").unwrap();
        assert_eq!(token(&conn).unwrap(), None);
        assert_eq!(install_id(&conn).unwrap().as_deref(), Some("00112233445566778899aabbccddeeff"));
    }
}
