//! Catalog tiles (ADR 0012, docs/catalog.md "Tiles"): the grid, the region, the budget, the wire.

// ---- Catalog tiles (ADR 0012, docs/catalog.md "Tiles") ----------------------

/// Side of a catalog tile, in millionths of a degree (0.02°: about 2.2 km
/// north–south, 1.7 km east–west at 40°). Chosen from the density of a
/// national catalog (issue #17's bench at 1M places): a 0.05° city-centre
/// cell held ~9,500 places (~3 MB of entries), more than a phone's whole
/// catalog budget in one tile; at 0.02° the densest cell holds ~1,500
/// (1/6.25 of the area), so a dense city's region is cut finely enough to
/// stop at the memory budget near the shopper. Finer cells cost privacy and
/// bytes: a request names cells of this size (the centre of the block of
/// cells around home locates it to within about one cell,
/// docs/privacy.md "Catalog tiles"), and each changed tile carries its own
/// signature (~100 bytes) in a daily delta; 0.01° would locate to ~1 km and
/// double the signatures for little memory gain. Fixed, so that tile ids
/// mean the same on every phone and backend; a header of another grid is
/// refused.
pub const TILE_CELL_MICRODEG: u32 = 20_000;
/// Default radius around home, work, routine places and the current
/// position within which the phone holds the catalog's tiles, in metres:
/// the reach of a `nearby` offer ([`MAX_NEARBY_RADIUS_M`](crate::policy::MAX_NEARBY_RADIUS_M)) is 5 km, but
/// most are a few hundred metres; 2 km covers the walk or short drive
/// around each anchor.
pub const TILE_NEED_RADIUS_M: f64 = 2_000.0;
/// The catalog-memory budget of the phone's region, counted in bytes of the
/// tiles held (each tile costs its size; the bytes themselves stay in the
/// store, not in memory). The catalog the engine evaluates, built from the
/// tiles, takes about 0.9 times their bytes in heap (measured by
/// `bench-tiles`, 2.97 MB for 3.29 MB of tiles: docs/PERFORMANCE.md
/// "Catalog tiles"), so this keeps the catalog's memory near 4 MB, half
/// the 8 MB target of issue #17 (the margin is for tiles richer in offers,
/// rules and texts than the benchmark's). The region's tiles are kept
/// nearest first until it is full (a dense city shrinks the radius; see
/// `domain::catalog::tiles::region`); a needed tile beyond it is not asked
/// for, the current position's tile is always kept. At a few hundred bytes
/// a merchant this is well under [`MAX_CATALOG_MERCHANTS`](crate::policy::MAX_CATALOG_MERCHANTS) merchants of
/// real tiles; the build still stops adding tiles (in rank order) before
/// the merged catalog would exceed a catalog's limits.
pub const TILE_MEMORY_BUDGET_BYTES: usize = 4 * 1024 * 1024;
/// Most tiles asked for in one delta request (the reference backend
/// refuses more than `limits::MAX_TILES_PER_REQUEST`, 256); more are asked
/// in several requests of the same sync.
pub const TILE_REQUEST_BATCH: usize = 128;
/// Largest tile pack (a delta answer), compressed or inflated, in bytes.
pub const MAX_TILE_PACK_BYTES: usize = 64 * 1024 * 1024;
/// Largest answer to `GET /v1/catalog/header`, in bytes: the signed
/// header is about 400 bytes whatever the catalog's size (it lists no
/// tiles); anything much larger is not a header.
pub const MAX_TILE_HEADER_BYTES: usize = 16 * 1024;
/// Most tiles the phone remembers needing (fixes in tiles it does not hold,
/// asked for at the next sync).
pub const MAX_TILES_WANTED: usize = 256;
/// What a tile not held is guessed to cost against
/// [`TILE_MEMORY_BUDGET_BYTES`] before any tile is held (later, the mean of
/// the tiles held): a suburban cell of a national catalog. A guess too low
/// asks for a few tiles too many once (the load then evicts the farthest);
/// too high asks for too few until the first tiles arrive.
pub const TILE_COST_GUESS_BYTES: u64 = 64 * 1024;
