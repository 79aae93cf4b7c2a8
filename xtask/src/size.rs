//! `cargo xtask size`: builds the app library (`libkairos_ffi`) for this
//! host in the shipped profile (`[profile.release]`: size-optimised, LTO,
//! one codegen unit, stripped) and checks its size against the budget.
//! `docs/PERFORMANCE.md` ("Library size") records the figures and what
//! makes them.

use crate::cmd::{command, on_path, run, target_dir};

/// Largest accepted size of the stripped library, in bytes: 6.24 MB, the
/// measured 6,220,568 bytes (2026-12-05, fifth session) plus 19 KB of
/// margin. Raised from 6.2 MB, decided: tiles signed over their manifest
/// and kept one store row an entry (ADR 0012, the nightly load at 1M from
/// ~150 ms to ~25 ms of the device's time), +35 KB stripped; by symbol
/// (unstripped builds of `24137ee` and `19db457`), +24 KB of code: the
/// manifest's map (`BTreeMap<String, EntryHash>`, ~12 KB of `btree`
/// instantiations), the store's head and entry rows (~7 KB), the reader of
/// heads and entries (~4 KB); the whole tile body's codec went.
///
/// Before that it was 6.2 MB, the
/// measured 6,185,368 bytes (2026-12-05, fourth session) plus 15 KB of
/// margin. Raised from 6.1 MB, decided, by two changes measured commit by
/// commit: the tiled catalog sealed at rest (keyed ids, sealed rows), the
/// `TilesLoaded` event and the FFI's refusals moved below its error type,
/// +31 KB (6,067,992 bytes at `6a591bf`); then the incremental tile load
/// (a sync patches the catalog in force instead of rebuilding it: the
/// patch, the tables copied merchant by merchant, the index rebuilt from
/// compiled fences), +117 KB, more than its ~1,000 lines should cost:
/// ~43 KB of it are `BTreeMap` instantiations of new key and value types
/// (docs/PERFORMANCE.md "Library size", by symbol), the first lever.
///
/// Before that it was 6.1 MB: the
/// measured 6,037,144 bytes (2026-12-05, third session) plus 63 KB of
/// margin. Raised from 6.0 MB by the tiles' second design (ADR 0012
/// revised), decided: the signed header, each tile signed over bytes
/// rebuilt from its entries and per-entry deltas (5,989,272 bytes, +35 KB),
/// then the tiles built straight into the evaluated catalog, kept in the
/// store rather than in memory, and the budget-decided region with its FFI
/// (`catalogTiles`, `tileRadiusM`): +48 KB.
///
/// Before that it was lowered from 6.2 MB when import stopped reading the export twice: it
/// parsed the document into a `serde_json::Value`, then read every part
/// again as its type through `serde_path_to_error` over that `Value`, a
/// second instantiation of every profile type's `Deserialize` (and of the
/// `Value` deserializer's machinery). It now reads the bytes once, straight
/// into its types, through `serde_path_to_error` over the byte
/// deserializer, and the engine state has one deserialiser for the profile
/// and an import (`store::state::read_state`): 98,688 bytes less
/// (6,052,504 before). By symbol (unstripped build of each commit,
/// `nm -S`, each symbol counted once): `serde_json::value` -101 KB, the
/// rest of `serde_json` +29 KB (the byte deserializer now reads the
/// profile types), `serde_path_to_error` +9 KB, `serde_core` -7 KB: 70 KB
/// of code; the other 29 KB are its unwind tables and symbol data.
///
/// Before that: 4.77 MB, then 5.82 MB with import/export and sealed
/// backup, redemption tokens (Ed25519), social proof, the sensing plan FFI
/// and learned relevance, then 6.05 MB with catalog tiles (grid, signed
/// manifest, cutting, merging, gzip packs, the tiles held, their sync).
/// `opt-level = "z"` saves 187 KB but is not taken until its speed cost is
/// measured. docs/PERFORMANCE.md ("Library size") has the figures and the
/// levers left. A budget: it fails the build on the next growth, so that
/// growth is decided, not drifted into.
pub const BUDGET_BYTES: u64 = 6_240_000;

/// Builds the release library, prints its stripped size, and fails above
/// [`BUDGET_BYTES`].
pub fn check() -> Result<(), String> {
    run(&mut command("cargo", &["build", "--release", "--locked", "-q", "-p", "kairos-ffi", "--lib"]))?;
    let name = format!("{}kairos_ffi{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    let lib = target_dir().join("release").join(&name);
    let built = std::fs::metadata(&lib).map_err(|e| format!("cannot read {}: {e}", lib.display()))?.len();
    // The profile strips already; strip a copy as well where `strip` exists,
    // so that the figure is the stripped size whatever the profile says.
    let size = if on_path("strip") {
        let copy = target_dir().join("release").join(format!("{name}.stripped"));
        run(command("strip", &["-o"]).arg(&copy).arg(&lib))?;
        let stripped = std::fs::metadata(&copy).map_err(|e| format!("cannot read {}: {e}", copy.display()))?.len();
        let _ = std::fs::remove_file(&copy);
        stripped.min(built)
    } else {
        built
    };
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "size: {name} ({}-{}, release, stripped): {size} bytes ({:.2} MB); budget {:.2} MB",
        std::env::consts::ARCH,
        std::env::consts::OS,
        mb(size),
        mb(BUDGET_BYTES)
    );
    if size > BUDGET_BYTES {
        return Err(format!(
            "{name} is {size} bytes, over the budget of {BUDGET_BYTES}: see docs/PERFORMANCE.md, \"Library size\""
        ));
    }
    Ok(())
}
