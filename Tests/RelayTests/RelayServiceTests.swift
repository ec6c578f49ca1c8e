import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import Testing

@testable import Relay

/// The relay as a swift-service-lifecycle service: a graceful shutdown (what SIGTERM and SIGINT
/// become in `parley relay`) or a cancellation stops accepting and closes the metrics listener;
/// the service listed after it (the announcer) stops first, while the relay still serves.
@Suite struct RelayServiceTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Whether a TCP connection to 127.0.0.1:`port` is accepted.
    static func accepts(_ port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    static func relay() async throws -> (RelayServer, port: Int, metricsPort: Int) {
        let server = try await RelayServer.bind(
            host: "127.0.0.1", port: 0, identity: People.relay, metrics: ("127.0.0.1", 0), logger: quiet)
        return (server, try #require(server.localAddress?.port), try #require(server.metricsAddress?.port))
    }

    /// A service that waits for its graceful shutdown, then runs `stopping`.
    struct Probe: Service {
        let stopping: @Sendable () async -> Void
        func run() async throws {
            try? await gracefulShutdown()
            await stopping()
        }
    }

    @Test func aGracefulShutdownStopsTheRelayAndTheServiceAfterItFirst() async throws {
        let (server, port, metricsPort) = try await Self.relay()
        let (started, start) = AsyncStream.makeStream(of: Void.self)
        let relayServedDuringProbe = Mutex<Bool?>(nil)
        let probe = Probe {
            let served = await Self.accepts(port)
            relayServedDuringProbe.withLock { $0 = served }
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [RelayService(server: server) { start.yield() }, probe], logger: Self.quiet))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await _ in started { break }
            #expect(await Self.accepts(port))
            #expect(try await LoadSupport.metricsOffPool(port: metricsPort).contains("\nparley_relay_clients "))
            await group.triggerGracefulShutdown()
            // The group ends, without an error, once both services have.
            try await tasks.next()
        }
        #expect(relayServedDuringProbe.withLock { $0 } == true, "the probe stopped while the relay still accepted")
        // Its listeners' state, not a connect: a port freed here may be bound at once by another
        // test running beside this one.
        #expect(!server.isListening)
    }

    @Test func aCancelledRelayServiceShutsTheRelayDownToo() async throws {
        let (server, port, _) = try await Self.relay()
        let (started, start) = AsyncStream.makeStream(of: Void.self)
        await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await RelayService(server: server) { start.yield() }.run() }
            for await _ in started { break }
            #expect(await Self.accepts(port))
            #expect(server.isListening)
            tasks.cancelAll()
            try? await tasks.next()
        }
        #expect(!server.isListening)
    }
}
