// swift-tools-version:6.0
// Jixiao: the `jixiao` executable and the web application. The domain, engine, file formats
// and CLI verbs live in the nested package Packages/JixiaoCore (Vapor-free, fast to build and test).
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
        .package(url: "https://github.com/vapor/vapor", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver", from: "2.14.0"),
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // Platform records (seed 000): set-based metrics over SQLKit, on SQLite (tests, CLI) and PostgreSQL.
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // The web application: one composition root (`configure`), pages in Plot, JSON API.
        .target(
            name: "JixiaoServer",
            dependencies: [
                .product(name: "JixiaoCore", package: "JixiaoCore"),
                .product(name: "JixiaoSchemeFile", package: "JixiaoCore"),
                .product(name: "JixiaoXLSX", package: "JixiaoCore"),
                "JixiaoPlatform",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Plot", package: "Plot"),
            ]),
        // Platform records of seed 000 (persons, needs, services …): schema, streaming ingest, metrics and
        // automatic checks as of a cut-off, all set-based in SQL. Vapor-free.
        .target(
            name: "JixiaoPlatform",
            dependencies: [
                .product(name: "SQLKit", package: "sql-kit"),
                // The bulk writer (SQLiteWriter.swift) uses the SQLite C API that sqlite-nio vendors (VaporCSQLite).
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "JixiaoXLSX", package: "JixiaoCore"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "JixiaoPlatformTests",
            dependencies: [
                "JixiaoPlatform", .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "JixiaoXLSX", package: "JixiaoCore"),
                // PlatformPostgresTests, PlatformPartitionTests and PlatformUnnestTests (skipped without DATABASE_URL).
                .product(name: "PostgresKit", package: "postgres-kit"), .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "jixiao",
            dependencies: [
                "JixiaoServer", "JixiaoPlatform", .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "JixiaoCommands", package: "JixiaoCore"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The load benchmark (scripts/load-bench runs it against a release build with the demo data).
        .executableTarget(
            name: "jixiao-load",
            dependencies: [.product(name: "AsyncHTTPClient", package: "async-http-client")]),
        .testTarget(
            name: "JixiaoServerTests",
            dependencies: [
                "JixiaoServer", .product(name: "JixiaoXLSX", package: "JixiaoCore"), .product(name: "XCTVapor", package: "vapor"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // Hostile xlsx files are built in the security tests.
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
    ]
)
