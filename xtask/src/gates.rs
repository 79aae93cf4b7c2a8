//! `cargo xtask lint [fmt|clippy|doc]`: the CI gates, also run first by
//! `cargo xtask test`.
//!
//! | gate | command | passes when |
//! | --- | --- | --- |
//! | `fmt` | `cargo fmt --all --check` | every file is as `rustfmt.toml` formats it |
//! | `clippy` | `cargo clippy --workspace --all-targets --locked -- -D warnings` | no compiler or clippy warning in any target (the lint set is the workspace `Cargo.toml`'s `[workspace.lints]`) |
//! | `doc` | `cargo doc --workspace --no-deps --locked` with `RUSTDOCFLAGS="-D warnings"` | no rustdoc warning (broken intra-doc links, bad HTML in docs, ...) |
//!
//! Every selected gate runs, even after one has failed, so that one run
//! shows everything to fix; then the command fails, naming the gates that
//! failed and how to fix each locally.

use crate::cmd::{command, run};
use std::process::Command;

/// One gate: its name, the command, and what to do when it fails.
struct Gate {
    name: &'static str,
    command: fn() -> Command,
    fix: &'static str,
}

const GATES: [Gate; 3] = [
    Gate {
        name: "fmt",
        command: fmt,
        fix: "the files listed above (Diff in ...) are not formatted as rustfmt.toml says: \
              run `cargo fmt --all` and commit the result",
    },
    Gate {
        name: "clippy",
        command: clippy,
        fix: "fix the warnings above (many with `cargo clippy --workspace --all-targets --fix --allow-dirty`), \
              then check with `cargo xtask lint clippy`; the lint set is [workspace.lints] in Cargo.toml",
    },
    Gate {
        name: "doc",
        command: doc,
        fix: "fix the rustdoc warnings above (broken intra-doc links, unescaped `<` or `[` in doc comments, ...), \
              then check with `cargo xtask lint doc` \
              (which runs `RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps --locked`)",
    },
];

fn fmt() -> Command {
    command("cargo", &["fmt", "--all", "--check"])
}

fn clippy() -> Command {
    command("cargo", &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])
}

fn doc() -> Command {
    let mut flags = std::env::var("RUSTDOCFLAGS").unwrap_or_default();
    if !flags.is_empty() {
        flags.push(' ');
    }
    flags.push_str("-D warnings");
    let mut cmd = command("cargo", &["doc", "--workspace", "--no-deps", "--locked"]);
    cmd.env("RUSTDOCFLAGS", flags);
    cmd
}

/// The names of the gates, for the usage text and error messages.
pub fn names() -> Vec<&'static str> {
    GATES.iter().map(|g| g.name).collect()
}

/// Runs the gates named in `only` (every gate when it is empty); fails,
/// naming each gate that failed and how to fix it, when any does.
pub fn run_gates(only: &[&str]) -> Result<(), String> {
    for name in only {
        if !GATES.iter().any(|g| g.name == *name) {
            return Err(format!("lint: no gate {name:?}; the gates are {}", names().join(", ")));
        }
    }
    let mut failed = Vec::new();
    for gate in GATES.iter().filter(|g| only.is_empty() || only.contains(&g.name)) {
        eprintln!("xtask: gate `{}`", gate.name);
        if let Err(e) = run(&mut (gate.command)()) {
            eprintln!("xtask: gate `{}` FAILED: {e}", gate.name);
            failed.push(gate);
        }
    }
    if failed.is_empty() {
        eprintln!("xtask: every gate passed");
        return Ok(());
    }
    let mut message =
        format!("{} failed:", failed.iter().map(|g| format!("gate `{}`", g.name)).collect::<Vec<_>>().join(", "));
    for gate in &failed {
        message.push_str(&format!("\n  - {}: {}", gate.name, gate.fix));
    }
    Err(message)
}
