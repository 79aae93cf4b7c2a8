//! `cargo xtask test-android`: the Robolectric tests of the Android platform
//! layer `kairos-android` (`bindings/kotlin-android`, Maven, JUnit 4) on the
//! JVM, against the generated bindings and the host-built library.
//!
//! Robolectric 4.17 and the pre-instrumented Android 15 framework jar it
//! runs on come from Maven Central as ordinary Maven dependencies (so they
//! land in `~/.m2` with the rest); the tests tell Robolectric to read the
//! framework from there and never to download (`robolectric.offline`).
//! Offline after a first successful run, as `test-kotlin`.

use crate::bindings;
use crate::cmd::{root, target_dir};
use crate::kotlin;

/// Checks that the doc's Kotlin blocks are compiled by the tests
/// ([`crate::snippets`]), generates the bindings, then builds and runs the
/// platform layer's tests.
pub fn test() -> Result<(), String> {
    crate::snippets::check("kotlin")?;
    let built = bindings::generate(false)?;
    kotlin::maven_test(
        "kotlin-android",
        &root().join("bindings/kotlin-android/pom.xml"),
        &target_dir().join("kotlin-android"),
        &built,
        &[],
    )
}
