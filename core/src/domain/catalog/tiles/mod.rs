//! Catalogs cut into tiles by area (ADR 0012, docs/catalog.md "Tiles"): a
//! fixed grid, a signed manifest of tile versions and hashes, the tiles
//! themselves (each a catalog document), the pack a delta answer carries,
//! and the tiles a phone holds.
//!
//! | module | holds |
//! | --- | --- |
//! | `grid` | the grid, tile ids, which tiles a fence or a radius touches |
//! | `manifest` | the signed manifest and the check of a tile against it |
//! | `cut` | cutting a catalog into tiles, merging tiles into one catalog |
//! | `pack` | several tiles in one gzip answer |
//! | `verify` | the manifest's envelope |
//! | `held` | the tiles a phone holds: acceptance, rollback, eviction, storage layout |
//! | `region` | the tiles a phone needs, ranked, and which fit the memory budget |

mod cut;
mod grid;
mod held;
mod manifest;
mod pack;
mod region;
mod verify;

pub use cut::{cut, merge};
pub use grid::{BadTileId, LatLonBox, TileId};
pub use held::{HeldTile, HeldTiles};
pub use manifest::{sha256, TileEntry, TileManifest, MANIFEST_FORMAT};
pub use pack::{decode_pack, encode_pack, PackedTile};
pub use region::{plan, rank, reach_m, Anchor, AnchorPoint, HeldCost, RegionPlan};
pub use verify::{sign_manifest, tile_document, tile_document_at, verify_manifest, verify_stored_manifest};

/// Why a tile, a tile pack or a manifest was refused. The tiles held stay
/// as they were.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TileError {
    /// A tile the manifest does not list.
    #[error("tile {tile} is not in the manifest")]
    NotInManifest {
        /// The tile.
        tile: TileId,
    },
    /// A tile whose bytes do not hash to the manifest's SHA-256.
    #[error("tile {tile} does not match the manifest's SHA-256")]
    HashMismatch {
        /// The tile.
        tile: TileId,
    },
    /// A tile whose version is not the one the manifest lists.
    #[error("tile {tile} is version {packed}, the manifest lists version {listed}")]
    VersionMismatch {
        /// The tile.
        tile: TileId,
        /// The version it came with.
        packed: u64,
        /// The version the manifest lists.
        listed: u64,
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
    /// A manifest of another grid than this engine's.
    #[error(
        "the manifest's grid has cells of {cell_microdeg} µ°, this engine's {} µ°",
        crate::policy::TILE_CELL_MICRODEG
    )]
    OtherGrid {
        /// The manifest's cell side.
        cell_microdeg: u32,
    },
    /// A tile pack that cannot be read.
    #[error("tile pack refused: {reason}")]
    BadPack {
        /// What was wrong.
        reason: String,
    },
    /// A tile whose document is not a valid catalog.
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
