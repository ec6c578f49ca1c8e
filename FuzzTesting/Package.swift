// swift-tools-version:6.0
// libFuzzer targets for parley's decoders and state machines, kept out of the main package so
// that `swift build` of parley never needs the fuzzer runtime. Build and run with ./run.sh
// (see README.md); every Swift module, parley's included, is built with -sanitize=fuzzer,address.
import PackageDescription

/// One executable per fuzz target, each a main that hands its target to libFuzzer's driver.
let fuzzers = [
    "LengthPrefixFuzzer", "FrameCodecFuzzer", "HandshakePayloadFuzzer", "DiscoveryPacketFuzzer", "RelayCodecFuzzer",
    "OfflineSealFuzzer", "SessionMachineFuzzer", "DiscoveryMachineFuzzer", "CallMachineFuzzer",
    "RelayLinkMachineFuzzer", "RelayCoreFuzzer",
]

let package = Package(
    name: "parley-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "parley", path: ".."),
        // Already in parley's graph; named for the fixed keys of the fixtures.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        // The targets themselves (what one input does, its invariants, its seeds), shared with
        // parley's own test suite, which replays the corpora through them (Tests: FuzzReplayTests).
        .target(
            name: "FuzzTargets",
            dependencies: [
                .product(name: "ParleyCore", package: "parley"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Declares LLVMFuzzerRunDriver, through which each fuzzer's own main starts libFuzzer.
        .target(name: "CFuzzerDriver", path: "Fuzzers/CFuzzerDriver"),
    ] + fuzzers.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzTargets", "CFuzzerDriver"],
            path: "Fuzzers/\(name)"
        )
    },
    swiftLanguageModes: [.v6]
)
