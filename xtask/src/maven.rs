//! The Android artifacts of `cargo xtask package`, in a Maven repository
//! layout an app's build can point at (`maven { url = uri(".../maven") }`):
//!
//! | coordinates | file | what |
//! | --- | --- | --- |
//! | `dev.kairos:kairos:<version>` | `kairos-<version>.aar` + `.pom` | the Android library: `classes.jar` (generated bindings and the package's Kotlin), `jni/<abi>/libkairos_ffi.so`, `AndroidManifest.xml`, `proguard.txt` (consumer rules), `R.txt` |
//! | `dev.kairos:kairos-android:<version>` | `kairos-android-<version>.aar` + `.pom` | the Android platform layer (`bindings/kotlin-android`): `classes.jar` (package `dev.kairos.android` only), its `AndroidManifest.xml` (permissions, boot receiver, job service, foreground service), `proguard.txt`; depends on `dev.kairos:kairos` |
//! | `dev.kairos:kairos-forUnitTests:<version>` | `kairos-forUnitTests-<version>.jar` + `.pom` | the host library under JNA's resource path (`linux-x86-64/libkairos_ffi.so`), for JVM unit tests of an app (Glean's `forUnitTests` idea) |
//!
//! Zips are written with the JDK's `jar` (no manifest added), listed with
//! `jar tf` in the tests. The version is the workspace's.

use crate::cmd::{command, run};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Maven group of every Kairos artifact.
pub const GROUP: &str = "dev.kairos";
/// The Android library's artifact id.
pub const ARTIFACT: &str = "kairos";
/// The Android platform layer's artifact id.
pub const ANDROID_LAYER: &str = "kairos-android";
/// The desktop native library's artifact id.
pub const FOR_UNIT_TESTS: &str = "kairos-forUnitTests";
/// The version of the artifacts: the workspace's.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// JNA's version (bindings/kotlin/pom.xml uses the same).
const JNA: &str = "5.19.1";
/// kotlinx-coroutines' version (bindings/kotlin/pom.xml uses the same).
const COROUTINES: &str = "1.11.0";
/// The lowest Android API level (see package.rs).
const MIN_SDK: &str = "23";

/// Consumer R8/ProGuard rules shipped in the AAR: JNA finds the native
/// library's functions and the generated structures by reflection, and
/// uniffi's callback interfaces are called from native code, so neither
/// may be renamed or removed.
pub const PROGUARD: &str = "\
# Kairos: keep what JNA and the native library reach by reflection.
-dontwarn java.awt.*
-keep class com.sun.jna.** { *; }
-keepclassmembers class * extends com.sun.jna.** { public *; }
-keep class dev.kairos.** { *; }
-keepclassmembers class * extends dev.kairos.** { *; }
";

/// Consumer R8/ProGuard rules of the platform layer's AAR: the bindings'
/// rules (JNA, the generated code; R8 applies those of every AAR, but an app
/// may take the layer's classes without the bindings' rules, say from a fat
/// jar), and the components the manifest names, which the platform creates
/// by reflection.
pub const ANDROID_LAYER_PROGUARD: &str = "\
# Kairos platform layer: JNA and the bindings, reached by reflection.
-dontwarn java.awt.*
-keep class com.sun.jna.** { *; }
-keepclassmembers class * extends com.sun.jna.** { public *; }
-keep class dev.kairos.** { *; }
# The receivers and the job service the library's manifest declares.
-keep class dev.kairos.android.BootReceiver
-keep class dev.kairos.android.WakeRegionReceiver
-keep class dev.kairos.android.TimeZoneReceiver
-keep class dev.kairos.android.KairosJobService
-keep class dev.kairos.android.KairosForegroundService
";

/// The AAR's manifest: the package name and the minimum API level.
fn manifest() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <manifest xmlns:android=\"http://schemas.android.com/apk/res/android\" package=\"{GROUP}\">\n    \
         <uses-sdk android:minSdkVersion=\"{MIN_SDK}\" />\n\
         </manifest>\n"
    )
}

/// The POM of `artifact` with `packaging` and its runtime dependencies
/// (`group:artifact:version[:type]`).
pub fn pom(artifact: &str, packaging: &str, dependencies: &[&str]) -> String {
    let mut deps = String::new();
    for d in dependencies {
        let parts: Vec<&str> = d.split(':').collect();
        let kind = parts.get(3).map(|t| format!("\n      <type>{t}</type>")).unwrap_or_default();
        deps.push_str(&format!(
            "    <dependency>\n      <groupId>{}</groupId>\n      <artifactId>{}</artifactId>\n      <version>{}</version>{kind}\n      <scope>runtime</scope>\n    </dependency>\n",
            parts[0], parts[1], parts[2]
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  \
         <modelVersion>4.0.0</modelVersion>\n  \
         <groupId>{GROUP}</groupId>\n  <artifactId>{artifact}</artifactId>\n  <version>{VERSION}</version>\n  \
         <packaging>{packaging}</packaging>\n  <dependencies>\n{deps}  </dependencies>\n</project>\n"
    )
}

/// Where `artifact`'s files go in the repository at `repo`.
pub fn artifact_dir(repo: &Path, artifact: &str) -> PathBuf {
    repo.join(GROUP.replace('.', "/")).join(artifact).join(VERSION)
}

/// Zips the contents of `dir` into `out` (no manifest added).
fn zip_dir(dir: &Path, out: &Path) -> Result<(), String> {
    if out.exists() {
        std::fs::remove_file(out).map_err(|e| format!("cannot replace {}: {e}", out.display()))?;
    }
    run(command("jar", &["--create", "--no-manifest", "--file"]).arg(out).arg("-C").arg(dir).arg("."))
}

/// The entries of the zip `file`, as `jar tf` lists them.
pub fn entries(file: &Path) -> Result<Vec<String>, String> {
    let out = Command::new("jar")
        .arg("tf")
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run jar tf {}: {e}", file.display()))?;
    if !out.status.success() {
        return Err(format!("jar tf {} failed: {}", file.display(), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect())
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    let bytes = std::fs::read(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    write(to, bytes)
}

/// Writes `dev.kairos:kairos:<version>` into the repository `repo`: the AAR
/// of `classes_jar` and the Android libraries `jni_libs` (`(abi, .so)`),
/// and its POM. `work` is a scratch directory. Returns the AAR's path.
pub fn write_aar(
    repo: &Path,
    work: &Path,
    classes_jar: &Path,
    jni_libs: &[(String, PathBuf)],
) -> Result<PathBuf, String> {
    let stage = work.join("aar");
    if stage.exists() {
        std::fs::remove_dir_all(&stage).map_err(|e| format!("cannot clear {}: {e}", stage.display()))?;
    }
    write(&stage.join("AndroidManifest.xml"), manifest())?;
    write(&stage.join("proguard.txt"), PROGUARD)?;
    write(&stage.join("R.txt"), "")?;
    copy(classes_jar, &stage.join("classes.jar"))?;
    for (abi, so) in jni_libs {
        copy(so, &stage.join("jni").join(abi).join("libkairos_ffi.so"))?;
    }
    let dir = artifact_dir(repo, ARTIFACT);
    let aar = dir.join(format!("{ARTIFACT}-{VERSION}.aar"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    zip_dir(&stage, &aar)?;
    let deps = [
        format!("net.java.dev.jna:jna:{JNA}:aar"),
        format!("org.jetbrains.kotlinx:kotlinx-coroutines-core:{COROUTINES}"),
    ];
    let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
    write(&dir.join(format!("{ARTIFACT}-{VERSION}.pom")), pom(ARTIFACT, "aar", &deps))?;
    Ok(aar)
}

/// Writes `dev.kairos:kairos-android:<version>`: the AAR of the platform
/// layer's classes (`dev/kairos/android/**` of `classes_jar`, which also
/// holds the bindings it was compiled with: those come from
/// `dev.kairos:kairos`), its `manifest` (the text of
/// `bindings/kotlin-android/src/main/AndroidManifest.xml`), and its POM.
pub fn write_android_layer_aar(
    repo: &Path,
    work: &Path,
    classes_jar: &Path,
    manifest: &str,
) -> Result<PathBuf, String> {
    let stage = work.join("aar-android");
    let classes = work.join("aar-android-classes");
    for dir in [&stage, &classes] {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let jar = std::fs::canonicalize(classes_jar).map_err(|e| format!("cannot find {}: {e}", classes_jar.display()))?;
    run(command("jar", &["--extract", "--file"]).arg(&jar).current_dir(&classes))?;
    // Only the layer's own classes (and the Kotlin module file of its
    // top-level functions); the bindings are dev.kairos:kairos's.
    for entry in std::fs::read_dir(classes.join("dev/kairos")).map_err(|e| format!("{}: {e}", classes.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.file_name().is_some_and(|n| n != "android") {
            let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            removed.map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    write(&stage.join("AndroidManifest.xml"), manifest)?;
    write(&stage.join("proguard.txt"), ANDROID_LAYER_PROGUARD)?;
    write(&stage.join("R.txt"), "")?;
    zip_dir(&classes, &stage.join("classes.jar"))?;
    let dir = artifact_dir(repo, ANDROID_LAYER);
    let aar = dir.join(format!("{ANDROID_LAYER}-{VERSION}.aar"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    zip_dir(&stage, &aar)?;
    let deps = [
        format!("{GROUP}:{ARTIFACT}:{VERSION}:aar"),
        format!("org.jetbrains.kotlinx:kotlinx-coroutines-core:{COROUTINES}"),
    ];
    let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
    write(&dir.join(format!("{ANDROID_LAYER}-{VERSION}.pom")), pom(ANDROID_LAYER, "aar", &deps))?;
    Ok(aar)
}

/// JNA's resource directory for this host (`linux-x86-64`, `darwin-aarch64`...).
pub fn jna_host_dir() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x86-64",
        other => other,
    };
    format!("{os}-{arch}")
}

/// Writes `dev.kairos:kairos-forUnitTests:<version>`: a jar with the host
/// library `host_lib` under JNA's resource path, so that JNA loads it from
/// the class path in an app's JVM unit tests, and its POM. Returns the jar.
pub fn write_for_unit_tests(repo: &Path, work: &Path, host_lib: &Path) -> Result<PathBuf, String> {
    let stage = work.join("for-unit-tests");
    if stage.exists() {
        std::fs::remove_dir_all(&stage).map_err(|e| format!("cannot clear {}: {e}", stage.display()))?;
    }
    let name = host_lib.file_name().ok_or("the host library has no file name")?;
    copy(host_lib, &stage.join(jna_host_dir()).join(name))?;
    let dir = artifact_dir(repo, FOR_UNIT_TESTS);
    let jar = dir.join(format!("{FOR_UNIT_TESTS}-{VERSION}.jar"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    zip_dir(&stage, &jar)?;
    let deps = [format!("net.java.dev.jna:jna:{JNA}")];
    let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
    write(&dir.join(format!("{FOR_UNIT_TESTS}-{VERSION}.pom")), pom(FOR_UNIT_TESTS, "jar", &deps))?;
    Ok(jar)
}

/// The smallest `LOAD` segment alignment `readelf -lW` reports, in bytes.
pub fn load_alignment(readelf_output: &str) -> Option<u64> {
    readelf_output
        .lines()
        .filter(|l| l.trim_start().starts_with("LOAD"))
        .filter_map(|l| l.split_whitespace().last())
        .filter_map(|a| u64::from_str_radix(a.trim_start_matches("0x"), 16).ok())
        .min()
}

/// Android 15+'s 16 KB pages: every `LOAD` segment of `so` must be aligned
/// to at least 16 KB. Checked with `readelf -lW`.
pub fn check_16k_pages(so: &Path) -> Result<(), String> {
    let out = Command::new("readelf")
        .args(["-lW"])
        .arg(so)
        .output()
        .map_err(|e| format!("cannot run readelf -lW {}: {e}", so.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    match load_alignment(&text) {
        Some(align) if align >= 16384 => Ok(()),
        Some(align) => Err(format!(
            "{}: LOAD segments aligned to {align} bytes, not 16 KB (link with -z max-page-size=16384)",
            so.display()
        )),
        None => Err(format!("{}: readelf -lW shows no LOAD segment", so.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jar_available() -> bool {
        let found = crate::cmd::on_path("jar");
        assert!(found || std::env::var_os(crate::tools::REQUIRE_TOOLS).is_none(), "jar (a JDK) is required");
        found
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kairos-xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_aar_has_the_android_library_layout_and_a_pom() {
        if !jar_available() {
            return;
        }
        let dir = scratch("aar");
        let classes = dir.join("classes.jar");
        std::fs::write(&classes, b"not really a jar").unwrap();
        let so = dir.join("libkairos_ffi.so");
        std::fs::write(&so, b"\x7fELF").unwrap();
        let libs = vec![("arm64-v8a".to_string(), so.clone()), ("x86_64".to_string(), so)];
        let aar = write_aar(&dir.join("repo"), &dir, &classes, &libs).unwrap();
        assert!(aar.ends_with(format!("dev/kairos/kairos/{VERSION}/kairos-{VERSION}.aar")), "{}", aar.display());
        let mut entries = entries(&aar).unwrap();
        entries.retain(|e| !e.ends_with('/'));
        entries.sort();
        assert_eq!(
            entries,
            [
                "AndroidManifest.xml",
                "R.txt",
                "classes.jar",
                "jni/arm64-v8a/libkairos_ffi.so",
                "jni/x86_64/libkairos_ffi.so",
                "proguard.txt"
            ]
        );
        let pom = std::fs::read_to_string(aar.with_extension("pom")).unwrap();
        assert!(pom.contains("<artifactId>kairos</artifactId>") && pom.contains("<packaging>aar</packaging>"));
        assert!(pom.contains("<artifactId>jna</artifactId>") && pom.contains("<type>aar</type>"), "{pom}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_platform_layer_aar_holds_only_its_own_classes_its_manifest_and_keep_rules() {
        if !jar_available() {
            return;
        }
        let dir = scratch("layer");
        let classes = dir.join("compiled");
        for file in
            ["dev/kairos/Engine.class", "dev/kairos/android/Kairos.class", "META-INF/kairos-android.kotlin_module"]
        {
            write(&classes.join(file), b"x").unwrap();
        }
        let jar = dir.join("kairos-android.jar");
        zip_dir(&classes, &jar).unwrap();
        let aar = write_android_layer_aar(&dir.join("repo"), &dir, &jar, "<manifest/>").unwrap();
        assert!(aar.ends_with(format!("dev/kairos/kairos-android/{VERSION}/kairos-android-{VERSION}.aar")));
        let mut top = entries(&aar).unwrap();
        top.retain(|e| !e.ends_with('/'));
        top.sort();
        assert_eq!(top, ["AndroidManifest.xml", "R.txt", "classes.jar", "proguard.txt"]);
        let inner = dir.join("aar-android/classes.jar");
        let mut classes = entries(&inner).unwrap();
        classes.retain(|e| !e.ends_with('/'));
        classes.sort();
        assert_eq!(classes, ["META-INF/kairos-android.kotlin_module", "dev/kairos/android/Kairos.class"]);
        assert!(ANDROID_LAYER_PROGUARD.contains("-keep class com.sun.jna.**"));
        let pom = std::fs::read_to_string(aar.with_extension("pom")).unwrap();
        assert!(pom.contains("<artifactId>kairos</artifactId>") && pom.contains("<type>aar</type>"), "{pom}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_unit_test_jar_holds_the_host_library_where_jna_looks() {
        if !jar_available() {
            return;
        }
        let dir = scratch("jar");
        let lib = dir.join("libkairos_ffi.so");
        std::fs::write(&lib, b"\x7fELF").unwrap();
        let jar = write_for_unit_tests(&dir.join("repo"), &dir, &lib).unwrap();
        let entries = entries(&jar).unwrap();
        assert!(entries.contains(&format!("{}/libkairos_ffi.so", jna_host_dir())), "{entries:?}");
        assert!(!entries.iter().any(|e| e.starts_with("META-INF")), "no manifest: {entries:?}");
        if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
            assert_eq!(jna_host_dir(), "linux-x86-64");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn load_alignment_below_16k_is_refused() {
        let four_k = "  LOAD           0x000000 0x0000000000000000 0x0000000000000000 0x0a1b2c 0x0a1b2c R   0x1000\n  LOAD           0x0a1b2c 0x00000000000a2b2c 0x00000000000a2b2c 0x123456 0x123456 R E 0x1000\n";
        let sixteen_k = four_k.replace("0x1000", "0x4000");
        assert_eq!((load_alignment(four_k), load_alignment(&sixteen_k)), (Some(4096), Some(16384)));
        assert_eq!(load_alignment("  GNU_STACK 0x0 0x0 0x0 0x0 0x0 RW 0x10\n"), None);
        // The host library is linked for 4 KB pages: the check refuses it.
        let host = crate::cmd::target_dir().join("debug/libkairos_ffi.so");
        if host.exists() && crate::cmd::on_path("readelf") {
            let e = check_16k_pages(&host).unwrap_err();
            assert!(e.contains("not 16 KB"), "{e}");
        }
    }
}
