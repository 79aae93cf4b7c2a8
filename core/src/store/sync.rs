//! What the sync client keeps between runs: the backend's credential
//! (sealed, in `sealed_meta`), and the catalog's etag and last fetch time.

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
}
