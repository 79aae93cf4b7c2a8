//! `cargo xtask android` and `cargo xtask apple`: the app library for the
//! devices, laid out for an Android library (AAR) and an Apple
//! XCFramework, with the generated Kotlin or Swift beside it.
//! `cargo xtask package` assembles the Maven artifacts ([`crate::maven`]):
//! the AAR from whatever Android libraries `android` built, and the
//! desktop library jar for JVM unit tests from the host build.
//!
//! Each first checks its tools and, when any is missing, says which and how
//! to get it, prints the exact commands it would run, and fails. With
//! `--dry-run` it only prints the commands. docs/bindings.md ("Packaging")
//! says how an app uses the output.

use crate::bindings;
use crate::cmd::{command, copy_if_changed, on_path, root, run, target_dir};
use crate::{kotlin, maven};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Android ABIs and their Rust targets.
const ANDROID: [(&str, &str); 4] = [
    ("arm64-v8a", "aarch64-linux-android"),
    ("armeabi-v7a", "armv7-linux-androideabi"),
    ("x86_64", "x86_64-linux-android"),
    ("x86", "i686-linux-android"),
];

/// The lowest Android API level the library supports (packed relocations
/// need Android 6.0; see bindings/build.rs).
const ANDROID_MIN_API: &str = "23";

/// Apple targets: the device, and the two simulators (Apple silicon, Intel).
const IOS_DEVICE: &str = "aarch64-apple-ios";
const IOS_SIMULATORS: [&str; 2] = ["aarch64-apple-ios-sim", "x86_64-apple-ios"];

/// A tool that is missing, and how to get it.
struct Missing {
    what: String,
    how: String,
}

/// The Rust targets `rustup` has installed.
fn installed_targets() -> Vec<String> {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn missing_targets(wanted: &[&str]) -> Vec<Missing> {
    let installed = installed_targets();
    wanted
        .iter()
        .filter(|t| !installed.iter().any(|i| i == *t))
        .map(|t| Missing { what: format!("Rust target {t}"), how: format!("rustup target add {t}") })
        .collect()
}

/// Shows a command as it would be typed.
fn shown(cmd: &Command) -> String {
    let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    format!("{} {}", cmd.get_program().to_string_lossy(), args.join(" "))
}

/// Prints what is missing and the commands when the build cannot or should
/// not run (`dry_run`); fails when anything is missing, unless `dry_run`.
/// Returns whether to go on and build.
fn plan(name: &str, missing: &[Missing], commands: &[Command], dry_run: bool) -> Result<bool, String> {
    if !dry_run && missing.is_empty() {
        return Ok(true);
    }
    if !missing.is_empty() {
        eprintln!("{name}: {} here; missing:", if dry_run { "could not build" } else { "cannot build" });
        for m in missing {
            eprintln!("  - {}: {}", m.what, m.how);
        }
    }
    println!("{name}: the commands, from the workspace root ({}):", root().display());
    for c in commands {
        println!("  {}", shown(c));
    }
    if dry_run || missing.is_empty() {
        Ok(false)
    } else {
        Err(format!("{name}: {} tool(s) missing (listed above)", missing.len()))
    }
}

/// `cargo xtask android [--dry-run]`: `libkairos_ffi.so` for every Android
/// ABI into `target/android/jniLibs/<abi>/` (cargo-ndk, the NDK's clang),
/// and the generated Kotlin into `target/android/kotlin/`.
pub fn android(dry_run: bool) -> Result<(), String> {
    let out = target_dir().join("android");
    let mut ndk = command("cargo", &["ndk"]);
    for (abi, _) in ANDROID {
        ndk.args(["-t", abi]);
    }
    ndk.args(["--platform", ANDROID_MIN_API, "-o"]).arg(out.join("jniLibs"));
    ndk.args(["build", "--release", "--locked", "-p", "kairos-ffi", "--lib"]);
    let commands = vec![ndk, command("cargo", &["xtask", "bindings", "--release"])];

    let mut missing = Vec::new();
    if Command::new("cargo").args(["ndk", "--version"]).output().map_or(true, |o| !o.status.success()) {
        missing.push(Missing { what: "cargo-ndk".into(), how: "cargo install cargo-ndk".into() });
    }
    let ndk_home = ["ANDROID_NDK_HOME", "ANDROID_NDK_ROOT"].iter().find_map(std::env::var_os).map(PathBuf::from);
    if !ndk_home.as_deref().is_some_and(Path::is_dir) {
        missing.push(Missing {
            what: "the Android NDK (r23 or later)".into(),
            how: "install it with Android Studio's SDK Manager (or sdkmanager \"ndk;27.2.12479018\") and set ANDROID_NDK_HOME to its directory".into(),
        });
    }
    missing.extend(missing_targets(&ANDROID.map(|(_, t)| t)));
    if !plan("android", &missing, &commands, dry_run)? {
        return Ok(());
    }

    let mut commands = commands.into_iter();
    run(&mut commands.next().expect("the cargo-ndk command"))?;
    let built = bindings::generate(true)?;
    copy_if_changed(&built.kotlin.join("dev/kairos/kairos_ffi.kt"), &out.join("kotlin/dev/kairos/kairos_ffi.kt"))?;
    // The package's own Kotlin beside the generated: the HTTP transport,
    // the event Flow, the Logcat sink, the LocalDate helpers.
    copy_package_sources(&root().join("bindings/kotlin/src/main/kotlin/dev/kairos"), &out.join("kotlin/dev/kairos"))?;
    println!("android: {}", out.display());
    for (abi, _) in ANDROID {
        println!("  jniLibs/{abi}/libkairos_ffi.so");
    }
    println!("  kotlin/dev/kairos/: kairos_ffi.kt and the package's Kotlin");
    println!("In the library module: sourceSets.main {{ jniLibs.srcDirs(\"{0}/jniLibs\"); kotlin.srcDirs(\"{0}/kotlin\") }}, with net.java.dev.jna:jna:5.19.1@aar and kotlinx-coroutines-core.", out.display());
    Ok(())
}

/// `cargo xtask package [--release]`: the Maven artifacts in
/// `target/package/maven` (a repository layout): `dev.kairos:kairos` (the
/// AAR: the Kotlin compiled by Maven into `classes.jar`, every
/// `target/android/jniLibs/<abi>/libkairos_ffi.so` that `cargo xtask
/// android` built, each checked for 16 KB page alignment),
/// `dev.kairos:kairos-android` (the platform layer, [`maven::write_android_layer_aar`]) and
/// `dev.kairos:kairos-forUnitTests` (the host library for JVM unit tests).
/// Without an NDK the AAR has no `jni/` (it says which ABIs are missing).
pub fn package(release: bool) -> Result<(), String> {
    let built = bindings::generate(release)?;
    let classes = kotlin::maven_jar(&built)?;
    let mut jni = Vec::new();
    let mut absent = Vec::new();
    for (abi, _) in ANDROID {
        let so = target_dir().join("android/jniLibs").join(abi).join("libkairos_ffi.so");
        if so.exists() {
            maven::check_16k_pages(&so)?;
            jni.push((abi.to_string(), so));
        } else {
            absent.push(abi);
        }
    }
    let out = target_dir().join("package");
    let repo = out.join("maven");
    let aar = maven::write_aar(&repo, &out, &classes, &jni)?;
    let host_lib =
        built.lib_dir.join(format!("{}kairos_ffi{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX));
    let jar = maven::write_for_unit_tests(&repo, &out, &host_lib)?;
    let layer_classes = kotlin::maven_jar_of(
        &built,
        &root().join("bindings/kotlin-android/pom.xml"),
        &target_dir().join("kotlin-android-package"),
    )?;
    let manifest_path = root().join("bindings/kotlin-android/src/main/AndroidManifest.xml");
    let manifest =
        std::fs::read_to_string(&manifest_path).map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let layer = maven::write_android_layer_aar(&repo, &out, &layer_classes, &manifest)?;
    println!("package: a Maven repository in {}", repo.display());
    for (artifact, file) in [(maven::ARTIFACT, &aar), (maven::ANDROID_LAYER, &layer)] {
        println!("  {}:{artifact}:{} -> {}", maven::GROUP, maven::VERSION, file.display());
        for entry in maven::entries(file)?.iter().filter(|e| !e.ends_with('/')) {
            println!("    {entry}");
        }
    }
    println!("  {}:{}:{} -> {}", maven::GROUP, maven::FOR_UNIT_TESTS, maven::VERSION, jar.display());
    if !absent.is_empty() {
        eprintln!(
            "package: the AAR has no library for {} (run `cargo xtask android` first, with the NDK)",
            absent.join(", ")
        );
    }
    Ok(())
}

/// `cargo xtask apple [--dry-run]`: the static library for iOS devices and
/// both simulators, an XCFramework `KairosFFI.xcframework` of it (with the
/// C header and module map), and the generated Swift, in `target/apple/`.
pub fn apple(dry_run: bool) -> Result<(), String> {
    let t = target_dir();
    let out = t.join("apple");
    let include = out.join("include");
    let lib = |target: &str| t.join(target).join("release/libkairos_ffi.a");
    let mut commands: Vec<Command> = std::iter::once(IOS_DEVICE)
        .chain(IOS_SIMULATORS)
        .map(|target| {
            command("cargo", &["build", "--release", "--locked", "-p", "kairos-ffi", "--lib", "--target", target])
        })
        .collect();
    commands.push(command("cargo", &["xtask", "bindings", "--release"]));
    let simulators = out.join("simulator/libkairos_ffi.a");
    let mut lipo = command("lipo", &["-create"]);
    for target in IOS_SIMULATORS {
        lipo.arg(lib(target));
    }
    lipo.arg("-output").arg(&simulators);
    commands.push(lipo);
    let framework = out.join("KairosFFI.xcframework");
    let mut xcf = command("xcodebuild", &["-create-xcframework"]);
    xcf.arg("-library").arg(lib(IOS_DEVICE)).arg("-headers").arg(&include);
    xcf.arg("-library").arg(&simulators).arg("-headers").arg(&include);
    xcf.arg("-output").arg(&framework);
    commands.push(xcf);

    let mut missing = Vec::new();
    if std::env::consts::OS != "macos" {
        missing.push(Missing {
            what: "a macOS host".into(),
            how: format!("Apple's SDKs and xcodebuild run on macOS only (this is {})", std::env::consts::OS),
        });
    }
    for tool in ["xcodebuild", "xcrun", "lipo", "ditto", "swift"] {
        if !on_path(tool) {
            missing.push(Missing { what: tool.into(), how: "install Xcode, then: xcode-select --install".into() });
        }
    }
    missing.extend(missing_targets(&[IOS_DEVICE, IOS_SIMULATORS[0], IOS_SIMULATORS[1]]));
    if !plan("apple", &missing, &commands, dry_run)? {
        return Ok(());
    }

    let mut commands = commands.into_iter();
    for _ in 0..3 {
        run(&mut commands.next().expect("a cargo build command"))?;
    }
    let _ = commands.next(); // the bindings, generated here:
    let built = bindings::generate(true)?;
    copy_if_changed(&built.swift.join("KairosFFI.h"), &include.join("KairosFFI.h"))?;
    // In an XCFramework the module map must be named module.modulemap.
    copy_if_changed(&built.swift.join("KairosFFI.modulemap"), &include.join("module.modulemap"))?;
    copy_if_changed(&built.swift.join("Kairos.swift"), &out.join("Sources/Kairos/Kairos.swift"))?;
    // The package's own Swift beside the generated (HTTP transport, event
    // stream, log sink, LocalDay helpers) and the privacy manifest.
    copy_package_sources(&root().join("bindings/swift/Sources/Kairos"), &out.join("Sources/Kairos"))?;
    // The platform layer, KairosKit, beside it.
    copy_package_sources(&root().join("bindings/swift/Sources/KairosKit"), &out.join("Sources/KairosKit"))?;
    std::fs::create_dir_all(simulators.parent().expect("a directory"))
        .map_err(|e| format!("cannot create {}: {e}", simulators.display()))?;
    if framework.exists() {
        std::fs::remove_dir_all(&framework).map_err(|e| format!("cannot replace {}: {e}", framework.display()))?;
    }
    for mut c in commands {
        run(&mut c)?;
    }
    std::fs::write(out.join("Package.swift"), PACKAGE_SWIFT).map_err(|e| format!("cannot write Package.swift: {e}"))?;
    // The release: the XCFramework zipped, its checksum, and a manifest
    // that fetches it (upload the zip to the release URL).
    let zip = out.join("KairosFFI.xcframework.zip");
    run(command("ditto", &["-c", "-k", "--sequesterRsrc", "--keepParent"]).arg(&framework).arg(&zip))?;
    let sum = command("swift", &["package", "compute-checksum"])
        .arg(&zip)
        .output()
        .map_err(|e| format!("cannot run swift package compute-checksum: {e}"))?;
    let checksum = String::from_utf8_lossy(&sum.stdout).trim().to_string();
    if !sum.status.success() || checksum.is_empty() {
        return Err(format!("swift package compute-checksum failed: {}", String::from_utf8_lossy(&sum.stderr)));
    }
    let release = out.join("release");
    std::fs::create_dir_all(&release).map_err(|e| format!("cannot create {}: {e}", release.display()))?;
    std::fs::write(release.join("Package.swift"), release_package_swift(&release_url(), &checksum))
        .map_err(|e| format!("cannot write the release Package.swift: {e}"))?;
    println!("apple: release {} (checksum {checksum})", zip.display());
    println!(
        "apple: {} (a Swift package: KairosFFI.xcframework, Sources/Kairos/{{Kairos,URLSessionTransport}}.swift, Package.swift)",
        out.display()
    );
    Ok(())
}

/// Copies every file of a package's own sources directory `from` into `to`.
fn copy_package_sources(from: &Path, to: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        // The generated file is copied from the build, not from a stale copy.
        if entry.path().is_file() && name != "Kairos.swift" {
            copy_if_changed(&entry.path(), &to.join(name))?;
        }
    }
    Ok(())
}

/// Where the release's XCFramework zip is downloaded from:
/// `$KAIROS_RELEASE_URL`, or the project's release page for this version.
fn release_url() -> String {
    std::env::var("KAIROS_RELEASE_URL").unwrap_or_else(|_| {
        format!("https://github.com/kairos-dev/kairos/releases/download/{}/KairosFFI.xcframework.zip", maven::VERSION)
    })
}

/// The release `Package.swift`: the same package, its binary target
/// downloaded from `url` and checked against `checksum`.
fn release_package_swift(url: &str, checksum: &str) -> String {
    PACKAGE_SWIFT.replace(
        r#".binaryTarget(name: "KairosFFI", path: "KairosFFI.xcframework")"#,
        &format!(".binaryTarget(name: \"KairosFFI\", url: \"{url}\", checksum: \"{checksum}\")"),
    )
}

/// The Swift package written next to the XCFramework.
const PACKAGE_SWIFT: &str = r#"// swift-tools-version:5.9
// Generated by `cargo xtask apple`: the Kairos Swift API over the
// KairosFFI XCFramework (iOS devices and simulators).
import PackageDescription

let package = Package(
    name: "Kairos",
    platforms: [.iOS(.v15)],
    products: [
        .library(name: "Kairos", targets: ["Kairos"]),
        .library(name: "KairosKit", targets: ["KairosKit"]),
    ],
    targets: [
        .binaryTarget(name: "KairosFFI", path: "KairosFFI.xcframework"),
        .target(name: "Kairos", dependencies: ["KairosFFI"], path: "Sources/Kairos",
                resources: [.copy("PrivacyInfo.xcprivacy")]),
        .target(name: "KairosKit", dependencies: ["Kairos"], path: "Sources/KairosKit"),
    ]
)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_manifest_fetches_the_zip_with_its_checksum() {
        let manifest = release_package_swift("https://example.com/KairosFFI.xcframework.zip", "abc123");
        assert!(manifest.contains(
            r#".binaryTarget(name: "KairosFFI", url: "https://example.com/KairosFFI.xcframework.zip", checksum: "abc123")"#
        ));
        assert!(!manifest.contains("path: \"KairosFFI.xcframework\""));
        assert!(manifest.contains("PrivacyInfo.xcprivacy"));
        assert!(manifest.contains(r#".library(name: "KairosKit", targets: ["KairosKit"])"#));
    }
}
