//! `cargo xtask android` and `cargo xtask apple`: the app library for the
//! devices, laid out for an Android library (AAR) and an Apple
//! XCFramework, with the generated Kotlin or Swift beside it.
//!
//! Each first checks its tools and, when any is missing, says which and how
//! to get it, prints the exact commands it would run, and fails. With
//! `--dry-run` it only prints the commands. docs/bindings.md ("Packaging")
//! says how an app uses the output.

use crate::bindings;
use crate::cmd::{command, copy_if_changed, on_path, root, run, target_dir};
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
    // The package's own Kotlin beside the generated: the HTTP transport.
    copy_if_changed(
        &root().join("bindings/kotlin/src/main/kotlin/dev/kairos/HttpUrlConnectionTransport.kt"),
        &out.join("kotlin/dev/kairos/HttpUrlConnectionTransport.kt"),
    )?;
    println!("android: {}", out.display());
    for (abi, _) in ANDROID {
        println!("  jniLibs/{abi}/libkairos_ffi.so");
    }
    println!("  kotlin/dev/kairos/kairos_ffi.kt, kotlin/dev/kairos/HttpUrlConnectionTransport.kt");
    println!("In the library module: sourceSets.main {{ jniLibs.srcDirs(\"{0}/jniLibs\"); kotlin.srcDirs(\"{0}/kotlin\") }}, with net.java.dev.jna:jna:5.19.1@aar and kotlinx-coroutines-core.", out.display());
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
    for tool in ["xcodebuild", "xcrun", "lipo"] {
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
    // The package's own Swift beside the generated: the HTTP transport.
    copy_if_changed(
        &root().join("bindings/swift/Sources/Kairos/URLSessionTransport.swift"),
        &out.join("Sources/Kairos/URLSessionTransport.swift"),
    )?;
    std::fs::create_dir_all(simulators.parent().expect("a directory"))
        .map_err(|e| format!("cannot create {}: {e}", simulators.display()))?;
    if framework.exists() {
        std::fs::remove_dir_all(&framework).map_err(|e| format!("cannot replace {}: {e}", framework.display()))?;
    }
    for mut c in commands {
        run(&mut c)?;
    }
    std::fs::write(out.join("Package.swift"), PACKAGE_SWIFT).map_err(|e| format!("cannot write Package.swift: {e}"))?;
    println!(
        "apple: {} (a Swift package: KairosFFI.xcframework, Sources/Kairos/{{Kairos,URLSessionTransport}}.swift, Package.swift)",
        out.display()
    );
    Ok(())
}

/// The Swift package written next to the XCFramework.
const PACKAGE_SWIFT: &str = r#"// swift-tools-version:5.9
// Generated by `cargo xtask apple`: the Kairos Swift API over the
// KairosFFI XCFramework (iOS devices and simulators).
import PackageDescription

let package = Package(
    name: "Kairos",
    platforms: [.iOS(.v15)],
    products: [.library(name: "Kairos", targets: ["Kairos"])],
    targets: [
        .binaryTarget(name: "KairosFFI", path: "KairosFFI.xcframework"),
        .target(name: "Kairos", dependencies: ["KairosFFI"], path: "Sources/Kairos"),
    ]
)
"#;
