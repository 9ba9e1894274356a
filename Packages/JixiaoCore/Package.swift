// swift-tools-version:6.0
// The Vapor-free half of Jixiao: the domain and scoring engine (JixiaoCore, Foundation only)
// and its adapters that need no server: the YAML scheme format, xlsx, and the CLI commands.
// It is its own package so that its tests build and run in seconds without compiling Vapor.
import PackageDescription

let package = Package(
    name: "JixiaoCore",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "JixiaoCore", targets: ["JixiaoCore"]),
        .library(name: "JixiaoSchemeFile", targets: ["JixiaoSchemeFile"]),
        .library(name: "JixiaoXLSX", targets: ["JixiaoXLSX"]),
        .library(name: "JixiaoCommands", targets: ["JixiaoCommands"]),
        .executable(name: "jixiao-bench", targets: ["jixiao-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // Domain, expression language, rule engine, audit. Imports nothing but Foundation.
        .target(name: "JixiaoCore"),
        // Scheme and data files (YAML) → core values, with file:line errors.
        .target(name: "JixiaoSchemeFile", dependencies: ["JixiaoCore", "Yams"]),
        // .xlsx writing and reading over ZIPFoundation.
        .target(name: "JixiaoXLSX", dependencies: ["ZIPFoundation"]),
        // The command-line verbs (validate, score, audit, explain); the root package's
        // `jixiao` executable mounts them next to `serve`.
        .target(
            name: "JixiaoCommands",
            dependencies: [
                "JixiaoCore", "JixiaoSchemeFile", "JixiaoXLSX",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "jixiao-bench", dependencies: ["JixiaoCore"]),
        .testTarget(name: "JixiaoCoreTests", dependencies: ["JixiaoCore"]),
        .testTarget(name: "JixiaoSchemeFileTests", dependencies: ["JixiaoSchemeFile", "JixiaoCore"]),
        .testTarget(name: "JixiaoXLSXTests", dependencies: ["JixiaoXLSX", "JixiaoCore", "ZIPFoundation"]),
        .testTarget(
            name: "JixiaoCommandsTests",
            dependencies: ["JixiaoCommands", "JixiaoSchemeFile", "JixiaoCore", "JixiaoXLSX"]),
    ]
)
