// swift-tools-version:6.0
// parley: LAN chat and voice for the terminal, peer-to-peer and through a blind relay.
//
// Dependencies point one way:
//   parley → ParleyApp → ChatClient → ChatCore, Calls, Store, ChatModel, Net (the chat, send, peers,
//                                     call and history runtimes: argument parsing stays in ParleyApp)
//                      → Lab → Calls, Histogram (parley compare: real processes measured; lab-node)
//                      → Calls → Net, Voice, ChatModel, RunSupport (the call engine)
//                      → Relay → Net (the relay server; swift-log, NIOHTTP1 serving its metrics,
//                                     swift-metrics over a swift-prometheus registry of its own
//                                     producing them, swift-service-lifecycle for its Service,
//                                     GRDB for its durable mailbox)
//                      → ChatCore → Session (the chat's decisions, pure)
//                      → TUI → ChatModel, CNcursesw
//                      → ChatModel → Wire (commands, view types, line output: no ncurses)
//                      → Store → GRDB (SQLite)
//                      → Net → Session → Noise, Wire, Identity
//                      → Voice → Wire, COpus, CSpeexDSP, CSndfile, COpusEnc, COpusFile, CALSA
//                      → ServiceLifecycle (parley relay's ServiceGroup: signals, graceful shutdown)
//                      → TOMLKit (config.toml)
//                      → RunSupport (owned task groups, signal traps, failures and exit statuses,
//                                    child processes; depends on nothing)
// Nothing below Net imports NIOPosix or touches a socket. Only TUI imports ncursesw: the chat's
// core, its runtime (ChatClient) and the line client import ChatModel, not TUI.
import PackageDescription

let package = Package(
    name: "parley",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "parley", targets: ["parley"]),
        // The protocol stack without the command-line front end, for Benchmarks/ and embedders.
        .library(name: "ParleyCore", targets: ["Wire", "Noise", "Identity", "Session", "Net", "Relay"]),
        // The voice pipeline (Opus, jitter buffer, audio files and devices), for Benchmarks/.
        .library(name: "ParleyVoice", targets: ["Voice"]),
        // The chat client's parts (store, view types, full-screen TUI, call engine, commands, files), for Benchmarks/.
        .library(
            name: "ParleyClient",
            targets: ["Store", "ChatModel", "TUI", "Calls", "ChatClient", "ParleyApp", "RunSupport", "Files", "FileTransfer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // config.toml (parley chat's settings file): TOML through toml++.
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // The compare lab's latency percentiles: an HDR histogram per node, merged.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // The relay's Prometheus endpoint: swift-metrics' API over a per-relay swift-prometheus registry.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The relay's lifecycle: signals and graceful shutdown through a ServiceGroup.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // libopus, found through pkg-config (Debian: libopus-dev). Only Voice imports it.
        .systemLibrary(
            name: "COpus",
            pkgConfig: "opus",
            providers: [.apt(["libopus-dev"])]
        ),
        // libspeexdsp: jitter buffer, resampler, noise suppression, voice activity, echo cancellation.
        .systemLibrary(name: "CSpeexDSP", pkgConfig: "speexdsp", providers: [.apt(["libspeexdsp-dev"])]),
        // libsndfile: reading WAV and FLAC input files.
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        // libopusenc: recording calls as standard Ogg Opus files.
        .systemLibrary(name: "COpusEnc", pkgConfig: "libopusenc", providers: [.apt(["libopusenc-dev"])]),
        // libopusfile: reading Ogg Opus files.
        .systemLibrary(name: "COpusFile", pkgConfig: "opusfile", providers: [.apt(["libopusfile-dev"])]),
        // ALSA (libasound): live microphone and speaker devices.
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        // ncursesw: the full-screen terminal. Only TUI imports it.
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        // libsodium: the ChaCha20-Poly1305 AEAD of Noise's transport, one C call per message (swift-crypto's
        // ChaChaPoly spends ten times the cipher's own time around it), and Ed25519 verification (40 µs
        // against swift-crypto's 57 here; two per first contact). Noise and Identity import it.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        // The plumbing of a run: signal traps, owned task groups, failures and exit statuses.
        .target(name: "RunSupport"),
        // Byte layouts, frame codecs and limits. No crypto, no sockets.
        .target(name: "Wire"),
        // The Noise protocol framework on swift-crypto's primitives (and libsodium's AEAD).
        .target(name: "Noise", dependencies: ["CSodium", .product(name: "Crypto", package: "swift-crypto")]),
        // Long-term identity keys, peer IDs, fingerprints, and the key files on disk.
        .target(
            name: "Identity",
            dependencies: ["Wire", "CSodium", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Pure protocol state machines: the encrypted session, keepalive, acknowledgements.
        .target(
            name: "Session",
            dependencies: ["Wire", "Noise", "Identity", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Opus and audio: codec, jitter buffer, speech processing, files and devices.
        // The only module that imports the audio C libraries.
        .target(
            name: "Voice", dependencies: ["Wire", "COpus", "CSpeexDSP", "CSndfile", "COpusEnc", "COpusFile", "CALSA"]),
        // Durable state in SQLite through GRDB: history, outbox, known peers.
        .target(
            name: "Store",
            dependencies: [
                "Identity", "Wire", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // What the chat shows and takes, for both of its clients and without a terminal library:
        // commands and their parser, messages, peer rows, status, screen updates, and the line
        // client's output.
        .target(name: "ChatModel", dependencies: ["Wire"]),
        .target(name: "Files", dependencies: ["Wire", "Session", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "FileTransfer", dependencies: ["Files", "Net", "Session", "Wire"]),
        // The full-screen client: layout, line editor and key mapping as values; ncursesw adapter.
        .target(name: "TUI", dependencies: ["ChatModel", "Wire", "CNcursesw", "RunSupport"]),
        // The chat's decisions as one pure state machine: sessions per peer, the outbox and when it
        // goes out, routes (discovery, relay presence), and which window each notice belongs to.
        // No sockets, no terminal, no store I/O: events in, actions out, time a parameter.
        .target(name: "ChatCore", dependencies: ["Session", "Identity", "Wire"]),
        // SwiftNIO adapters: bootstraps and channel handlers that move bytes to the state machines.
        .target(
            name: "Net",
            dependencies: [
                "Session", "Wire", "Identity", "Noise",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The blind relay server: routing core (pure), NIO adapters, Prometheus metrics over HTTP/1
        // (swift-metrics into a per-relay swift-prometheus registry; no global MetricsSystem), the
        // relay and its announcer as swift-service-lifecycle services, and the offline mailbox in
        // SQLite (GRDB).
        .target(
            name: "Relay",
            dependencies: [
                "Net", "Session", "Wire", "Identity", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The call engine: one call machine, the sessions it calls over, and the media pipeline of
        // the active call (codec, devices, recording); `parley call`'s summary lines.
        .target(
            name: "Calls", dependencies: ["Net", "Session", "Identity", "Voice", "Wire", "ChatModel", "RunSupport"]),
        // `parley compare`: the lab that runs real parley processes (on loopback or in network
        // namespaces) against each other and a relay, and its statistics, table, JSON, SVG and report;
        // `parley lab-node`, one of its peers.
        .target(
            name: "Lab",
            dependencies: [
                "Calls", "Net", "Session", "Identity", "Voice", "Wire", "RunSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The chat client at run time: the chat controller that carries out ChatCore's actions over
        // real sessions, discovery, the relay link and calls, for both clients (no terminal library:
        // the full-screen client's screen is fed through a stream); and what `send`, `peers`, `call`
        // and `history` do once their arguments are parsed.
        .target(
            name: "ChatClient",
            dependencies: [
                "ChatCore", "Calls", "Net", "Session", "Identity", "Wire", "Voice", "Store", "ChatModel", "RunSupport",
                "Files", "FileTransfer",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // Commands: argument parsing and wiring.
        .target(
            name: "ParleyApp",
            dependencies: [
                "ChatClient", "Net", "Relay", "Session", "Identity", "Wire", "Voice", "Store", "ChatModel", "TUI",
                "Calls", "Lab", "RunSupport", "Files", "FileTransfer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "parley", dependencies: ["ParleyApp"]),

        .testTarget(name: "WireTests", dependencies: ["Wire"]),
        .testTarget(
            name: "NoiseTests",
            dependencies: ["Noise", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "IdentityTests",
            dependencies: ["Identity", "Wire", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The chat core with a fake clock: issue 13's scenarios, no sockets.
        .testTarget(name: "ChatCoreTests", dependencies: ["ChatCore", "Session", "Identity", "Wire"]),
        .testTarget(name: "SessionTests", dependencies: ["Session", "Noise", "Identity", "Wire"]),
        .testTarget(name: "VoiceTests", dependencies: ["Voice", "Wire", "RunSupport"]),
        // A real SQLite database in a temporary directory.
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "Identity", "Wire", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Owned task groups: started, cancelled one by one, ended with their run. Child processes.
        .testTarget(name: "RunSupportTests", dependencies: ["RunSupport"]),
        // Layout, wrapping and line editing as values; no terminal needed.
        .testTarget(name: "TUITests", dependencies: ["TUI", "ChatModel", "Wire"]),
        // The command parser and the view types, without a terminal.
        .testTarget(name: "ChatModelTests", dependencies: ["ChatModel"]),
        .testTarget(name: "FilesTests", dependencies: ["Files", "Session", "Wire", "TestSupport"]),
        // Real loopback sockets; binds port 0 only.
        .testTarget(
            name: "NetTests",
            dependencies: [
                "Net", "Session", "Identity", "Wire", "RunSupport", "TestSupport", "Files", "FileTransfer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        // What several test modules share: the gate through which load tests and real-time tests
        // take turns (LoadGate), blocking work kept off the task pool (offThePool), and no user
        // config.toml for the chats the tests start (NoUserConfig).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // The relay's pure core, and a real relay with real clients on loopback.
        .testTarget(
            name: "RelayTests",
            dependencies: [
                "Relay", "Net", "Session", "Identity", "Wire", "Noise", "RunSupport", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Help and man page checks, and the real `parley` binary driven as a subprocess.
        .testTarget(name: "AppTests", dependencies: ["ParleyApp", "RunSupport", "Identity", "TestSupport"]),
        // The chat client's core without a terminal: real loopback sessions and a real store.
        .testTarget(
            name: "ChatTests",
            dependencies: [
                "ChatClient", "Calls", "Net", "Session", "Identity", "Store", "ChatModel", "TUI", "Wire", "Relay",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // parley compare's pure parts (statistics, table, JSON, SVG, lab lines) and its namespaces.
        .testTarget(name: "CompareTests", dependencies: ["Lab", "ParleyApp", "Voice", "RunSupport", "TestSupport"]),
        // The call engine over real loopback sessions (glare, mute), and its pure helpers.
        .testTarget(
            name: "CallTests",
            dependencies: [
                "Calls", "ChatClient", "ParleyApp", "Net", "Session", "Voice", "Wire", "Identity", "RunSupport",
                "TestSupport",
            ]),
        // The real `parley` binary run as separate processes over loopback.
        // (Wire: discovery packets a test sends into a namespace, such as a spoofed relay announcement.)
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["parley", "Identity", "Store", "Wire", "Session", "RunSupport", "TestSupport"],
            exclude: ["Support/silent-attack.py"]),
        // The fuzz targets of FuzzTesting/ (a package of its own, for libFuzzer) run here in plain
        // Swift: their seed and regression corpora replayed and the seeds mutated, every invariant
        // checked. libFuzzer itself runs from FuzzTesting/run.sh.
        .testTarget(
            name: "FuzzReplayTests",
            dependencies: [
                "Wire", "Noise", "Identity", "Session", "Relay", .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "FuzzTesting",
            exclude: [
                "Package.swift", "Package.resolved", "run.sh", "README.md", "Corpus", "Regressions", "Fuzzers", ".build",
            ],
            sources: ["Sources/FuzzTargets", "Replay"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
