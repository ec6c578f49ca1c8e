// Diagnostic benchmarks: pieces of the TCP paths measured alone, with SwiftNIO and no parley
// code, so that the session figures can be taken apart (see README.md, "Where the time goes").

import Benchmark
import NIOCore
import NIOPosix

/// A NIO server on 127.0.0.1 that accepts connections and does nothing with them (NIO closes
/// each one when the client does). The same options as `SessionServer`.
struct BareServer: Sendable {
    let channel: Channel
    let port: Int

    static func start() async throws -> BareServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: Fixtures.host, port: 0)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw BenchmarkFailure("the bare server has no local port")
        }
        await Cleanup.shared.register { try? await channel.close() }
        return BareServer(channel: channel, port: port)
    }
}

func registerDiagnostics(metrics: [BenchmarkMetric]) {
    let connectConfiguration = Benchmark.Configuration(
        metrics: metrics, timeUnits: .microseconds, warmupIterations: 100,
        maxDuration: .seconds(2), maxIterations: 10_000)

    // As SessionConnector connects: by host string, which NIO resolves with getaddrinfo on a
    // dispatch queue and races through Happy Eyeballs, even for an IP literal.
    Benchmark("Diag: NIO connect+close by host string (no session)", configuration: connectConfiguration) {
        benchmark, server in
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        for _ in benchmark.scaledIterations {
            do {
                let channel = try await bootstrap.connect(host: Fixtures.host, port: server.port).get()
                try await channel.close()
            } catch {
                benchmark.error("connect failed: \(error)")
                return
            }
        }
    } setup: {
        try await BareServer.start()
    } teardown: {
        await Cleanup.shared.run()
    }

    // The same with the address already parsed: no resolver, no Happy Eyeballs.
    Benchmark("Diag: NIO connect+close by SocketAddress (no session)", configuration: connectConfiguration) {
        benchmark, server in
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: Fixtures.host, port: server.port)
        } catch {
            benchmark.error("\(error)")
            return
        }
        for _ in benchmark.scaledIterations {
            do {
                let channel = try await bootstrap.connect(to: address).get()
                try await channel.close()
            } catch {
                benchmark.error("connect failed: \(error)")
                return
            }
        }
    } setup: {
        try await BareServer.start()
    } teardown: {
        await Cleanup.shared.run()
    }

    // What every PeerConnection call costs before it does anything: a task hands a closure to
    // the event loop (waking it) and waits for the result (waking a concurrency thread).
    Benchmark(
        "Diag: task to event loop and back (submit + await)",
        configuration: .init(
            metrics: metrics, timeUnits: .nanoseconds, warmupIterations: 1_000,
            maxDuration: .seconds(2), maxIterations: 200_000)
    ) { benchmark, loop in
        for _ in benchmark.scaledIterations {
            do {
                try await loop.submit {}.get()
            } catch {
                benchmark.error("\(error)")
                return
            }
        }
    } setup: {
        MultiThreadedEventLoopGroup.singleton.next()
    }
}
