// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "fruitpak-frontdoor",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "balancer", targets: ["BalancerExecutable"]),
        .executable(name: "health-service", targets: ["HealthService"]),
        // The bare SwiftNIO relay the balancer's cost per request is measured against (docs/performance.md).
        .executable(name: "nio-relay", targets: ["BalancerRelayFloor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        // zlib for on-the-fly gzip; already resolved for the WebSocket client's permessage-deflate.
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        // TLS termination on BoringSSL (no system OpenSSL is linked) and reading certificates for checks and status.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    ],
    targets: [
        // C shims: the system libraries the replicas use for readiness checks.
        .systemLibrary(
            name: "CLibPQ",
            path: "Sources/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // No pkgConfig: Debian's hiredis.pc adds only `-I/usr/include/hiredis`, which the shim does not need (it
        // includes <hiredis/hiredis.h>), and `-D_FILE_OFFSET_BITS=64`, which SwiftPM drops with a warning on every
        // build (a no-op on 64-bit Linux anyway). The library itself is linked by the module map.
        .systemLibrary(
            name: "CHiredis",
            path: "Sources/CHiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // The balancer's memory allocator. Linked into the `balancer` executable only (tests and fuzz targets keep the C
        // library's malloc, which the sanitizers replace): its malloc then serves the whole process. No pkgConfig:
        // jemalloc.pc adds only the default paths.
        .systemLibrary(
            name: "CJemalloc",
            path: "Sources/CJemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),
        .target(
            name: "Shared",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The balancer's decisions without sockets: config, HTTP/1 framing, routing, balancing, and the health and
        // proxy state machines. No NIOPosix: nothing here opens a socket or runs an event loop.
        .target(
            name: "BalancerCore",
            dependencies: [
                "Shared",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                // Rate- and connection-limit zones are shared by every event loop: atomics on the hot path, a
                // lock only when a key is added.
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // The NIO runtime on top of the core: listeners, connection handlers, pools, health probes, DNS, admin,
        // the command line. A library so the fuzz targets can link it; the executable only calls its command.
        .target(
            name: "Balancer",
            dependencies: [
                "BalancerCore",
                "Shared",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // SHA-256 of admin passwords; the replicas already build it.
                .product(name: "Crypto", package: "swift-crypto"),
                // The process's parts run as Services of one ServiceGroup, stopped in order at shutdown.
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // gzip of served files and proxied responses.
                .product(name: "CompressNIO", package: "compress-nio"),
                // TLS listeners and upstream TLS; certificates are read for `check`, the status page and SNI.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: [
                // The proxy's hot path is single-threaded per connection by design; dynamic exclusivity checks cost
                // measurable time per request there and guard nothing the design does not already rule out.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
            ]
        ),
        .executableTarget(
            name: "BalancerExecutable",
            dependencies: ["Balancer", "CJemalloc"]
        ),
        .executableTarget(
            name: "BalancerRelayFloor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        .executableTarget(
            name: "HealthService",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "Shared",
                "CLibPQ",
                "CHiredis",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: [
                "Shared",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BalancerTests",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "Balancer",
                "BalancerCore",
                "FramingOracles",
                "Shared",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                // Decodes what the balancer gzipped.
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                // Test certificates (ECDSA and RSA keys) are made at test time.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            // Run from its place in the source tree by StatusPageLiveTests; not a resource of the test bundle.
            exclude: ["Admin/Tools/cdp_page.py"]
        ),
        .testTarget(
            name: "HealthServiceTests",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "HealthService",
                "Shared",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Fuzz targets for the HTTP/1 framing: libFuzzer entry points when built with `-D FUZZING` by
        // scripts/fuzz.sh, corpus replayers otherwise. The oracles live in FramingOracles, which the tests share.
        .target(
            name: "FramingOracles",
            dependencies: [
                "Balancer",
                "BalancerCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Tests/Fuzz/FramingOracles"
        ),
        .executableTarget(
            name: "RequestFramingFuzzer",
            dependencies: ["FramingOracles"],
            path: "Tests/Fuzz/RequestFramingFuzzer"
        ),
        .executableTarget(
            name: "ResponseFramingFuzzer",
            dependencies: ["FramingOracles"],
            path: "Tests/Fuzz/ResponseFramingFuzzer"
        ),
        // What a rate-limit check costs per request, and what sharing a zone between event loops costs (release:
        // `swift run -c release LimitZoneBench`).
        .executableTarget(
            name: "LimitZoneBench",
            dependencies: [
                "BalancerCore",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/Bench/LimitZoneBench"
        ),
        // The PROXY protocol parser: a load balancer's first bytes, in two reads, through ProxyProtocolOracle.
        .executableTarget(
            name: "ProxyProtocolFuzzer",
            dependencies: ["FramingOracles"],
            path: "Tests/Fuzz/ProxyProtocolFuzzer"
        ),
    ]
)
