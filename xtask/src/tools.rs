//! The system tools the tests need, installed by xtask before any test runs:
//! no test installs anything itself.
//!
//! Each `ensure_*` is idempotent: it installs with apt-get (Debian; needs
//! root) only when the tool is missing from the `PATH`. `cargo xtask test`
//! then runs the tests with [`REQUIRE_TOOLS`] set, so that a test whose tool
//! is still missing fails (with the command that installs it) rather than
//! skipping; a developer's plain `cargo test` may skip, loudly.
//!
//! | tool | needed by | installed by |
//! | --- | --- | --- |
//! | `chromium` | `sim/tests/report.rs` (the HTML report, rendered headless) | [`ensure_chromium`] |
//! | `mvn`, `java` | the Kotlin binding tests and the Android demo's JVM check | [`ensure_maven`] |
//! | PostgreSQL | the backend's PostgreSQL storage tests | `backend/scripts/with-postgres.sh` |
//! | Swift | the Swift binding tests and the iOS demo | `bindings/swift/scripts/provision-toolchain.sh` |
//! | Rust target `aarch64-unknown-linux-gnu`, `aarch64-linux-gnu-gcc`, `qemu-aarch64` | `cargo xtask test-aarch64` (the core's tests on arm64) | [`ensure_aarch64`] |

use crate::cmd::{apt_install, apt_install_command, command, on_path, run};

/// Set to `1` for the test processes `cargo xtask test` starts: a test that
/// needs a system tool fails when the tool is missing instead of skipping.
pub const REQUIRE_TOOLS: &str = "KAIROS_REQUIRE_TOOLS";

/// The Rust target of 64-bit ARM Linux, for `cargo xtask test-aarch64`.
pub const AARCH64_TARGET: &str = "aarch64-unknown-linux-gnu";

/// Debian's cross C compiler for [`AARCH64_TARGET`]: links the test
/// binaries and compiles the bundled SQLite (and `ring`) for it.
pub const CROSS_GCC: &str = "aarch64-linux-gnu-gcc";

/// Installs Debian `packages` (with their recommended packages when
/// `recommends`) unless every program of `programs` is on the `PATH`;
/// fails, with the command to run by hand, when the installation does not
/// provide them.
fn ensure(programs: &[&str], packages: &[&str], recommends: bool) -> Result<(), String> {
    if programs.iter().all(|p| on_path(p)) {
        return Ok(());
    }
    let install = apt_install_command(packages, recommends);
    let args: Vec<_> = install.get_args().map(|a| a.to_string_lossy()).collect();
    let by_hand = format!("sudo apt-get {}", args.join(" "));
    eprintln!("xtask: {} missing: installing {}", programs.join(", "), packages.join(", "));
    apt_install(packages, recommends).map_err(|e| format!("{e}; install by hand: {by_hand}"))?;
    match programs.iter().find(|p| !on_path(p)) {
        Some(missing) => Err(format!("{missing} is still missing after `{by_hand}`")),
        None => Ok(()),
    }
}

/// Headless Chromium, to open the simulator's HTML report as a person
/// would. With its recommended packages: among them the fonts the report's
/// screenshot is drawn in.
pub fn ensure_chromium() -> Result<(), String> {
    ensure(&["chromium"], &["chromium"], true)
}

/// Maven and a JDK, for the Kotlin tests.
pub fn ensure_maven() -> Result<(), String> {
    ensure(&["mvn", "java"], &["maven", "default-jdk-headless"], false)
}

/// What `cargo xtask test-aarch64` needs: the Rust standard library for
/// arm64 Linux (`rustup target add`), Debian's cross compiler with the
/// arm64 C library, and `qemu-user` to run the test binaries.
pub fn ensure_aarch64() -> Result<(), String> {
    let target = AARCH64_TARGET;
    let installed = command("rustup", &["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("cannot run rustup to find the Rust target {target}: {e}"))?;
    if !String::from_utf8_lossy(&installed.stdout).lines().any(|t| t == target) {
        run(&mut command("rustup", &["target", "add", target]))?;
    }
    ensure(
        &[CROSS_GCC, "aarch64-linux-gnu-ar", "qemu-aarch64"],
        &["gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross", "qemu-user"],
        false,
    )
}

/// Every tool above that xtask installs itself (PostgreSQL and Swift are
/// the scripts' business), before `cargo xtask test` runs any test.
pub fn ensure_all() -> Result<(), String> {
    ensure_chromium()?;
    ensure_maven()?;
    ensure_aarch64()
}
