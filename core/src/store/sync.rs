//! What the sync client keeps between runs, in `meta`: the backend's
//! credential, and the catalog's etag and last fetch time.

use crate::domain::time::Timestamp;
use crate::error::Result;
use rusqlite::Connection;

const TOKEN_KEY: &str = "sync_token";
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
}
