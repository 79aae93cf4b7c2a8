//! Catalogs cut into tiles by area (ADR 0012, docs/catalog.md "Tiles"): a
//! fixed grid, a small signed catalog header, tiles each signed on their
//! own over canonical bytes built from their entries (one entry per
//! merchant), the pack a delta answer carries (whole tiles or changed
//! entries), and the tiles a phone holds.
//!
//! | module | holds |
//! | --- | --- |
//! | `grid` | the grid, tile ids, which tiles a fence or a radius touches |
//! | `header` | the signed catalog header (version, dates, grid) |
//! | `signed` | a tile's entries, manifest, canonical bytes and signature |
//! | `cut` | cutting a catalog into tiles, merging tiles into one catalog |
//! | `pack` | tiles and deltas in one gzip answer |
//! | `verify` | the header's envelope, a held tile's signature checked |
//! | `built` | what the catalog in force was built from (tiles, counts, merchant hashes), the ids an update touches, one entry checked alone |
//! | `held` | the tiles a phone holds: updates (on manifests), rollback, sizes, eviction, storage layouts (heads) |
//! | `region` | the tiles a phone needs, ranked, and which fit the memory budget |

mod built;
mod cut;
mod grid;
mod header;
mod held;
mod pack;
mod region;
mod signed;
mod verify;

pub use built::{merchant_hash, parse_entry, touched, BuiltTiles, TileCounts, TileTaken, Touched};
pub use cut::{cut, merge};
pub use grid::{BadTileId, LatLonBox, TileId};
pub use header::{CatalogHeader, HEADER_FORMAT};
pub use held::{Arrived, ArrivedTiles, HeldTile, HeldTiles, TileBodies, TileBody, TileHead};
pub use pack::{decode_pack, encode_pack, encode_pack_at, write_update, TileUpdate};
pub use region::{plan, rank, reach_m, Anchor, AnchorPoint, HeldCost, RegionPlan};
pub use signed::{
    canonical_bytes, entries_document, entry_merchant_id, manifest_of, sha256_of, sign_manifest, sign_tile,
    tile_entries, verify_manifest, verify_tile, Entries, EntryHash, Manifest, TileSignature, SIGNATURE_LEN,
};
pub use verify::{sign_header, tile_document, verify_header, verify_held_tile, verify_stored_header};

/// Why a tile, a tile pack or a header was refused. The tiles held stay as
/// they were.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TileError {
    /// A tile whose signature does not hold on its rebuilt manifest: forged,
    /// or a delta tampered with or applied to other entries.
    #[error("tile {tile}: the signature does not match its entries")]
    BadSignature {
        /// The tile.
        tile: TileId,
    },
    /// A tile signed with a key this engine does not know.
    #[error("tile {tile} is signed with a key this engine does not know")]
    UnknownKey {
        /// The tile.
        tile: TileId,
    },
    /// A tile whose version is after the header's: tiles are never newer
    /// than the catalog they belong to.
    #[error("tile {tile} version {version} is after the header's version {header}")]
    AfterHeader {
        /// The tile.
        tile: TileId,
        /// The tile's version.
        version: u64,
        /// The header's version.
        header: u64,
    },
    /// A delta onto another version than the one held.
    #[error("tile {tile}: a delta from version {base}, but version {held} is held")]
    DeltaBase {
        /// The tile.
        tile: TileId,
        /// The version the delta patches.
        base: u64,
        /// The version held (0: none).
        held: u64,
    },
    /// A tile older than the one held: a replayed old tile.
    #[error("tile {tile} version {offered} is older than the held version {held}")]
    Rollback {
        /// The tile.
        tile: TileId,
        /// The version offered.
        offered: u64,
        /// The version held.
        held: u64,
    },
    /// A header of another grid than this engine's.
    #[error(
        "the header's grid has cells of {cell_microdeg} µ°, this engine's {} µ°",
        crate::policy::TILE_CELL_MICRODEG
    )]
    OtherGrid {
        /// The header's cell side.
        cell_microdeg: u32,
    },
    /// A tile pack that cannot be read.
    #[error("tile pack refused: {reason}")]
    BadPack {
        /// What was wrong.
        reason: String,
    },
    /// A tile whose entries are not valid merchants.
    #[error("tile {tile} is not a valid catalog: {reason}")]
    InvalidTile {
        /// The tile.
        tile: TileId,
        /// The catalog error.
        reason: String,
    },
    /// A catalog to cut that repeats an id.
    #[error("duplicate {what} id {id:?}")]
    DuplicateId {
        /// `"merchant"`, `"place"` or `"offer"`.
        what: &'static str,
        /// The id.
        id: String,
    },
    /// Stored tiles that cannot be read back.
    #[error("the stored tiles are cut short or garbled")]
    BadStored,
}

#[cfg(test)]
mod tests;
