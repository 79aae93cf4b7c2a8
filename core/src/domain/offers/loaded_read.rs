//! Reading a signed catalog's document straight into the tables the engine
//! keeps ([`super::loaded`]), merchant by merchant, without holding the
//! parsed document: the fast path of a load (see
//! [`crate::domain::catalog::read_merchants`]). A document it gives up on is read
//! again whole with [`parse_document`], which refuses it with the precise
//! error (or, should the fast path ever give up on a valid document, accepts
//! it, and the tables are built from it).

use super::loaded::{PendingCatalog, TableBuilder};
use crate::domain::catalog::{parse_document, read_merchants, CatalogError, ReadDocument};
use crate::domain::time::Timestamp;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Mutex;

/// Reads and validates a catalog document (without its envelope) into a
/// [`PendingCatalog`], as a load does once the signature holds; errors as
/// [`parse_document`]'s. Only the load-phase diagnostics call it alone.
#[cfg(feature = "internals")]
pub fn read_document(document_json: &[u8]) -> Result<PendingCatalog, CatalogError> {
    ReadTables::default().read(document_json, &AtomicBool::new(false))
}

/// Place ids, in document order, a batch of [`PLACE_ID_BATCH`] at a time.
#[derive(Debug, Default)]
pub(crate) struct PlaceIds {
    text: String,
    ends: Vec<u32>,
}

/// Places per [`PlaceIds`] batch (a multiple of the rows per statement of
/// the fence id inserts).
const PLACE_ID_BATCH: usize = 2_000;

impl PlaceIds {
    fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len() as u32);
    }

    /// The ids.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(a, &b)| &self.text[a as usize..b as usize])
    }
}

/// Reads a document into a [`PendingCatalog`]; with a sender, also sends
/// the place ids of the merchants read (that passed their checks) as it
/// goes, so that their fence ids can be looked up meanwhile. The sender is
/// dropped when the read ends (whatever its outcome); the places of a
/// document read by the slow path are not sent.
#[derive(Default)]
pub(crate) struct ReadTables {
    pub(crate) place_ids: Mutex<Option<Sender<PlaceIds>>>,
}

impl ReadDocument for ReadTables {
    type Output = PendingCatalog;

    fn read(&self, document_json: &[u8], cancel: &AtomicBool) -> Result<PendingCatalog, CatalogError> {
        let sender = self.place_ids.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        let mut tables = TableBuilder::new();
        let mut batch = PlaceIds::default();
        let header = read_merchants(document_json, cancel, |m| {
            tables.add_merchant(m);
            if let Some(sender) = &sender {
                m.places.iter().for_each(|p| batch.push(&p.id));
                if batch.ends.len() >= PLACE_ID_BATCH {
                    let _ = sender.send(std::mem::take(&mut batch));
                }
            }
        });
        if let Some(h) = header {
            if let Some(sender) = sender {
                let _ = sender.send(batch);
            }
            return Ok(tables.finish(h.version, h.issued_at, h.expires_at));
        }
        drop((tables, sender));
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
