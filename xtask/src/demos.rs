//! `cargo xtask test-demos`: what can be checked of the demo apps on this
//! Linux host, without an Android SDK or Xcode.
//!
//! * Android (`android-demo/jvm-check/pom.xml`, Maven): compiles every Kotlin
//!   source of the app against the Android framework classes (Robolectric's
//!   `android-all` jar from Maven Central) and the generated bindings, then
//!   runs the JUnit tests of its platform-free logic against the host-built
//!   library. Offline after a first successful run, as `test-kotlin`.
//! * iOS (`ios-demo/Package.swift`, SwiftPM): builds `KairosDemoCore` (the
//!   platform-free logic) and the app's sources (SwiftUI and CoreLocation
//!   code sits behind `#if canImport`, so only its syntax is checked here),
//!   and runs the XCTest tests, in the Swift toolchain root of `test-swift`.

use crate::bindings::{self, Built};
use crate::cmd::{apt_install, command, copy_if_changed, on_path, root, run, run_echoing_stdout, target_dir};
use crate::{kotlin, swift};
use std::time::Instant;

/// Generates the bindings, then checks and tests both demos.
pub fn test() -> Result<(), String> {
    let built = bindings::generate(false)?;
    android(&built)?;
    ios(&built)
}

/// The Android demo's compile check and JVM tests.
fn android(built: &Built) -> Result<(), String> {
    if !on_path("mvn") || !on_path("java") {
        apt_install(&["maven", "default-jdk-headless"])?;
    }
    let pom = root().join("android-demo/jvm-check/pom.xml");
    let build_dir = target_dir().join("android-demo");
    let stamp = kotlin::offline_stamp(&pom)?;
    let mut mvn = command("mvn", &["-B", "-q", "-f"]);
    mvn.arg(&pom)
        .arg(format!("-Dkairos.bindings.dir={}", built.kotlin.display()))
        .arg(format!("-Dkairos.lib.dir={}", built.lib_dir.display()))
        .arg(format!("-Dkairos.build.dir={}", build_dir.display()))
        .arg(format!("-Dkairos.tests.dir={}", root().join("tests").display()));
    if stamp.exists() {
        mvn.arg("-o");
    }
    mvn.arg("test");
    let reports = build_dir.join("surefire-reports");
    let _ = std::fs::remove_dir_all(&reports);
    let started = Instant::now();
    let result = run(&mut mvn);
    let (passed, failed) = kotlin::surefire_counts(&reports);
    eprintln!("android demo check took {:.1} s", started.elapsed().as_secs_f64());
    println!("android-demo: {passed} passed, {failed} failed");
    result?;
    if passed == 0 {
        return Err("no Android demo test ran".into());
    }
    std::fs::write(&stamp, b"").map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// The iOS demo's SwiftPM build and tests, in the Swift toolchain root.
fn ios(built: &Built) -> Result<(), String> {
    // The demo depends on the bindings package by path: put the generated
    // sources in it, as `test-swift` does.
    let package = root().join("bindings/swift");
    copy_if_changed(&built.swift.join("Kairos.swift"), &package.join("Sources/Kairos/Kairos.swift"))?;
    copy_if_changed(&built.swift.join("KairosFFI.h"), &package.join("Sources/KairosFFI/KairosFFI.h"))?;
    let toolchain = swift::toolchain_root()?;
    run(command("bash", &[]).arg(package.join("scripts/provision-toolchain.sh")).arg(&toolchain))?;

    let lib_dir =
        built.lib_dir.strip_prefix(target_dir()).map_err(|_| "the library is outside the target directory")?;
    let started = Instant::now();
    let mut summary = None;
    let result = run_echoing_stdout(
        command("bash", &[])
            .arg(root().join("ios-demo/scripts/swift-test.sh"))
            .arg(&toolchain)
            .arg(root())
            .arg(target_dir())
            .arg(lib_dir),
        |line| {
            if let Some(counts) = swift::executed_counts(line) {
                summary = Some(counts);
            }
        },
    );
    let (passed, failed) = summary.unwrap_or((0, 0));
    eprintln!("ios demo tests took {:.1} s", started.elapsed().as_secs_f64());
    println!("ios-demo: {passed} passed, {failed} failed");
    result?;
    if passed == 0 {
        return Err("no iOS demo test ran".into());
    }
    Ok(())
}
