//! `cargo xtask`: the project's build and test orchestration.
//!
//! | command | what it does |
//! | --- | --- |
//! | `cargo xtask test` | every test the project has (the README's test command, run by `.ci/run`): Rust, then Kotlin, then Swift |
//! | `cargo xtask bindings [--release]` | builds `libkairos_ffi` and generates Kotlin and Swift into `target/bindings/` |
//! | `cargo xtask test-kotlin` | the Kotlin binding tests (Maven) |
//! | `cargo xtask test-swift` | the Swift binding tests (SwiftPM; provisions a Swift toolchain once) |
//! | `cargo xtask bench` | the criterion benchmarks |
//! | `cargo xtask main` | the README's main job |

mod bindings;
mod cmd;
mod kotlin;
mod swift;

use cmd::{command, run};
use std::process::exit;

const USAGE: &str = "usage: cargo xtask <command>

  test                 run every test: Rust, Kotlin bindings, Swift bindings
  bindings [--release] build libkairos_ffi and generate Kotlin and Swift into target/bindings/
  test-kotlin          run the Kotlin binding tests (Maven)
  test-swift           run the Swift binding tests (provisions Swift on first use)
  bench                run the criterion benchmarks
  main                 run the README's main job";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["test"] => test(),
        ["bindings"] => bindings::generate(false).map(drop),
        ["bindings", "--release"] => bindings::generate(true).map(drop),
        ["test-kotlin"] => kotlin::test(),
        ["test-swift"] => swift::test(),
        ["bench"] => run(&mut command("cargo", &["bench", "--workspace"])),
        ["main"] => main_job(),
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

/// Every test suite, in order; stops at the first failure.
fn test() -> Result<(), String> {
    run(&mut command("cargo", &["test", "--workspace", "--locked", "--all-targets"]))?;
    // Doc tests are not part of --all-targets.
    run(&mut command("cargo", &["test", "--workspace", "--locked", "--doc"]))?;
    // The backend's PostgreSQL storage, against a real server on loopback
    // (the script installs and starts one, then removes it).
    run(&mut command(
        "bash",
        &["backend/scripts/with-postgres.sh", "cargo", "test", "-p", "kairos-backend", "--locked", "--all-targets"],
    ))?;
    kotlin::test()?;
    swift::test()
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
