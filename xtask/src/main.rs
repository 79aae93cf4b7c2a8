//! `cargo xtask`: the project's build and test orchestration.
//!
//! | command | what it does |
//! | --- | --- |
//! | `cargo xtask test` | the gates of `lint`, then every test the project has (the README's test command, run by `.ci/run`): Rust, the core's tests on arm64 under qemu, the crash test (50 kills), the backend on PostgreSQL, Kotlin, the Android platform layer (Robolectric), the sample consumer of the Maven artifacts, Swift, the demos, the library size |
//! | `cargo xtask lint [fmt\|clippy\|doc]...` | the CI gates alone ([`gates`]): `cargo fmt --all --check`, `cargo clippy --workspace --all-targets --locked -- -D warnings`, `cargo doc --workspace --no-deps --locked` with `RUSTDOCFLAGS="-D warnings"`; all three, or the ones named |
//! | `cargo xtask tools` | installs the system tools the tests need when they are missing ([`tools`]; `test` does it first) |
//! | `cargo xtask test-aarch64` | `kairos-core`'s library and integration tests cross-compiled for `aarch64-unknown-linux-gnu` and run under `qemu-user` ([`aarch64`]) |
//! | `cargo xtask bindings [--release]` | builds `libkairos_ffi` and generates Kotlin and Swift into `target/bindings/` |
//! | `cargo xtask test-kotlin` | the Kotlin binding tests (Maven) |
//! | `cargo xtask test-android` | the Robolectric tests of the Android platform layer `kairos-android` (Maven) |
//! | `cargo xtask test-swift` | the Swift binding tests (SwiftPM; provisions a Swift toolchain once) |
//! | `cargo xtask test-demos` | the demo apps: Android sources compiled against android-all, their logic's JVM and SwiftPM tests |
//! | `cargo xtask test-consumer` | `cargo xtask package`, then the sample consumer `tests/consumer-android` against its Maven repository ([`consumer`]) |
//! | `cargo xtask size` | builds the release `libkairos_ffi` for this host and checks its stripped size |
//! | `cargo xtask android [--dry-run]` | `libkairos_ffi.so` for the Android ABIs and the Kotlin, in `target/android/` |
//! | `cargo xtask package [--release]` | the Maven artifacts (`dev.kairos:kairos` AAR, `dev.kairos:kairos-android` AAR, `dev.kairos:kairos-forUnitTests` desktop jar) in `target/package/maven` |
//! | `cargo xtask apple [--dry-run]` | the iOS XCFramework and the Swift package, in `target/apple/` (macOS) |
//! | `cargo xtask bench` | the criterion benchmarks |
//! | `cargo xtask crash-test --kills N [--seed S]` | kills the engine N times at random moments and checks nothing acknowledged is lost or duplicated (docs/RELIABILITY.md) |
//! | `cargo xtask fuzz-build` | builds the cargo fuzz targets (docs/FUZZING.md) |
//! | `cargo xtask main` | the README's main job |
//!
//! `cargo xtask test` installs the system tools the tests need before any
//! test runs ([`tools`]; no test installs anything), and runs the tests with
//! `KAIROS_REQUIRE_TOOLS=1`, so that a test whose tool is missing fails
//! instead of skipping.

#![forbid(unsafe_code)]

mod aarch64;
mod bindings;
mod cmd;
mod consumer;
mod crash;
mod demos;
mod fuzz;
mod gates;
mod kotlin;
mod kotlin_android;
mod maven;
mod package;
mod size;
mod snippets;
mod swift;
mod tools;

use cmd::{command, run};
use std::process::{exit, Command};

const USAGE: &str = "usage: cargo xtask <command>

  test                 run the gates of `lint`, then every test: Rust (and the core's on arm64), crash test, PostgreSQL backend,
                       Kotlin and Swift bindings, demos, library size
  lint [GATE]...       run the CI gates (all, or the ones named): fmt (cargo fmt --all --check),
                       clippy (cargo clippy --workspace --all-targets --locked -- -D warnings),
                       doc (cargo doc --workspace --no-deps --locked, RUSTDOCFLAGS=\"-D warnings\")
  tools                install the system tools the tests need when missing (Chromium, Maven, a JDK, the arm64
                       Rust target, cross compiler and qemu-user; apt-get, rustup)
  test-aarch64         cross-compile kairos-core's tests for aarch64-unknown-linux-gnu and run them under qemu
  bindings [--release] build libkairos_ffi and generate Kotlin and Swift into target/bindings/
  test-kotlin          run the Kotlin binding tests (Maven)
  test-android         run the Robolectric tests of the Android platform layer (Maven)
  test-swift           run the Swift binding tests (provisions Swift on first use)
  test-demos           check the Android and iOS demo apps and test their logic
  test-consumer        package the Maven artifacts, then test the sample consumer (tests/consumer-android) against them
  size                 build the release libkairos_ffi and check its stripped size
  android [--dry-run]  build libkairos_ffi for the Android ABIs, with the Kotlin, into target/android/
  package [--release]  the Maven artifacts (AARs of the bindings and kairos-android, desktop jar for JVM unit tests) into target/package/maven
  apple [--dry-run]    build the iOS XCFramework, with the Swift, into target/apple/ (macOS)
  bench                run the criterion benchmarks
  crash-test --kills N [--seed S]
                       kill the engine N times at random moments; check nothing acknowledged is lost or duplicated
  fuzz-build           build the cargo fuzz targets (nightly and cargo-fuzz; docs/FUZZING.md)
  main                 run the README's main job";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["test"] => test(),
        ["lint", gates @ ..] => gates::run_gates(gates),
        ["tools"] => tools::ensure_all(),
        ["test-aarch64"] => aarch64::test(),
        ["bindings"] => bindings::generate(false).map(drop),
        ["bindings", "--release"] => bindings::generate(true).map(drop),
        ["test-kotlin"] => kotlin::test(),
        ["test-android"] => kotlin_android::test(),
        ["test-swift"] => swift::test(),
        ["test-demos"] => demos::test(),
        ["test-consumer"] => consumer::test(),
        ["size"] => size::check(),
        ["android"] => package::android(false),
        ["android", "--dry-run"] => package::android(true),
        ["package"] => package::package(false),
        ["package", "--release"] => package::package(true),
        ["apple"] => package::apple(false),
        ["apple", "--dry-run"] => package::apple(true),
        ["bench"] => run(&mut command("cargo", &["bench", "--workspace"])),
        ["main"] => main_job(),
        ["fuzz-build"] => fuzz::build(),
        ["crash-test", rest @ ..] => crash::run_crash_test(rest),
        _ => {
            eprintln!("{USAGE}");
            exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("xtask: {e}");
        exit(1);
    }
}

/// The gates, then every test suite, in order; stops at the first failure.
fn test() -> Result<(), String> {
    // The gates first: they take a fraction of the tests' time.
    gates::run_gates(&[])?;
    // Then the system tools, so that no test installs anything.
    tools::ensure_all()?;
    run(&mut requiring_tools(&["test", "--workspace", "--locked", "--all-targets"]))?;
    // Doc tests are not part of --all-targets.
    run(&mut requiring_tools(&["test", "--workspace", "--locked", "--doc"]))?;
    // The core's tests again on the phones' CPU (arm64, under qemu).
    aarch64::test()?;
    // Kill the engine at random moments; nothing acknowledged lost or doubled.
    crash::run_crash_test(&["--kills", "50"])?;
    // The backend's PostgreSQL storage, against a real server on loopback
    // (the script installs and starts one, then removes it).
    let mut postgres = command(
        "bash",
        &["backend/scripts/with-postgres.sh", "cargo", "test", "-p", "kairos-backend", "--locked", "--all-targets"],
    );
    run(postgres.env(tools::REQUIRE_TOOLS, "1"))?;
    kotlin::test()?;
    kotlin_android::test()?;
    // The published artifacts, as an app's build takes them.
    consumer::test()?;
    swift::test()?;
    demos::test()?;
    // The app library's size, in the shipped profile.
    size::check()
}

/// `cargo` with `args`, for tests that must fail, not skip, when a tool
/// they need is missing ([`tools::REQUIRE_TOOLS`]).
fn requiring_tools(args: &[&str]) -> Command {
    let mut cargo = command("cargo", args);
    cargo.env(tools::REQUIRE_TOOLS, "1");
    cargo
}

fn main_job() -> Result<(), String> {
    run(&mut command(
        "cargo",
        &[
            "run",
            "--release",
            "--locked",
            "-p",
            "kairos-sim",
            "--",
            "run",
            "tests/scenarios/canonical-day.toml",
            "--sync",
            "embedded",
        ],
    ))
}
