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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2")
    ],
    targets: [
        // MARK: System libraries (Debian -dev packages; flags come from pkg-config)
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibSSH2", pkgConfig: "libssh2", providers: [.apt(["libssh2-1-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // MARK: Real C functions for what Swift cannot import (variadics, function-like macros)
        .target(name: "CGatewayShims", dependencies: ["CLibXML2", "CCurl", "CLibSSH2", "COpenSSL"]),

        // MARK: Pure domain modules (no I/O)
        .target(name: "GS1", swiftSettings: swiftSettings),

        // MARK: Documents and edges
        .target(
            name: "EPCIS",
            dependencies: ["GS1", "CLibXML2", "COpenSSL", "CGatewayShims"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Transports",
            dependencies: ["CCurl", "COpenSSL", "CLibSSH2", "CGatewayShims"],
            swiftSettings: swiftSettings
        ),

        // MARK: Command line
        .executableTarget(
            name: "EPCISGatewayCLI",
            dependencies: [
                "GS1", "EPCIS", "Transports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Benchmarks (run by hand; see Benchmarks/README.md)
        .executableTarget(
            name: "EPCISBenchmarks",
            dependencies: ["EPCIS", "GS1"],
            path: "Benchmarks/EPCISBenchmarks",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(name: "GS1Tests", dependencies: ["GS1"], swiftSettings: swiftSettings),
        .testTarget(name: "EPCISTests", dependencies: ["EPCIS", "GS1"], exclude: ["Golden"], swiftSettings: swiftSettings),
        .testTarget(
            name: "CLITests",
            dependencies: ["EPCISGatewayCLI", "EPCIS", "Transports"],
            swiftSettings: swiftSettings
        ),
    ]
)
