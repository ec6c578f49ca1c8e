// swift-tools-version:6.1
// parley's benchmark suite, kept out of the main package so that building or testing parley
// never pulls in package-benchmark. Run with ./run.sh (see README.md).
import PackageDescription

let package = Package(
    name: "parley-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "parley", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // Already in the graph through parley; named here for the diagnostic benchmarks that
        // measure NIO alone (connect/close, event-loop hops).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Also in the graph through parley: the relay benchmarks silence the relay's logger.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // The benchmark plugin finds suites as executable targets under Benchmarks/<Name>/.
        // The target is not called "Session": that is a module of ParleyCore.
        .executableTarget(
            name: "SessionBenchmarks",
            dependencies: [
                .product(name: "ParleyCore", package: "parley"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/Session",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // LAN discovery: convergence of N peers and idle traffic, in a private network namespace
        // (root). Run with ./discovery.sh.
        .executableTarget(
            name: "DiscoveryBenchmarks",
            dependencies: [
                .product(name: "ParleyCore", package: "parley"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Discovery",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // Voice: codec cost per frame, the send and receive paths, one frame through the stack,
        // and the jitter buffer's settled depth on loopback. Run with ./voice.sh.
        .executableTarget(
            name: "VoiceBenchmarks",
            dependencies: [
                .product(name: "ParleyCore", package: "parley"),
                .product(name: "ParleyVoice", package: "parley"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Voice",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // The relay: round trip direct vs relayed, CPU per forwarded message, memory per idle
        // client (issue 5). Run by ./run.sh with the rest.
        .executableTarget(
            name: "RelayBenchmarks",
            dependencies: [
                .product(name: "ParleyCore", package: "parley"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/Relay",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // The chat client: opening a 100,000-message history and drawing the last screen, and a
        // keystroke echoed while a call runs (issue 6). Run by ./run.sh with the rest.
        .executableTarget(
            name: "FilesBenchmarks",
            dependencies: [
                .product(name: "ParleyCore", package: "parley"),
                .product(name: "ParleyClient", package: "parley"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Files",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(
            name: "ChatBenchmarks",
            dependencies: [
                .product(name: "ParleyCore", package: "parley"),
                .product(name: "ParleyVoice", package: "parley"),
                .product(name: "ParleyClient", package: "parley"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Chat",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
