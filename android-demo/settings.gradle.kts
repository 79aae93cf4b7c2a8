// The Kairos Android demo. Open this directory in Android Studio, or run ./gradlew from it
// (see README.md: `cargo xtask android` then `cargo xtask package` must have run first: the app takes
// dev.kairos:kairos-android, and with it dev.kairos:kairos, from the Maven repository they write).
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
        maven { url = uri(settingsDir.resolve("../target/package/maven")) }
    }
}
rootProject.name = "kairos-android-demo"
include(":app")
