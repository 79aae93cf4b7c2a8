//! `cargo xtask`: the project's build and test orchestration.
//!
//! | command | what it does |
//! | --- | --- |
//! | `cargo xtask test` | every test the project has (the README's test command, run by `.ci/run`) |
//! | `cargo xtask bench` | the criterion benchmarks |
//! | `cargo xtask main` | the README's main job |

use std::process::{exit, Command};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("bench") => run("cargo", &["bench", "--workspace"]),
        Some("main") => main_job(),
        _ => {
            eprintln!("usage: cargo xtask <test|bench|main>\n\n  test   run every test (Rust)\n  bench  run the criterion benchmarks\n  main   run the README's main job");
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
    run("cargo", &["test", "--workspace", "--locked", "--all-targets"])?;
    // Doc tests are not part of --all-targets.
    run("cargo", &["test", "--workspace", "--locked", "--doc"])?;
    Ok(())
}

fn main_job() -> Result<(), String> {
    run(
        "cargo",
        &["run", "--release", "--locked", "-p", "kairos-sim", "--", "run", "tests/scenarios/canonical-day.toml"],
    )
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program).args(args).status().map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} {} failed ({status})", args.join(" ")))
    }
}
