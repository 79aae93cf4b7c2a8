//! `cargo xtask test-swift`: the XCTest tests in `bindings/swift` (SwiftPM)
//! against the generated bindings and the host-built library.
//!
//! This Debian host has no Swift. `bindings/swift/scripts/provision-toolchain.sh`
//! builds a Debian trixie root with Debian's `swiftlang` once, cached outside
//! the clone in `~/.cache/kairos/swift-root` (or `$KAIROS_SWIFT_ROOT`);
//! `swift-test.sh` runs `swift test` inside it, with the workspace and the
//! target directory bind-mounted in a private mount namespace; `test-demos`
//! runs the iOS demo's package through the same script.

use crate::bindings::{self, Built};
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

/// Checks that the doc's Swift blocks are compiled by the tests
/// ([`crate::snippets`]), generates the bindings, provisions Swift if
/// needed, and runs the tests.
pub fn test() -> Result<(), String> {
    crate::snippets::check("swift")?;
    let built = bindings::generate(false)?;
    bindings::build_backend()?;
    package_test("swift", "bindings/swift", "swift", &built)
}

/// Runs `swift test` in the SwiftPM package at `package` (relative to the
/// workspace; SwiftPM's build directory is `target/{scratch}`) in the
/// toolchain root, provisioned if needed, with the generated bindings copied
/// into `bindings/swift` (which `package` is or depends on), and prints
/// `{label}: N passed, N failed`. Fails when a test fails or none ran.
pub(crate) fn package_test(label: &str, package: &str, scratch: &str, built: &Built) -> Result<(), String> {
    let bindings_package = root().join("bindings/swift");
    // SwiftPM compiles only files inside the package: copy the generated
    // ones in (they are git-ignored).
    copy_if_changed(&built.swift.join("Kairos.swift"), &bindings_package.join("Sources/Kairos/Kairos.swift"))?;
    copy_if_changed(&built.swift.join("KairosFFI.h"), &bindings_package.join("Sources/KairosFFI/KairosFFI.h"))?;

    let toolchain = toolchain_root()?;
    let scripts = bindings_package.join("scripts");
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
            .arg(lib_dir)
            .env("KAIROS_SWIFT_PACKAGE", package)
            .env("KAIROS_SWIFT_SCRATCH", scratch),
        |line| {
            // XCTest's last "Executed N tests, with M failures" is the total.
            if let Some(counts) = executed_counts(line) {
                summary = Some(counts);
            }
        },
    );
    let (passed, failed) = summary.unwrap_or((0, 0));
    eprintln!("{label} tests took {:.1} s", started.elapsed().as_secs_f64());
    println!("{label}: {passed} passed, {failed} failed");
    result?;
    if passed == 0 {
        return Err(format!("no {label} test ran"));
    }
    Ok(())
}

/// `(passed, failed)` from an XCTest line `Executed N tests, with M failures ...`.
fn executed_counts(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("Executed ")?;
    let (tests, rest) = rest.split_once(" test")?;
    let failures = rest.split_once("with ")?.1.split(' ').next()?;
    let (tests, failures): (u64, u64) = (tests.parse().ok()?, failures.parse().ok()?);
    Some((tests.saturating_sub(failures), failures))
}
