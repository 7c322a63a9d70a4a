// swift-tools-version:6.0
import PackageDescription

// One concern per target; dependencies point one way:
// Postgres and FastCGI are leaves, Portal uses Postgres, PortalAPI uses Portal,
// only the executables know everything (see ../shared/DESIGN.md §2).
let package = Package(
    name: "EspaceEmployeur",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "portal-fcgi", targets: ["portal-fcgi"]),
        .executable(name: "portalctl", targets: ["portalctl"]),
        .executable(name: "ij-worker", targets: ["ij-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]
        ),
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "FastCGI"),
        .target(
            name: "Portal",
            dependencies: ["Postgres", "CSodium", "CCairo", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "PortalAPI",
            dependencies: [
                "Portal", .product(name: "Logging", package: "swift-log"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // Parsing and loading of OCSO's nightly batch files (../shared/specs/ocso-batch-files.md).
        .target(
            name: "OCSOBatch",
            dependencies: ["Portal", "Postgres", "CSodium", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "ij-worker",
            dependencies: [
                "OCSOBatch", "Portal", "Postgres", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "portal-fcgi",
            dependencies: [
                "FastCGI", "PortalAPI", "Portal", "Postgres", .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "portalctl",
            dependencies: [
                "Portal", "Postgres", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Shared by the test targets: where the throwaway cluster is, scratch databases, threads.
        .target(name: "TestSupport", dependencies: ["Postgres"], path: "Tests/Support"),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI"]),
        .testTarget(name: "PortalTests", dependencies: ["Portal", "Postgres", "TestSupport"]),
        .testTarget(name: "OCSOBatchTests", dependencies: ["OCSOBatch", "Portal", "Postgres", "TestSupport"]),
        .testTarget(
            name: "PortalAPITests",
            dependencies: ["PortalAPI", "Portal", "Postgres", "TestSupport", .product(name: "Prometheus", package: "swift-prometheus")]
        ),
    ]
)

// libFuzzer harnesses (Fuzz/, built by scripts/fuzz.sh with -sanitize=fuzzer,address): declared
// only when PORTAL_FUZZ=1, so a plain `swift build` or `swift test` never compiles them.
if Context.environment["PORTAL_FUZZ"] == "1" {
    package.targets += [
        .executableTarget(name: "fuzz-fastcgi", dependencies: ["FastCGI"], path: "Fuzz/fastcgi"),
        .executableTarget(name: "fuzz-batch", dependencies: ["OCSOBatch"], path: "Fuzz/batch"),
        .target(name: "FuzzSupport", dependencies: ["PortalAPI"], path: "Fuzz/support"),
        .executableTarget(name: "fuzz-json", dependencies: ["PortalAPI", "Portal", "FuzzSupport"], path: "Fuzz/json"),
        .executableTarget(name: "fuzz-multipart", dependencies: ["PortalAPI", "Portal", "FuzzSupport"], path: "Fuzz/multipart"),
    ]
}
