//! `cargo xtask test-swift`: the XCTest tests in `bindings/swift` (SwiftPM)
//! against the generated bindings and the host-built library.
//!
//! This Debian host has no Swift. `bindings/swift/scripts/provision-toolchain.sh`
//! builds a Debian trixie root with Debian's `swiftlang` once, cached outside
//! the clone in `~/.cache/kairos/swift-root` (or `$KAIROS_SWIFT_ROOT`);
//! `swift-test.sh` runs `swift test` inside it, with the workspace and the
//! target directory bind-mounted in a private mount namespace.

use crate::bindings;
use crate::cmd::{command, copy_if_changed, root, run, run_echoing_stdout, target_dir};
use std::path::PathBuf;
use std::time::Instant;

/// Where the Swift toolchain root is cached.
pub(crate) fn toolchain_root() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("KAIROS_SWIFT_ROOT") {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
    Ok(PathBuf::from(home).join(".cache/kairos/swift-root"))
}

/// Generates the bindings, provisions Swift if needed, and runs the tests.
pub fn test() -> Result<(), String> {
    let built = bindings::generate(false)?;
    bindings::build_backend()?;
    let package = root().join("bindings/swift");
    // SwiftPM compiles only files inside the package: copy the generated
    // ones in (they are git-ignored).
    copy_if_changed(&built.swift.join("Kairos.swift"), &package.join("Sources/Kairos/Kairos.swift"))?;
    copy_if_changed(&built.swift.join("KairosFFI.h"), &package.join("Sources/KairosFFI/KairosFFI.h"))?;

    let toolchain = toolchain_root()?;
    let scripts = package.join("scripts");
    run(command("bash", &[]).arg(scripts.join("provision-toolchain.sh")).arg(&toolchain))?;

    let lib_dir =
        built.lib_dir.strip_prefix(target_dir()).map_err(|_| "the library is outside the target directory")?;
    let started = Instant::now();
    let mut summary = None;
    let result = run_echoing_stdout(
        command("bash", &[])
            .arg(scripts.join("swift-test.sh"))
            .arg(&toolchain)
            .arg(root())
            .arg(target_dir())
            .arg(lib_dir),
        |line| {
            // XCTest's last "Executed N tests, with M failures" is the total.
            if let Some(counts) = executed_counts(line) {
                summary = Some(counts);
            }
        },
    );
    let (passed, failed) = summary.unwrap_or((0, 0));
    eprintln!("swift tests took {:.1} s", started.elapsed().as_secs_f64());
    println!("swift: {passed} passed, {failed} failed");
    result?;
    if passed == 0 {
        return Err("no Swift test ran".into());
    }
    Ok(())
}

/// `(passed, failed)` from an XCTest line `Executed N tests, with M failures ...`.
pub(crate) fn executed_counts(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("Executed ")?;
    let (tests, rest) = rest.split_once(" test")?;
    let failures = rest.split_once("with ")?.1.split(' ').next()?;
    let (tests, failures): (u64, u64) = (tests.parse().ok()?, failures.parse().ok()?);
    Some((tests.saturating_sub(failures), failures))
}
