//! `cargo xtask crash-test --kills N [--seed S]`: the crash-and-kill test.
//!
//! The work is done by the `crash-test` binary of `kairos-e2e`
//! (`tests/src/bin/crash-test/`), built in the dev profile (the one the
//! workspace tests already build): it runs the engine in a child process,
//! kills it with SIGKILL at seeded random moments, and checks the data
//! directory and the backend after each kill. `docs/RELIABILITY.md`
//! describes the checks.

use crate::cmd::{command, run};

/// Runs the crash test with the given arguments (`--kills N`, `--seed S`).
pub fn run_crash_test(args: &[&str]) -> Result<(), String> {
    let mut i = 0;
    while i < args.len() {
        match args[i] {
            "--kills" | "--seed" | "--max-delay-ms" => {
                let value = args.get(i + 1).ok_or(format!("{} needs a value", args[i]))?;
                value.parse::<u64>().map_err(|_| format!("{} takes a number, not {value:?}", args[i]))?;
                i += 2;
            }
            other => return Err(format!("crash-test: unknown argument {other:?}")),
        }
    }
    let mut cmd = command("cargo", &["run", "--locked", "-q", "-p", "kairos-e2e", "--bin", "crash-test", "--"]);
    cmd.args(args);
    run(&mut cmd)
}
