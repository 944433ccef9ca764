// swift-tools-version:6.2
import PackageDescription

// The upcoming features Hummingbird 2.x builds with; all are Swift 7 defaults.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "epcis-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "epcis-gateway", targets: ["EPCISGatewayCLI"]),
        .library(name: "GS1", targets: ["GS1"]),
        .library(name: "EPCIS", targets: ["EPCIS"]),
        .library(name: "Records", targets: ["Records"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "DSCSA", targets: ["DSCSA"]),
        .library(name: "Partners", targets: ["Partners"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // MARK: System libraries (Debian -dev packages; flags come from pkg-config)
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibSSH2", pkgConfig: "libssh2", providers: [.apt(["libssh2-1-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // MARK: Real C functions for what Swift cannot import (variadics, function-like macros)
        .target(
            name: "CGatewayShims", dependencies: ["CLibXML2", "CCurl", "CLibSSH2", "COpenSSL"],
            // zlib: RFC 3274 compression, which Debian's OpenSSL is built without.
            linkerSettings: [.linkedLibrary("z")]),

        // MARK: Pure domain modules (no I/O)
        .target(name: "GS1", swiftSettings: swiftSettings),
        // The VRS responder's decisions: request checks, the decision table, policy, cool-down.
        .target(name: "Verification", dependencies: ["GS1"], swiftSettings: swiftSettings),
        // AS2's MIME, names and MDN decisions; the CMS and HTTP parts are in Transports.
        .target(name: "AS2", dependencies: ["GatewayCore"], swiftSettings: swiftSettings),

        // MARK: What several modules need and none owns: private files, the blocking pool
        .target(name: "GatewayCore", dependencies: ["COpenSSL", .product(name: "NIOPosix", package: "swift-nio")], swiftSettings: swiftSettings),

        // MARK: Documents and edges
        .target(
            name: "EPCIS",
            dependencies: ["GS1", "GatewayCore", "CLibXML2", "COpenSSL", "CGatewayShims"],
            swiftSettings: swiftSettings
        ),
        .target(name: "Outbox", swiftSettings: swiftSettings),
        .target(name: "Records", dependencies: ["GS1", "GatewayCore"], swiftSettings: swiftSettings),
        .target(
            name: "Store",
            dependencies: [
                "GS1", "Records", "Outbox", "GatewayCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "Partners", dependencies: ["GS1", "Verification", .product(name: "Yams", package: "Yams")], swiftSettings: swiftSettings),
        // The GS1 US DSCSA rules over one document (`validate --profile dscsa`, the composer).
        .target(name: "Compliance", dependencies: ["EPCIS", "GS1", "GatewayCore"], swiftSettings: swiftSettings),
        .target(
            name: "DSCSA", dependencies: ["GS1", "EPCIS", "Records", "Store", "Compliance", "Outbox", "GatewayCore"], swiftSettings: swiftSettings),
        .target(
            name: "Delivery",
            dependencies: [
                "Outbox", "Store", "Partners", "Transports", "GatewayCore", "DSCSA", "EPCIS", "Compliance",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GatewayServer",
            dependencies: [
                "Records", "Store", "Delivery", "Partners", "Transports", "GatewayCore", "AS2", "EPCIS", "Verification", "GS1", "Compliance",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Transports",
            dependencies: [
                "AS2", "Partners", "GatewayCore", "CCurl", "COpenSSL", "CLibSSH2", "CGatewayShims",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Command line
        .executableTarget(
            name: "EPCISGatewayCLI",
            dependencies: [
                "GS1", "EPCIS", "Transports", "Records", "Store", "DSCSA", "GatewayServer", "Partners", "Outbox", "Delivery", "Verification",
                "Compliance", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Benchmarks (run by hand; see Benchmarks/README.md)
        .executableTarget(
            name: "EPCISBenchmarks",
            dependencies: ["EPCIS", "GS1", "Compliance"],
            path: "Benchmarks/EPCISBenchmarks",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: ["Records", "Store", "DSCSA", "EPCIS", "GS1"],
            path: "Benchmarks/StoreBenchmarks",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "DeliveryBenchmarks",
            dependencies: ["Delivery", "Outbox", "Partners", "Store", "Transports", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/DeliveryBenchmarks",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "VRSBenchmarks", dependencies: ["Store", "Records", "GS1"], path: "Benchmarks/VRSBenchmarks", swiftSettings: swiftSettings),
        .executableTarget(
            name: "AS2Benchmarks", dependencies: ["Transports", "Partners"], path: "Benchmarks/AS2Benchmarks", swiftSettings: swiftSettings),
        .executableTarget(
            name: "SFTPBenchmarks", dependencies: ["Transports", "Partners", "GatewayCore"], path: "Benchmarks/SFTPBenchmarks",
            swiftSettings: swiftSettings),

        // MARK: Tests
        .testTarget(name: "GS1Tests", dependencies: ["GS1"], swiftSettings: swiftSettings),
        .testTarget(name: "VerificationTests", dependencies: ["Verification"], swiftSettings: swiftSettings),
        .testTarget(name: "AS2Tests", dependencies: ["AS2", "Transports", "Partners", "TestSupport", "GatewayCore"], swiftSettings: swiftSettings),
        // The two store engines every store-backed test runs on, and raw SQL behind a store's back.
        .target(
            name: "StoreTestSupport", dependencies: ["Store", "Records", "Partners", "TestSupport"], path: "Tests/StoreTestSupport",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "DSCSATests", dependencies: ["DSCSA", "Store", "Records", "EPCIS", "GatewayCore", "TestSupport", "StoreTestSupport", "Outbox"],
            swiftSettings: swiftSettings),
        // Helpers the test targets share (external tools, the shared reference material).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "EPCISTests", dependencies: ["EPCIS", "GS1", "GatewayCore", "TestSupport"], exclude: ["Golden"], swiftSettings: swiftSettings),
        .testTarget(name: "ComplianceTests", dependencies: ["Compliance", "EPCIS", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RecordsTests", dependencies: ["Records", "GS1", "GatewayCore", "EPCIS", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store", "Records", "GS1", "TestSupport", "StoreTestSupport", "Delivery", "Outbox", "Partners", "Transports",
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "OutboxTests", dependencies: ["Outbox"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GatewayServerTests",
            dependencies: [
                "GatewayServer", "Store", "Records", "Partners", "TestSupport", "Delivery", "Transports", "AS2", "Outbox", "StoreTestSupport", "GS1",
                "GatewayCore", "Verification", .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DeliveryTests",
            dependencies: [
                "Delivery", "Store", "Outbox", "Partners", "Transports", "GatewayCore", "TestSupport", "StoreTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PartnersTests", dependencies: ["Partners", "GS1", "TestSupport", "Verification"], exclude: ["Lint"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CLITests",
            dependencies: ["EPCISGatewayCLI", "EPCIS", "Transports", "TestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
