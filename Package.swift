// swift-tools-version:6.0
// Jixiao: the `jixiao` executable. The domain, engine, file formats and CLI verbs live in
// the nested package Packages/JixiaoCore (Vapor-free, fast to build and test).
import PackageDescription

let package = Package(
    name: "Jixiao",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "jixiao", targets: ["jixiao"])
    ],
    dependencies: [
        .package(path: "Packages/JixiaoCore"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .executableTarget(
            name: "jixiao",
            dependencies: [
                .product(name: "JixiaoCommands", package: "JixiaoCore"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ])
    ]
)
