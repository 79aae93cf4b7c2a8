//! Reading a signed catalog's document straight into the tables the engine
//! keeps ([`super::loaded`]), merchant by merchant, without holding the
//! parsed document: the fast path of a load (see
//! [`crate::catalog::read_merchants`]). A document it gives up on is read
//! again whole with [`parse_document`], which refuses it with the precise
//! error (or, should the fast path ever give up on a valid document, accepts
//! it, and the tables are built from it).

use super::loaded::{PendingCatalog, TableBuilder};
use crate::catalog::{parse_document, read_merchants, CatalogError, ReadDocument};
use crate::time::Timestamp;
use std::sync::atomic::{AtomicBool, Ordering};

/// Reads and validates a catalog document (without its envelope) into a
/// [`PendingCatalog`], as a load does once the signature holds; errors as
/// [`parse_document`]'s.
pub fn read_document(document_json: &[u8]) -> Result<PendingCatalog, CatalogError> {
    ReadTables.read(document_json, &AtomicBool::new(false))
}

/// Reads a document into a [`PendingCatalog`].
pub(crate) struct ReadTables;

impl ReadDocument for ReadTables {
    type Output = PendingCatalog;

    fn read(&self, document_json: &[u8], cancel: &AtomicBool) -> Result<PendingCatalog, CatalogError> {
        let mut tables = TableBuilder::new();
        if let Some(h) = read_merchants(document_json, cancel, |m| tables.add_merchant(m)) {
            return Ok(tables.finish(h.version, h.issued_at, h.expires_at));
        }
        drop(tables);
        if cancel.load(Ordering::Relaxed) {
            // The signature failed: this result is never used.
            return Err(CatalogError::at("", "not read (the signature does not hold)"));
        }
        let catalog = parse_document(document_json)?;
        let mut tables = TableBuilder::new();
        for m in &catalog.merchants {
            tables.add_merchant(m);
        }
        Ok(tables.finish(catalog.version, catalog.issued_at, catalog.expires_at))
    }

    fn dates(pending: &PendingCatalog) -> (Timestamp, Timestamp) {
        pending.dates()
    }
}
