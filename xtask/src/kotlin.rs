//! `cargo xtask test-kotlin`: the Kotlin tests in `bindings/kotlin` (Maven,
//! JUnit 5) against the generated bindings and the host-built library.
//!
//! Maven keeps its artifacts in the default `~/.m2`. The first run for a
//! given `pom.xml` resolves them online; once it has passed, a stamp in
//! `~/.m2` makes later runs use `-o` (offline), so they need no network.

use crate::bindings::{self, Built};
use crate::cmd::{command, root, run, target_dir, xunit_counts};
use crate::tools;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Checks that the doc's Kotlin blocks are compiled by the tests
/// ([`crate::snippets`]), generates the bindings, then builds and runs the
/// Kotlin tests.
pub fn test() -> Result<(), String> {
    crate::snippets::check("kotlin")?;
    let built = bindings::generate(false)?;
    bindings::build_backend()?;
    maven_test("kotlin", &root().join("bindings/kotlin/pom.xml"), &target_dir().join("kotlin"), &built, &[])
}

/// Runs `mvn test` on `pom` against the generated bindings and the host
/// library (`kairos.bindings.dir`, `kairos.lib.dir`, `kairos.build.dir`, and
/// the `extra` properties), offline once the pom has resolved online, and
/// prints `{label}: N passed, N failed`. Fails when a test fails or none ran.
pub(crate) fn maven_test(
    label: &str,
    pom: &Path,
    build_dir: &Path,
    built: &Built,
    extra: &[(&str, &Path)],
) -> Result<(), String> {
    maven_test_in(label, pom, build_dir, built, extra, &mut command("mvn", &["-B", "-q", "-f"]))
}

/// [`maven_test`] with the `mvn` command `mvn` (its environment set by the
/// caller).
pub(crate) fn maven_test_in(
    label: &str,
    pom: &Path,
    build_dir: &Path,
    built: &Built,
    extra: &[(&str, &Path)],
    mvn: &mut Command,
) -> Result<(), String> {
    tools::ensure_maven()?;
    let stamp = offline_stamp(pom)?;
    mvn.arg(pom)
        .arg(format!("-Dkairos.bindings.dir={}", built.kotlin.display()))
        .arg(format!("-Dkairos.lib.dir={}", built.lib_dir.display()))
        .arg(format!("-Dkairos.build.dir={}", build_dir.display()));
    for (name, value) in extra {
        mvn.arg(format!("-D{name}={}", value.display()));
    }
    if stamp.exists() {
        mvn.arg("-o");
    }
    mvn.arg("test");
    let reports = build_dir.join("surefire-reports");
    let _ = std::fs::remove_dir_all(&reports);
    let started = Instant::now();
    let result = run(mvn);
    let (passed, failed) = surefire_counts(&reports);
    eprintln!("{label} tests took {:.1} s", started.elapsed().as_secs_f64());
    println!("{label}: {passed} passed, {failed} failed");
    result?;
    if passed == 0 {
        return Err(format!("no {label} test ran"));
    }
    std::fs::write(&stamp, b"").map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// Compiles the package's Kotlin (the generated bindings and
/// `bindings/kotlin/src/main`) with Maven, without the tests, and returns
/// the jar of its classes (the AAR's `classes.jar`).
pub(crate) fn maven_jar(built: &Built) -> Result<PathBuf, String> {
    maven_jar_of(built, &root().join("bindings/kotlin/pom.xml"), &target_dir().join("kotlin-package"))
}

/// Compiles the Maven project `pom` (without its tests) in `build_dir` and
/// returns the jar of its classes.
pub(crate) fn maven_jar_of(built: &Built, pom: &Path, build_dir: &Path) -> Result<PathBuf, String> {
    tools::ensure_maven()?;
    let mut mvn = command("mvn", &["-B", "-q", "-f"]);
    mvn.arg(pom)
        .arg(format!("-Dkairos.bindings.dir={}", built.kotlin.display()))
        .arg(format!("-Dkairos.lib.dir={}", built.lib_dir.display()))
        .arg(format!("-Dkairos.build.dir={}", build_dir.display()))
        .arg("-Dmaven.test.skip=true");
    // Online: packaging needs Maven's jar plugin, which the tests' offline
    // runs never resolve (and packaging is a release step, with network).
    run(mvn.arg("package"))?;
    let jar = std::fs::read_dir(build_dir)
        .map_err(|e| format!("cannot read {}: {e}", build_dir.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "jar"))
        .ok_or_else(|| format!("Maven left no jar in {}", build_dir.display()))?;
    Ok(jar)
}

/// The stamp that says `pom`, as it is now, has resolved online before.
fn offline_stamp(pom: &Path) -> Result<PathBuf, String> {
    let text = std::fs::read(pom).map_err(|e| format!("cannot read {}: {e}", pom.display()))?;
    // FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
    let hash = text.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
    let dir = Path::new(&home).join(".m2/repository/.kairos-offline");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir.join(format!("{hash:016x}")))
}

/// Passed and failed test counts from Surefire's XML reports.
fn surefire_counts(dir: &Path) -> (u64, u64) {
    let mut total = (0, 0);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with("TEST-") {
            let (passed, failed) = xunit_counts(&entry.path());
            total = (total.0 + passed, total.1 + failed);
        }
    }
    total
}
