//! `cargo xtask test-aarch64`: the core's tests on the phones' CPU. Phones
//! run arm64; the engine is developed on x86_64. This cross-compiles
//! `kairos-core` (its library and integration tests, with the bundled
//! SQLite) for `aarch64-unknown-linux-gnu` with Debian's cross compiler and
//! runs every test binary under `qemu-user`, so that arithmetic, hashing
//! (the holdout buckets), alignment and SQLite are checked on arm64 too.
//! `cargo xtask test` runs it after the host's tests; the time it adds is
//! in `docs/PERFORMANCE.md`.
//!
//! The tools ([`crate::tools::ensure_aarch64`]: the Rust target, Debian's
//! `gcc-aarch64-linux-gnu`, `libc6-dev-arm64-cross` and `qemu-user`) are
//! installed by `cargo xtask tools`, which `cargo xtask test` runs first.

use crate::cmd::{command, run};
use crate::tools::{self, AARCH64_TARGET as TARGET, CROSS_GCC};

/// Runs an arm64 binary on this host: `qemu-user`, with the arm64 C
/// library of `libc6-dev-arm64-cross` as its root for the dynamic loader.
pub const RUNNER: &str = "qemu-aarch64 -L /usr/aarch64-linux-gnu";

/// Cross-compiles `kairos-core`'s library and integration tests for
/// [`TARGET`] and runs them under qemu; fails on the first failing test.
pub fn test() -> Result<(), String> {
    tools::ensure_aarch64()?;
    let mut cargo =
        command("cargo", &["test", "-p", "kairos-core", "--locked", "--target", TARGET, "--lib", "--tests"]);
    cargo
        .env("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER", CROSS_GCC)
        .env("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER", RUNNER)
        .env("CC_aarch64_unknown_linux_gnu", CROSS_GCC)
        .env("AR_aarch64_unknown_linux_gnu", "aarch64-linux-gnu-ar")
        .env(tools::REQUIRE_TOOLS, "1");
    run(&mut cargo)
}
