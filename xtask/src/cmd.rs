//! Running commands and locating the workspace.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lies inside the workspace").to_path_buf()
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, or `target/` in the root).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// Defaults `cmd`'s directory to the workspace root, echoes it, and returns
/// it as text for messages.
fn prepare(cmd: &mut Command) -> String {
    if cmd.get_current_dir().is_none() {
        cmd.current_dir(root());
    }
    let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy()).collect();
    let shown = format!("{} {}", cmd.get_program().to_string_lossy(), args.join(" "));
    eprintln!("$ {shown}");
    shown
}

/// Runs `cmd` in the workspace root, echoing it; fails on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let shown = prepare(cmd);
    let status = cmd.status().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// Like [`run`], but echoes the command's standard output line by line
/// through `each_line` as well, for commands whose results must be read.
pub fn run_echoing_stdout(cmd: &mut Command, mut each_line: impl FnMut(&str)) -> Result<(), String> {
    use std::io::{BufRead, BufReader};
    let shown = prepare(cmd);
    let mut child =
        cmd.stdout(std::process::Stdio::piped()).spawn().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            each_line(&line);
        }
    }
    let status = child.wait().map_err(|e| format!("cannot wait for {shown}: {e}"))?;
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
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The apt-get command that installs Debian `packages`, with their
/// recommended packages or without.
pub fn apt_install_command(packages: &[&str], recommends: bool) -> Command {
    let mut install = command("apt-get", &["install", "-y", "-q"]);
    if !recommends {
        install.arg("--no-install-recommends");
    }
    install.args(packages).env("DEBIAN_FRONTEND", "noninteractive");
    install
}

/// Installs Debian `packages` with apt-get (non-interactive; needs root),
/// with their recommended packages or without.
pub fn apt_install(packages: &[&str], recommends: bool) -> Result<(), String> {
    run(command("apt-get", &["update", "-q"]).env("DEBIAN_FRONTEND", "noninteractive"))?;
    run(&mut apt_install_command(packages, recommends))
}

/// Copies file `src` to `dst` (creating its directory) unless `dst` already
/// has the same content, so that incremental builds stay incremental.
pub fn copy_if_changed(src: &Path, dst: &Path) -> Result<(), String> {
    let content = std::fs::read(src).map_err(|e| format!("cannot read {}: {e}", src.display()))?;
    if std::fs::read(dst).is_ok_and(|old| old == content) {
        return Ok(());
    }
    if let Some(parent) = dst.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(dst, content).map_err(|e| format!("cannot write {}: {e}", dst.display()))
}

/// Passed and failed test counts from the first `<testsuite>` of a JUnit
/// XML report (Surefire, or `swift test --xunit-output`); zeros if there is
/// no readable report.
pub fn xunit_counts(report: &Path) -> (u64, u64) {
    let Ok(xml) = std::fs::read_to_string(report) else {
        return (0, 0);
    };
    let Some(tag) = xml.find("<testsuite ").and_then(|i| xml[i..].split('>').next()) else {
        return (0, 0);
    };
    let attr = |name: &str| -> u64 {
        let key = format!(" {name}=\"");
        tag.find(&key).and_then(|i| tag[i + key.len()..].split('"').next()).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    let failed = attr("failures") + attr("errors");
    (attr("tests").saturating_sub(failed + attr("skipped")), failed)
}
