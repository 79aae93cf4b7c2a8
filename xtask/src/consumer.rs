//! `cargo xtask test-consumer`: the sample consumer project
//! `tests/consumer-android` (Maven) against the Maven repository that
//! `cargo xtask package` writes, as an app team would take Kairos: by
//! coordinates (`dev.kairos:kairos`, `dev.kairos:kairos-android`,
//! `dev.kairos:kairos-forUnitTests`), nothing from the workspace's sources.
//!
//! The Kairos artifacts are resolved through a local repository inside the
//! consumer's build directory, emptied before each run, so a copy cached by
//! an earlier run (or in `~/.m2`) is never tested instead of the one just
//! packaged. Offline once `~/.m2` holds the third-party artifacts, as
//! `test-kotlin`; the `file://` repository stays reachable offline.

use crate::cmd::{command, root, run, target_dir};
use crate::{bindings, kotlin, package};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The consumer's executions that fetch the artifacts before the build
/// (see [`fetch`]).
const FETCH: [&str; 2] = ["dependency:copy@copy-kairos", "dependency:copy@copy-robolectric-aars"];

/// The AARs [`fetch`] copies, unzipped into `aar/<name>/`.
const AARS: [&str; 4] = ["kairos", "kairos-android", "monitor", "idling"];

/// What an AAR gives a JVM build: its classes, and what the tests read of it.
const AAR_ENTRIES: [&str; 3] = ["classes.jar", "AndroidManifest.xml", "proguard.txt"];

/// Packages the artifacts, then builds and runs the consumer's tests against them.
pub fn test() -> Result<(), String> {
    let started = Instant::now();
    package::package(false)?;
    eprintln!("consumer: packaging took {:.1} s", started.elapsed().as_secs_f64());
    let build = target_dir().join("consumer-android");
    for stale in ["kairos-m2", "artifacts", "aar"].map(|d| build.join(d)) {
        if stale.exists() {
            std::fs::remove_dir_all(&stale).map_err(|e| format!("cannot empty {}: {e}", stale.display()))?;
        }
    }
    let built = bindings::generate(false)?;
    let repo = target_dir().join("package/maven");
    fetch(&pom(), &build, &repo)?;
    // `cargo run` puts target/debug on LD_LIBRARY_PATH, where JNA would
    // find the library without the desktop jar: an app's build has no such path.
    let mut mvn = command("mvn", &["-B", "-q", "-f"]);
    mvn.env_remove("LD_LIBRARY_PATH");
    kotlin::maven_test_in(
        "consumer-android",
        &pom(),
        &build,
        &built,
        &[
            ("kairos.repo", &repo),
            // Maven's offline mode (-o) refuses every remote repository; this
            // one is a directory on this machine.
            ("aether.offline.protocols", Path::new("file")),
        ],
        &mut mvn,
    )
}

fn pom() -> PathBuf {
    root().join("tests/consumer-android/pom.xml")
}

/// Copies the artifacts by coordinates, in a Maven run of those executions
/// alone, then unzips each AAR's `classes.jar` (and manifest and rules) into
/// `aar/<name>/`: the build declares the unpacked jars as dependencies, and
/// Maven resolves every dependency before the first step of a lifecycle, so
/// within `mvn test` they would not exist yet (and Maven has no AAR
/// unarchiver). Offline first (everything but the Kairos artifacts is in
/// `~/.m2` after one run), online if that fails.
fn fetch(pom: &Path, build: &Path, repo: &Path) -> Result<(), String> {
    let attempt = |offline: bool| {
        let mut mvn = command("mvn", &["-B", "-q", "-f"]);
        mvn.arg(pom)
            .arg(format!("-Dkairos.build.dir={}", build.display()))
            .arg(format!("-Dkairos.repo={}", repo.display()))
            .arg("-Daether.offline.protocols=file")
            .args(FETCH);
        if offline {
            mvn.arg("-o");
        }
        run(&mut mvn)
    };
    attempt(true).or_else(|_| attempt(false))?;
    for name in AARS {
        let aar = build.join("artifacts").join(format!("{name}.aar"));
        let dir = build.join("aar").join(name);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let present: Vec<String> = crate::maven::entries(&aar)?;
        let wanted: Vec<&str> = AAR_ENTRIES.into_iter().filter(|e| present.iter().any(|p| p == e)).collect();
        if !wanted.contains(&"classes.jar") {
            return Err(format!("{} has no classes.jar", aar.display()));
        }
        run(command("jar", &["--extract", "--file"]).arg(&aar).args(wanted).current_dir(&dir))?;
    }
    Ok(())
}
