// The demo app. Kairos comes as an app team takes it: dev.kairos:kairos-android (the platform layer,
// which brings dev.kairos:kairos, the bindings with the native libraries) from the Maven repository
// `cargo xtask android && cargo xtask package` write (target/package/maven, see settings.gradle.kts).
// The QA tracks and catalogs come from tests/ (copied into the APK's assets).
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

val workspace = rootDir.parentFile

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
        assets.srcDirs(layout.buildDirectory.dir("generated/qa-assets"))
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    // The JVM tests of logic/ run against the host library (dev.kairos:kairos-forUnitTests) and tests/.
    testOptions {
        unitTests.all {
            it.useJUnitPlatform()
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
    implementation("dev.kairos:kairos-android:0.1.0")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")
    // The redemption token's QR code (logic/QrCode.kt): ZXing's pure-Java encoder, from Maven Central.
    implementation("com.google.zxing:core:3.5.3")
    testImplementation("dev.kairos:kairos-forUnitTests:0.1.0")
    testImplementation("org.junit.jupiter:junit-jupiter:5.11.4")
    testImplementation(kotlin("test-junit5"))
}
