// swift-tools-version:5.9
// The Kairos iOS demo as a Swift package:
//
// * `KairosDemoCore`: the platform-free logic (presenters, the QA replay driver, the
//   permission flow, which events become notifications), tested on Linux too;
// * `KairosDemoApp`: the SwiftUI screens, the notifications and the Keychain, over KairosKit
//   (the platform layer: CoreLocation, CMPedometer, BGTaskScheduler), all behind
//   `#if canImport(SwiftUI) && os(iOS)` or the like, so on Linux they are parsed but not compiled.
//
// The Xcode app (`project.yml`, XcodeGen) adds `App/KairosDemoMain.swift`, the `@main` entry.
// `Kairos` comes from `target/apple` when `cargo xtask apple` has built the XCFramework there
// (a Mac), else from `bindings/swift` with the host library (`cargo xtask test-demos`).
import Foundation
import PackageDescription

let appleBuild = FileManager.default.fileExists(atPath: Context.packageDirectory + "/../target/apple/KairosFFI.xcframework")
let kairos: Target.Dependency = .product(name: "Kairos", package: appleBuild ? "apple" : "swift")
let kairosKit: Target.Dependency = .product(name: "KairosKit", package: appleBuild ? "apple" : "swift")

let package = Package(
    name: "KairosDemo",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "KairosDemoCore", targets: ["KairosDemoCore"]),
        .library(name: "KairosDemoApp", targets: ["KairosDemoApp"]),
    ],
    dependencies: [
        .package(path: appleBuild ? "../target/apple" : "../bindings/swift"),
    ],
    targets: [
        .target(name: "KairosDemoCore", dependencies: [kairos]),
        .target(name: "KairosDemoApp", dependencies: ["KairosDemoCore", kairos, kairosKit]),
        .testTarget(name: "KairosDemoCoreTests", dependencies: ["KairosDemoCore", kairos]),
    ],
    swiftLanguageVersions: [.v5]
)
