//! What the storage keeps of a tiled catalog (ADR 0012, revised): the
//! signed header, each tile's current version, signature and precompressed
//! whole form, and each tile's entries with the version at which each last
//! changed (tombstones for removed ones), from which deltas are answered.

use super::types::CatalogRecord;
use kairos_core::catalog::tiles::{TileUpdate, SIGNATURE_LEN};
use std::collections::HashMap;

/// One tile as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileRow {
    /// The tile id, `r<row>c<col>`.
    pub id: String,
    /// The catalog version at which its content last changed.
    pub version: u64,
    /// Deltas are answered only from versions at or after this one (older
    /// tombstones were pruned): a client holding less gets the whole tile.
    pub floor: u64,
    /// How many entries it holds (0: a tile that became empty).
    pub entries: u32,
    /// The key that signed it.
    pub key_id: String,
    /// Its signature at `version`.
    pub signature: [u8; SIGNATURE_LEN],
    /// The strong ETag of `packed`, quotes included.
    pub etag: String,
    /// The whole tile as one gzip tile-pack member, served as it is.
    pub packed: Vec<u8>,
}

/// One entry of a tile as published, or its tombstone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    /// The tile.
    pub tile_id: String,
    /// The merchant the entry is.
    pub merchant_id: String,
    /// The catalog version at which it last changed (or was removed).
    pub version: u64,
    /// The entry's JSON and its SHA-256; `None`: removed (a tombstone).
    pub body: Option<(Vec<u8>, [u8; 32])>,
}

/// One publication, written in one transaction.
#[derive(Debug, Clone)]
pub struct TilesWrite {
    /// The signed header that becomes the one in force.
    pub header: CatalogRecord,
    /// Tiles new or changed (replacing those of the same id).
    pub tiles: Vec<TileRow>,
    /// Entries new, changed or removed (replacing those of the same ids).
    pub entries: Vec<EntryRow>,
    /// Tombstones pruned (tile id, merchant id).
    pub pruned: Vec<(String, String)>,
}

/// An entry as the publisher compares it: version and SHA-256 (`None`: a
/// tombstone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryState {
    /// The version at which it last changed.
    pub version: u64,
    /// Its SHA-256, or `None` for a tombstone.
    pub sha256: Option<[u8; 32]>,
}

/// What is published, as the publisher compares a new catalog with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TileIndex {
    /// The header's version, if any was published.
    pub header_version: Option<u64>,
    /// Per tile, its version and floor.
    pub tiles: HashMap<String, (u64, u64)>,
    /// Per tile, its entries by merchant id.
    pub entries: HashMap<String, HashMap<String, EntryState>>,
}

/// A tile answered to a delta request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileAnswer {
    /// The whole tile, as one precompressed pack member.
    Whole(Vec<u8>),
    /// The entries changed since the version held.
    Delta(TileUpdate),
}

/// What a tile at `version` with `floor` and `entries` owes a client
/// holding `held` (0: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owed {
    /// Nothing: held at this version, or an empty tile never held.
    Nothing,
    /// The whole tile.
    Whole,
    /// The entries changed after `held`.
    Delta,
}

impl Owed {
    /// The rule both storages follow.
    pub fn of(version: u64, floor: u64, entries: u32, held: u64) -> Owed {
        if held == version || (held == 0 && entries == 0) {
            Owed::Nothing
        } else if held == 0 || held < floor || held > version {
            Owed::Whole
        } else {
            Owed::Delta
        }
    }
}
