import Identity
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Net
import Relay
import Session
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// Keys made once: generating and signing them is setup, not what is measured.
enum People {
    static let relay = LocalIdentity.generate(nickname: "relay")
    static let alice = LocalIdentity.generate(nickname: "alice")
    static let bob = LocalIdentity.generate(nickname: "bob")
    static let aliceCredentials = try! SessionCredentials(identity: alice)
    static let bobCredentials = try! SessionCredentials(identity: bob)
    static let network = Array("bench".utf8)
    static let host = "127.0.0.1"
    /// A ~20-byte chat line, as in the session benchmarks.
    static let text = "hello from parley :)"
}

/// What a benchmark's setup opened, closed again by its teardown.
actor Cleanup {
    static let shared = Cleanup()
    private var actions: [@Sendable () async -> Void] = []

    func register(_ action: @escaping @Sendable () async -> Void) { actions.append(action) }

    func run() async {
        let pending = actions.reversed()
        actions = []
        for action in pending { await action() }
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A relay on 127.0.0.1 (port chosen by the kernel) on an event loop of its own, so that its
/// thread's CPU time is the relay's work alone.
struct LoopbackRelay: Sendable {
    let server: RelayServer
    let port: Int
    let loop: EventLoop

    /// The relay's per-client rate limits (2000 messages/s by default) would shape a benchmark
    /// that sends as fast as it can; they are raised so that the figures are the relay's cost. All
    /// clients come from one loopback address: the per-address and handshake caps are lifted.
    static let unshaped = RelayConfig(
        maxPerAddress: 1_000_000, maxHandshaking: 1_000_000, messageRate: 100_000_000, messageBurst: 100_000_000,
        byteRate: 1 << 40, byteBurst: 1 << 40)

    static func start(config: RelayConfig = unshaped) async throws -> LoopbackRelay {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await RelayServer.bind(
            host: People.host, port: 0, identity: People.relay, config: config,
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }), group: group)
        let task = Task { try await server.run() }
        await Cleanup.shared.register {
            await server.shutdown()
            _ = try? await task.value
            try? await group.shutdownGracefully()
        }
        guard let port = server.localAddress?.port else { throw BenchmarkFailure("the relay has no local port") }
        return LoopbackRelay(server: server, port: port, loop: group.next())
    }

    /// A clock that reads the CPU time of the relay's event-loop thread.
    func cpuClock() async throws -> ThreadCPUClock {
        try await loop.submit { ThreadCPUClock.current() }.get()
    }

    func client(_ credentials: SessionCredentials, inbox: Inbox? = nil) async throws -> RelayClient {
        let client = try await RelayClient.connect(
            host: People.host, port: port, credentials: credentials, network: People.network,
            linkConfig: .init(expectedPeer: .peerID(People.relay.peerID))
        ) { connection, _ in
            if let inbox { inbox.add(connection) } else { drain(connection) }
        }
        await Cleanup.shared.register { await client.close() }
        return client
    }
}

/// The CPU time one thread has used so far (any thread may read it).
struct ThreadCPUClock: Sendable {
    let id: clockid_t

    static func current() -> ThreadCPUClock {
        var id = clockid_t()
        pthread_getcpuclockid(pthread_self(), &id)
        return ThreadCPUClock(id: id)
    }

    static let process = ThreadCPUClock(id: CLOCK_PROCESS_CPUTIME_ID)

    var nanoseconds: Int {
        var ts = timespec()
        clock_gettime(id, &ts)
        return ts.tv_sec * 1_000_000_000 + ts.tv_nsec
    }
}

/// Sessions peers opened to us through the relay, drained as an application would read them.
final class Inbox: Sendable {
    private let connections = NIOLockedValueBox<[PeerConnection]>([])

    func add(_ connection: PeerConnection) {
        connections.withLockedValue { $0.append(connection) }
        drain(connection)
    }

    var count: Int { connections.withLockedValue { $0.count } }
}

/// Reads a session's events until it ends, as an application does.
func drain(_ connection: PeerConnection) {
    Task { for await _ in connection.events {} }
}

/// One established session, the sending side held here: `send`, then wait for `.delivered`, the
/// same code for a direct session and a relayed one. Used by one task at a time (the load
/// benchmark hands each one to its own task), hence unchecked.
final class RoundTripper: @unchecked Sendable {
    let connection: PeerConnection
    private var events: AsyncStream<SessionEvent>.Iterator

    init(_ connection: PeerConnection) {
        self.connection = connection
        events = connection.events.makeAsyncIterator()
    }

    /// Direct: alice connects to bob's `SessionServer`.
    static func direct() async throws -> RoundTripper {
        let server = try await SessionServer.bind(host: People.host, port: 0, credentials: People.bobCredentials) {
            drain($0)
        }
        await Cleanup.shared.register { await server.close() }
        guard let port = server.localAddress?.port else { throw BenchmarkFailure("the server has no local port") }
        let connection = try await SessionConnector.connect(
            host: People.host, port: port, credentials: People.aliceCredentials)
        await Cleanup.shared.register { await connection.close() }
        _ = try await connection.established()
        return RoundTripper(connection)
    }

    /// Relayed: alice and bob registered with one relay; alice opens a session to bob through it.
    static func relayed() async throws -> RoundTripper {
        let relay = try await LoopbackRelay.start()
        _ = try await relay.client(People.bobCredentials)
        let alice = try await relay.client(People.aliceCredentials)
        let connection = try await alice.open(to: People.bob.peerID)
        await Cleanup.shared.register { await connection.close() }
        return RoundTripper(connection)
    }

    /// Sends `text` and returns once the peer's acknowledgement is reported as `.delivered`.
    func roundTrip(_ text: String) async throws {
        let id = try await connection.send(text)
        try await awaitDelivered(id)
    }

    func awaitDelivered(_ id: MessageID) async throws {
        while let event = await events.next() {
            switch event {
            case .delivered(let delivered, _) where delivered == id: return
            case .sendFailed(_, let error): throw BenchmarkFailure("send failed: \(error)")
            case .closed(let reason): throw BenchmarkFailure("session closed: \(reason)")
            default: continue
            }
        }
        throw BenchmarkFailure("events ended before .delivered(\(id))")
    }
}
