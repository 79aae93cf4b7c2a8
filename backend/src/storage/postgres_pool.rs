//! The PostgreSQL connection pool (deadpool) and its connection manager
//! (TLS when asked): below the storage and its query files
//! (`postgres.rs`, `postgres_*.rs`), which each take their connections
//! from a [`PgPool`], never from one another.

use super::types::StorageError;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::path::Path;
use tokio_postgres::config::SslMode;
use tokio_postgres::NoTls;

/// The pool of connections to the database. Cheap to clone.
#[derive(Clone)]
pub(super) struct PgPool(Pool);

impl PgPool {
    /// A pool of at most `max_connections` connections made by `manager`.
    pub(super) fn new(manager: Manager, max_connections: usize) -> Result<Self, StorageError> {
        let pool =
            Pool::builder(manager).max_size(max_connections).build().map_err(|e| StorageError::Pool(e.to_string()))?;
        Ok(PgPool(pool))
    }

    /// A connection from the pool (waits for one to be free).
    pub(super) async fn client(&self) -> Result<deadpool_postgres::Object, StorageError> {
        self.0.get().await.map_err(pool_error)
    }
}

/// The connection manager: TLS when the configuration says
/// `sslmode=require`, plain otherwise.
pub(super) fn manager(config: tokio_postgres::Config, ca_file: Option<&Path>) -> Result<Manager, StorageError> {
    let recycling = ManagerConfig { recycling_method: RecyclingMethod::Fast };
    if config.get_ssl_mode() != SslMode::Require {
        return Ok(Manager::from_config(config, NoTls, recycling));
    }
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            use rustls::pki_types::pem::PemObject;
            let bad = |e: &dyn std::fmt::Display| StorageError::Pool(format!("{}: {e}", path.display()));
            for cert in rustls::pki_types::CertificateDer::pem_file_iter(path).map_err(|e| bad(&e))? {
                roots.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StorageError::Pool(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Manager::from_config(config, tokio_postgres_rustls::MakeRustlsConnect::new(tls), recycling))
}

fn pool_error(e: deadpool_postgres::PoolError) -> StorageError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => StorageError::Postgres(e),
        other => StorageError::Pool(other.to_string()),
    }
}
