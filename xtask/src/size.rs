//! `cargo xtask size`: builds the app library (`libkairos_ffi`) for this
//! host in the shipped profile (`[profile.release]`: size-optimised, LTO,
//! one codegen unit, stripped) and checks its size against the budget.
//! `docs/PERFORMANCE.md` ("Library size") records the figures and what
//! makes them.

use crate::cmd::{command, on_path, run, target_dir};

/// Largest accepted size of the stripped library, in bytes: 6.2 MB, raised
/// on 2026-12-05 twice: to 5.9 MB when the library reached 5.82 MB
/// (5,816,088 bytes) with
/// import/export and sealed backup, redemption tokens (Ed25519), social
/// proof, the sensing plan FFI and learned relevance. Most of the 1.04 MB
/// grown since 4.77 MB is import's typed reading of a `serde_json::Value`
/// through `serde_path_to_error` (a second instantiation of every profile
/// type's `Deserialize`). Catalog tiles (grid, signed manifest, cutting,
/// merging, gzip packs, the tiles held, their sync) then added 236 KB
/// (6,052,504 bytes), hence 6.2 MB. `opt-level = "z"` saves 187 KB but is not taken
/// until its speed cost is measured. docs/PERFORMANCE.md ("Library size")
/// has the figures and the levers left. A budget: it fails the build on
/// the next growth, so that growth is decided, not drifted into.
pub const BUDGET_BYTES: u64 = 6_200_000;

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
