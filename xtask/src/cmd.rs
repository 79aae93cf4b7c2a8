//! Running commands and locating the workspace.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lies inside the workspace")
        .to_path_buf()
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, or `target/` in the root).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// Runs `cmd` in the workspace root, echoing it; fails on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    if cmd.get_current_dir().is_none() {
        cmd.current_dir(root());
    }
    let shown = format!(
        "{} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args()
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    );
    eprintln!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// A `Command` for `program` with `args`.
pub fn command(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
    let mut c = Command::new(program);
    c.args(args);
    c
}

/// Whether `program` is on the `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Installs Debian `packages` with apt-get (non-interactive; needs root).
pub fn apt_install(packages: &[&str]) -> Result<(), String> {
    run(command("apt-get", &["update", "-q"]).env("DEBIAN_FRONTEND", "noninteractive"))?;
    run(command(
        "apt-get",
        &["install", "-y", "-q", "--no-install-recommends"],
    )
    .args(packages)
    .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Copies file `src` to `dst`, creating `dst`'s directory.
pub fn copy_file(src: &Path, dst: &Path) -> Result<(), String> {
    if let Some(parent) = dst.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::copy(src, dst)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", src.display(), dst.display()))
}
