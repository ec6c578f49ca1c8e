// parley's session benchmarks: the crypto, the handshake with and without sockets, a message
// round trip through the whole stack, and a plain TCP ping-pong to compare it with.
//
// Every socket is on 127.0.0.1. Each benchmark is bounded by `maxDuration`, so the suite runs in
// well under two minutes after the build. Targets are checked by ../../run.sh.

import Benchmark
import Identity
import Net
import Noise
import Session
import Wire

let benchmarks: @Sendable () -> Void = {
    // Wall clock with percentiles is what the targets are about; the malloc count shows how much
    // allocation each path does (the interposer is preloaded by the benchmark plugin).
    let metrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal]

    /// Fast in-memory work: many iterations, reported in nanoseconds.
    func fast(seconds: Int = 2) -> Benchmark.Configuration {
        .init(
            metrics: metrics, timeUnits: .nanoseconds, warmupIterations: 1_000,
            maxDuration: .seconds(seconds), maxIterations: 2_000_000)
    }

    /// Work that takes tens to hundreds of microseconds.
    func slow(seconds: Int = 3, units: BenchmarkTimeUnits, maxIterations: Int = 200_000) -> Benchmark.Configuration {
        .init(
            metrics: metrics, timeUnits: units, warmupIterations: 100,
            maxDuration: .seconds(seconds), maxIterations: maxIterations)
    }

    // MARK: Crypto alone

    Benchmark("Noise seal+open 160-byte frame", configuration: fast()) { benchmark, pair in
        let plaintext = pair.plaintext
        for _ in benchmark.scaledIterations {
            do {
                let sealed = try pair.initiator.encrypt(plaintext)
                blackHole(try pair.responder.decrypt(sealed))
            } catch {
                benchmark.error("seal/open failed: \(error)")
                return
            }
        }
    } setup: {
        try TransportPair()
    }

    Benchmark(
        "Noise XX handshake in memory (HandshakeState only)", configuration: slow(seconds: 2, units: .microseconds)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            do {
                blackHole(try noiseHandshakeInMemory())
            } catch {
                benchmark.error("\(error)")
                return
            }
        }
    }

    Benchmark("Identity binding verify (Ed25519)", configuration: slow(seconds: 1, units: .microseconds)) {
        benchmark, payload in
        let staticKey = Array(Fixtures.bob.staticKey.publicKey.rawRepresentation)
        for _ in benchmark.scaledIterations {
            guard IdentityBinding.verify(payload, noiseStaticKey: staticKey) else {
                benchmark.error("binding signature did not verify")
                return
            }
        }
    } setup: {
        try Fixtures.bob.handshakePayload()
    }

    Benchmark(
        "SessionMachine XX handshake in memory (both sides)", configuration: slow(seconds: 2, units: .microseconds)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            do {
                blackHole(try sessionHandshakeInMemory())
            } catch {
                benchmark.error("\(error)")
                return
            }
        }
    }

    // A peer met before: both bindings come from the cache, and each side's next ephemeral key
    // was made ahead of time (outside the measurement).
    Benchmark(
        "SessionMachine XX handshake in memory, known peer (cached, keys made ahead)",
        configuration: slow(seconds: 2, units: .microseconds)
    ) { benchmark in
        Fixtures.aliceCredentials.ephemeralKeys.refill()
        Fixtures.bobCredentials.ephemeralKeys.refill()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            do {
                blackHole(
                    try sessionHandshakeInMemory(
                        initiator: Fixtures.aliceCredentials, responder: Fixtures.bobCredentials))
            } catch {
                benchmark.error("\(error)")
                return
            }
        }
        benchmark.stopMeasurement()
    }

    // The per-message work of (3) without I/O. The receiver's duplicate filter fills up after
    // 4096 messages; the run is long enough that most iterations see it full.
    Benchmark("SessionMachine text+ack in memory (no sockets)", configuration: fast()) { benchmark, pair in
        for _ in benchmark.scaledIterations {
            do {
                try pair.textAndAck(Fixtures.text)
            } catch {
                benchmark.error("\(error)")
                return
            }
        }
    } setup: {
        try MachinePair()
    }

    // MARK: The stack over loopback TCP

    Benchmark(
        "XX handshake over loopback TCP (both sides)",
        // Every iteration leaves a client socket in TIME_WAIT; the cap keeps well clear of the
        // ephemeral port range.
        configuration: slow(units: .microseconds, maxIterations: 15_000)
    ) { benchmark, server in
        for _ in benchmark.scaledIterations {
            do {
                let connection = try await SessionConnector.connect(
                    host: Fixtures.host, port: server.port, credentials: Fixtures.aliceCredentials)
                _ = try await connection.established()
                await connection.close()
            } catch {
                benchmark.error("handshake over TCP failed: \(error)")
                return
            }
        }
    } setup: {
        try await LoopbackServer.start()
    } teardown: {
        await Cleanup.shared.run()
    }

    // The same with nothing remembered from earlier handshakes: both sides verify the other's
    // binding signature, and both make their ephemeral key on the spot.
    Benchmark(
        "XX handshake over loopback TCP, first contact (nothing cached)",
        configuration: slow(units: .microseconds, maxIterations: 15_000)
    ) { benchmark, server in
        for _ in benchmark.scaledIterations {
            do {
                let connection = try await SessionConnector.connect(
                    host: Fixtures.host, port: server.port, credentials: Fixtures.aliceFirstContact)
                _ = try await connection.established()
                await connection.close()
            } catch {
                benchmark.error("handshake over TCP failed: \(error)")
                return
            }
        }
    } setup: {
        try await LoopbackServer.start(credentials: Fixtures.bobFirstContact)
    } teardown: {
        await Cleanup.shared.run()
    }

    // The handshake alone (HandshakeOnly.swift): a connection set up before the measurement
    // and closed after it; measured from the initiator starting its session to both sides
    // established. Ephemeral keys from the production pool on both sides.
    // The targets judge the span timed on the event loops (see `ConnectedPairs.handshake`);
    // the wall clock, with the benchmark's own task-to-loop hops around it, is reported beside.
    let onEventLoops = BenchmarkMetric.custom("handshake ns, timed on the event loops")
    let handshakeAlone = Benchmark.Configuration(
        metrics: metrics + [onEventLoops], timeUnits: .microseconds, units: [onEventLoops: .count],
        warmupIterations: 100, maxDuration: .seconds(3), maxIterations: 15_000)
    // Two placements of the two sides: on NIO's shared group (two loops, one per vCPU: each
    // message wakes the other thread, and on this VM a wake-up across idle vCPUs costs tens of
    // µs, README.md "Noise"), and on one event loop of their own (both sides take turns on one
    // thread, pinned or not: the handshake's own cost over the real socket, without that).
    let placements: [(suffix: String, oneLoop: Bool)] = [("", false), (", both sides on one event loop", true)]
    let contacts: [(name: String, initiator: SessionCredentials, responder: SessionCredentials)] = [
        ("peer met before", Fixtures.aliceCredentials, Fixtures.bobCredentials),
        ("first contact", Fixtures.aliceNoBindingCache, Fixtures.bobNoBindingCache),
    ]
    for placement in placements {
        for contact in contacts {
            Benchmark(
                "XX handshake alone on a connected loopback TCP socket, \(contact.name)\(placement.suffix)",
                configuration: handshakeAlone
            ) { benchmark, pairs in
                do {
                    let onLoops = try await pairs.handshake(
                        initiator: contact.initiator, responder: contact.responder
                    ) { start in start ? benchmark.startMeasurement() : benchmark.stopMeasurement() }
                    benchmark.measurement(onEventLoops, onLoops)
                } catch {
                    benchmark.error("handshake failed: \(error)")
                }
            } setup: {
                try await ConnectedPairs.start(oneLoop: placement.oneLoop)
            } teardown: {
                await Cleanup.shared.run()
            }
        }
    }

    Benchmark("Text round trip through the whole stack", configuration: slow(units: .nanoseconds)) {
        benchmark, session in
        for _ in benchmark.scaledIterations {
            do {
                try await session.roundTrip(Fixtures.text)
            } catch {
                benchmark.error("text round trip failed: \(error)")
                return
            }
        }
    } setup: {
        try await EstablishedSession.open()
    } teardown: {
        await Cleanup.shared.run()
    }

    // The client application on its connection's event loop, sending without waiting; the
    // server's on its own loop (OnLoop.swift). Only the round trips are measured, not the
    // switch onto the loop's executor around them.
    Benchmark("Text round trip, application on the event loop (sendNow)", configuration: slow(units: .nanoseconds)) {
        benchmark, session in
        await withTaskExecutorPreference(session.executor) {
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                do {
                    try await session.roundTrip(Fixtures.text)
                } catch {
                    benchmark.error("text round trip failed: \(error)")
                    return
                }
            }
            benchmark.stopMeasurement()
        }
    } setup: {
        try await OnLoopSession.open()
    } teardown: {
        await Cleanup.shared.run()
    }

    // MARK: The floor

    Benchmark("Plain TCP ping-pong (baseline)", configuration: slow(units: .nanoseconds)) { benchmark, pingPong in
        for _ in benchmark.scaledIterations {
            do {
                try pingPong.roundTrip()
            } catch {
                benchmark.error("ping-pong failed: \(error)")
                return
            }
        }
    } setup: {
        try await PlainTCPPingPong.start()
    } teardown: {
        await Cleanup.shared.run()
    }

    // The floor of (3b): the same hops through SwiftNIO, without the session (OnLoop.swift).
    Benchmark(
        "Plain TCP ping-pong through NIO, application on the event loop", configuration: slow(units: .nanoseconds)
    ) { benchmark, pingPong in
        await withTaskExecutorPreference(pingPong.executor) {
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                do {
                    try await pingPong.roundTrip()
                } catch {
                    benchmark.error("ping-pong failed: \(error)")
                    return
                }
            }
            benchmark.stopMeasurement()
        }
    } setup: {
        try await OnLoopPingPong.open()
    } teardown: {
        await Cleanup.shared.run()
    }

    // MARK: Pieces of the above, for taking the figures apart

    registerDiagnostics(metrics: metrics)
}
