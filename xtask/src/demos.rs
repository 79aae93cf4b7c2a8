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
use crate::cmd::{root, target_dir};
use crate::{kotlin, swift};

/// Generates the bindings and builds the reference backend (the friends
/// tests invite and accept through it), then checks and tests both demos.
pub fn test() -> Result<(), String> {
    let built = bindings::generate(false)?;
    bindings::build_backend()?;
    android(&built)?;
    ios(&built)
}

/// The Android demo's compile check and JVM tests.
fn android(built: &Built) -> Result<(), String> {
    let pom = root().join("android-demo/jvm-check/pom.xml");
    let tests = root().join("tests");
    kotlin::maven_test("android-demo", &pom, &target_dir().join("android-demo"), built, &[("kairos.tests.dir", &tests)])
}

/// The iOS demo's SwiftPM build and tests, in the Swift toolchain root. The
/// demo depends on the bindings package by path.
fn ios(built: &Built) -> Result<(), String> {
    swift::package_test("ios-demo", "ios-demo", "swift-demo", built)
}
