//! The signed catalog header: the one document a phone holding tiles
//! fetches at every sync (with `If-None-Match`, so usually a 304). It
//! travels in the catalog's own envelope (same keys, same checks: size,
//! algorithm, key, signature, dates); its payload is
//!
//! ```json
//! { "format": "kairos-tiles/2", "version": 12, "cell_microdeg": 20000,
//!   "issued_at": "...", "expires_at": "..." }
//! ```
//!
//! It lists no tiles (each tile is signed on its own, `signed.rs`): its
//! size does not grow with the catalog. No tile version may exceed the
//! header's version, and a header older than the version held or ever
//! loaded under its key is a rollback (the engine's persisted guard).

use super::TileError;
use crate::domain::catalog::envelope::ReadDocument;
use crate::domain::catalog::wire_formats::rfc3339;
use crate::domain::catalog::CatalogError;
use crate::domain::time::Timestamp;
use crate::policy::TILE_CELL_MICRODEG;
use serde::{Deserialize, Serialize};
use std::sync::atomic::AtomicBool;

/// The header's `format`: a catalog document (or the manifest of the first
/// tile format, `kairos-tiles/1`) can never be read as one.
pub const HEADER_FORMAT: &str = "kairos-tiles/2";

/// A tiled catalog's header, as signed by the backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogHeader {
    /// Always [`HEADER_FORMAT`].
    pub format: String,
    /// The catalog version (the same sequence as single-document catalogs:
    /// a lower one is a rollback). Every tile's version is at most this.
    pub version: u64,
    /// The grid's cell side in millionths of a degree; must be
    /// [`TILE_CELL_MICRODEG`].
    pub cell_microdeg: u32,
    /// When it was issued.
    #[serde(with = "rfc3339")]
    pub issued_at: Timestamp,
    /// When it stops being valid (and with it the catalog built from the
    /// tiles held: tiles have no dates of their own).
    #[serde(with = "rfc3339")]
    pub expires_at: Timestamp,
}

impl CatalogHeader {
    /// A header of this engine's grid.
    pub fn new(version: u64, issued_at: Timestamp, expires_at: Timestamp) -> CatalogHeader {
        CatalogHeader {
            format: HEADER_FORMAT.into(),
            version,
            cell_microdeg: TILE_CELL_MICRODEG,
            issued_at,
            expires_at,
        }
    }

    /// Reads and checks a header document (the envelope's payload).
    pub fn parse(json: &[u8]) -> Result<CatalogHeader, CatalogError> {
        let h: CatalogHeader = serde_json::from_slice(json).map_err(|e| CatalogError::at("", e.to_string()))?;
        if h.format != HEADER_FORMAT {
            return Err(CatalogError::at("format", format!("{:?} is not {HEADER_FORMAT:?}", h.format)));
        }
        if h.cell_microdeg != TILE_CELL_MICRODEG {
            return Err(TileError::OtherGrid { cell_microdeg: h.cell_microdeg }.into());
        }
        if h.issued_at >= h.expires_at {
            return Err(CatalogError::at("expires_at", "not after issued_at"));
        }
        Ok(h)
    }

    /// The header's JSON (as the backend signs it).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a header always serialises")
    }
}

/// Reads a header while its envelope is verified (the envelope's checks
/// and errors, then the header's own).
pub(crate) struct ReadHeader;

impl ReadDocument for ReadHeader {
    type Output = CatalogHeader;
    fn read(&self, json: &[u8], _: &AtomicBool) -> Result<CatalogHeader, CatalogError> {
        CatalogHeader::parse(json)
    }
    fn dates(h: &CatalogHeader) -> (Timestamp, Timestamp) {
        (h.issued_at, h.expires_at)
    }
}
