//! `cargo xtask fuzz-build`: builds the fuzz targets of `fuzz/` with
//! `cargo +nightly fuzz build` (libFuzzer needs a nightly toolchain and
//! cargo-fuzz). Not part of `cargo xtask test`; skipped, with a message
//! saying what is missing, where nightly or cargo-fuzz is not installed.
//! `docs/FUZZING.md` says how to run the targets.

use crate::cmd::{command, root, run};
use std::process::Stdio;

/// Builds every fuzz target, or explains why it cannot and returns `Ok`.
pub fn build() -> Result<(), String> {
    let nightly = command("rustup", &["run", "nightly", "rustc", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !nightly {
        eprintln!("xtask fuzz-build: skipped: no nightly toolchain (rustup toolchain install nightly)");
        return Ok(());
    }
    let cargo_fuzz = command("cargo", &["+nightly", "fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !cargo_fuzz {
        eprintln!("xtask fuzz-build: skipped: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)");
        return Ok(());
    }
    run(command("cargo", &["+nightly", "fuzz", "build"]).current_dir(root().join("fuzz")))
}
