//! `cargo xtask test-swift`: the XCTest tests in `bindings/swift` (SwiftPM)
//! against the generated bindings and the host-built library.
//!
//! This Debian host has no Swift. `bindings/swift/scripts/provision-toolchain.sh`
//! builds a Debian trixie root with Debian's `swiftlang` once, cached outside
//! the clone in `~/.cache/kairos/swift-root` (or `$KAIROS_SWIFT_ROOT`);
//! `swift-test.sh` runs `swift test` inside it, with the workspace and the
//! target directory bind-mounted in a private mount namespace.

use crate::bindings;
use crate::cmd::{command, copy_file, root, run, target_dir};
use std::path::PathBuf;
use std::time::Instant;

/// Where the Swift toolchain root is cached.
fn toolchain_root() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("KAIROS_SWIFT_ROOT") {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
    Ok(PathBuf::from(home).join(".cache/kairos/swift-root"))
}

/// Generates the bindings, provisions Swift if needed, and runs the tests.
pub fn test() -> Result<(), String> {
    let built = bindings::generate(false)?;
    let package = root().join("bindings/swift");
    // SwiftPM compiles only files inside the package: copy the generated
    // ones in (they are git-ignored).
    copy_file(
        &built.swift.join("Kairos.swift"),
        &package.join("Sources/Kairos/Kairos.swift"),
    )?;
    copy_file(
        &built.swift.join("KairosFFI.h"),
        &package.join("Sources/KairosFFI/KairosFFI.h"),
    )?;

    let toolchain = toolchain_root()?;
    let scripts = package.join("scripts");
    run(command("bash", &[])
        .arg(scripts.join("provision-toolchain.sh"))
        .arg(&toolchain))?;

    let lib_dir = built
        .lib_dir
        .strip_prefix(target_dir())
        .map_err(|_| "the library is outside the target directory")?;
    let started = Instant::now();
    let result = run(command("bash", &[])
        .arg(scripts.join("swift-test.sh"))
        .arg(&toolchain)
        .arg(root())
        .arg(target_dir())
        .arg(lib_dir));
    eprintln!("swift tests took {:.1} s", started.elapsed().as_secs_f64());
    result
}
