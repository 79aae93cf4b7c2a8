// The Kairos Android demo. Open this directory in Android Studio, or run ./gradlew from it
// (see README.md: `cargo xtask android` must have run first, for the native library and the bindings).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "kairos-android-demo"
include(":app")
