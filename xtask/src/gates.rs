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
use std::process::{Command, Stdio};

/// One gate: its name, the command, the rustup component it needs, and
/// what to do when it fails.
struct Gate {
    name: &'static str,
    command: fn() -> Command,
    component: Option<(&'static str, &'static str)>,
    fix: &'static str,
}

const GATES: [Gate; 3] = [
    Gate {
        name: "fmt",
        command: fmt,
        component: Some(("fmt", "rustfmt")),
        fix: "the files listed above (Diff in ...) are not formatted as rustfmt.toml says: \
              run `cargo fmt --all` and commit the result",
    },
    Gate {
        name: "clippy",
        command: clippy,
        component: Some(("clippy", "clippy")),
        fix: "fix the warnings above (many with `cargo clippy --workspace --all-targets --fix --allow-dirty`), \
              then check with `cargo xtask lint clippy`; the lint set is [workspace.lints] in Cargo.toml",
    },
    Gate {
        name: "doc",
        command: doc,
        component: None,
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

/// Whether `cargo {subcommand} --version` runs (rustfmt and clippy are
/// rustup components, absent from its minimal profile).
fn cargo_has(subcommand: &str) -> bool {
    command("cargo", &[subcommand, "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
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
    // Each failed gate, with how to fix it.
    let mut failed: Vec<(&str, String)> = Vec::new();
    for gate in GATES.iter().filter(|g| only.is_empty() || only.contains(&g.name)) {
        eprintln!("xtask: gate `{}`", gate.name);
        if let Some((subcommand, component)) = gate.component {
            if !cargo_has(subcommand) {
                eprintln!("xtask: gate `{}` FAILED: `cargo {subcommand}` is not installed", gate.name);
                failed.push((gate.name, format!("install it with `rustup component add {component}`")));
                continue;
            }
        }
        if let Err(e) = run(&mut (gate.command)()) {
            eprintln!("xtask: gate `{}` FAILED: {e}", gate.name);
            failed.push((gate.name, gate.fix.to_string()));
        }
    }
    if failed.is_empty() {
        eprintln!("xtask: every gate passed");
        return Ok(());
    }
    let names: Vec<String> = failed.iter().map(|(name, _)| format!("`{name}`")).collect();
    let gates = if failed.len() == 1 { "gate" } else { "gates" };
    let mut message = format!("{gates} {} failed; to fix locally:", names.join(", "));
    for (name, fix) in &failed {
        message.push_str(&format!("\n  - {name}: {fix}"));
    }
    Err(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_gate_is_refused_with_the_list_before_anything_runs() {
        let err = run_gates(&["fmt", "lints"]).unwrap_err();
        assert_eq!(err, "lint: no gate \"lints\"; the gates are fmt, clippy, doc");
    }

    #[test]
    fn the_gates_deny_warnings() {
        let args = |c: Command| c.get_args().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ");
        assert_eq!(args(fmt()), "fmt --all --check");
        assert_eq!(args(clippy()), "clippy --workspace --all-targets --locked -- -D warnings");
        let doc = doc();
        let flags = doc.get_envs().find(|(k, _)| *k == "RUSTDOCFLAGS").and_then(|(_, v)| v).unwrap();
        assert!(flags.to_string_lossy().ends_with("-D warnings"));
        assert_eq!(args(doc), "doc --workspace --no-deps --locked");
    }
}
