// The demo app. The native library and the generated Kotlin come from `cargo xtask android`
// (target/android/), the QA tracks and catalogs from tests/ (copied into the APK's assets).
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

val workspace = rootDir.parentFile
val packaged = workspace.resolve("target/android")

android {
    namespace = "dev.kairos.demo"
    compileSdk = 35

    defaultConfig {
        applicationId = "dev.kairos.demo"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }

    sourceSets["main"].apply {
        jniLibs.srcDirs(packaged.resolve("jniLibs"))
        // The generated Kotlin, and the package's own (HttpUrlConnectionTransport).
        kotlin.srcDirs(packaged.resolve("kotlin"), workspace.resolve("bindings/kotlin/src/main/kotlin"))
        assets.srcDirs(layout.buildDirectory.dir("generated/qa-assets"))
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    // The JVM tests of logic/ run against the host library (`cargo xtask bindings`) and tests/.
    testOptions {
        unitTests.all {
            it.useJUnitPlatform()
            it.systemProperty("jna.library.path", workspace.resolve("target/debug").path)
            it.systemProperty("kairos.tests.dir", workspace.resolve("tests").path)
            it.systemProperty("kairos.app.dir", projectDir.path)
        }
    }
}

// The bundled tracks (the files the simulator's scenarios replay) and the signed catalogs.
val qaAssets by tasks.registering(Copy::class) {
    into(layout.buildDirectory.dir("generated/qa-assets"))
    from(workspace.resolve("tests/tracks")) { into("tracks"); include("*.gpx", "*.csv") }
    from(workspace.resolve("tests/catalogs")) { into("catalogs"); include("*.signed.json", "test-key.pub") }
}
tasks.named("preBuild") { dependsOn(qaAssets) }

dependencies {
    implementation("net.java.dev.jna:jna:5.19.1@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")
    testImplementation("org.junit.jupiter:junit-jupiter:5.11.4")
    testImplementation(kotlin("test-junit5"))
}
