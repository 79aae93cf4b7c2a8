//! `cargo xtask bindings [--release]`: builds `libkairos_ffi` and generates
//! its Kotlin and Swift bindings (uniffi library mode) into
//! `target/bindings/kotlin` and `target/bindings/swift`.

use crate::cmd::{command, run, target_dir};
use std::path::PathBuf;

/// Where a build's outputs lie.
pub struct Built {
    /// The directory holding `libkairos_ffi.so` (for `-L`, `LD_LIBRARY_PATH`,
    /// `jna.library.path`).
    pub lib_dir: PathBuf,
    /// Generated Kotlin sources (package `dev.kairos`).
    pub kotlin: PathBuf,
    /// Generated `Kairos.swift`, `KairosFFI.h` and `KairosFFI.modulemap`.
    pub swift: PathBuf,
}

/// Builds the reference backend next to the debug library
/// (`target/debug/kairos-backend`): the binding tests start it on loopback
/// to sync against, finding it in the library's directory.
pub fn build_backend() -> Result<(), String> {
    run(&mut command("cargo", &["build", "--locked", "-q", "-p", "kairos-backend", "--bin", "kairos-backend"]))
}

/// Builds the library (and the workspace's `uniffi-bindgen`) and generates
/// both languages' bindings.
pub fn generate(release: bool) -> Result<Built, String> {
    // The generator needs the `cli` feature; built first, so the library
    // built next (the app's, without `cli`) is the one left in place.
    run(&mut command(
        "cargo",
        &["build", "--locked", "-q", "-p", "kairos-ffi", "--features", "cli", "--bin", "uniffi-bindgen"],
    ))?;
    let mut lib = command("cargo", &["build", "--locked", "-q", "-p", "kairos-ffi", "--lib"]);
    if release {
        lib.arg("--release");
    }
    run(&mut lib)?;

    let target = target_dir();
    let lib_dir = target.join(if release { "release" } else { "debug" });
    let library = lib_dir.join(format!("{}kairos_ffi{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX));
    let out = target.join("bindings");
    let built = Built { lib_dir, kotlin: out.join("kotlin"), swift: out.join("swift") };
    for (language, dir) in [("kotlin", &built.kotlin), ("swift", &built.swift)] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
        }
        let mut generate = command(
            target.join("debug").join("uniffi-bindgen"),
            &["generate", "--no-format", "--language", language, "--out-dir"],
        );
        generate.arg(dir).arg(&library);
        run(&mut generate)?;
    }
    eprintln!(
        "bindings: Kotlin in {}, Swift in {}, library in {}",
        built.kotlin.display(),
        built.swift.display(),
        built.lib_dir.display()
    );
    Ok(built)
}
