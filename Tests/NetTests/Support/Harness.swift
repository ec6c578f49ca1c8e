import Identity
import NIOCore
import NIOPosix
import Session
import Synchronization
import Testing

@testable import Net

/// A server with its sessions collected, for tests on real loopback sockets (127.0.0.1, port 0).
final class TestServer: Sendable {
    let server: SessionServer
    let identity: LocalIdentity
    private let arrivals: AsyncStream<PeerConnection>.Continuation
    let accepted: AsyncStream<PeerConnection>

    var port: Int { server.localAddress!.port! }

    private init(
        server: SessionServer, identity: LocalIdentity,
        accepted: AsyncStream<PeerConnection>, arrivals: AsyncStream<PeerConnection>.Continuation
    ) {
        self.server = server
        self.identity = identity
        self.accepted = accepted
        self.arrivals = arrivals
    }

    static func start(nickname: String = "bob", config: SessionConfig = SessionConfig()) async throws -> TestServer {
        let identity = LocalIdentity.generate(nickname: nickname)
        let (stream, continuation) = AsyncStream.makeStream(of: PeerConnection.self)
        let server = try await SessionServer.bind(
            host: "127.0.0.1", port: 0, credentials: try SessionCredentials(identity: identity), config: config
        ) { connection in continuation.yield(connection) }
        return TestServer(server: server, identity: identity, accepted: stream, arrivals: continuation)
    }

    /// The next accepted connection.
    func nextSession() async throws -> PeerConnection {
        var iterator = accepted.makeAsyncIterator()
        guard let next = await iterator.next() else { throw TestFailure("server stopped") }
        return next
    }

    func stop() async {
        arrivals.finish()
        await server.close()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func connect(
    to port: Int, nickname: String = "alice", config: SessionConfig = SessionConfig()
) async throws -> (PeerConnection, LocalIdentity) {
    let identity = LocalIdentity.generate(nickname: nickname)
    let connection = try await SessionConnector.connect(
        host: "127.0.0.1", port: port, credentials: try SessionCredentials(identity: identity), config: config)
    return (connection, identity)
}

/// Fails the test instead of hanging when `body` takes longer than `seconds`.
func within<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw TestFailure("timed out after \(seconds) s")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Collects events from a connection until one matches, returning everything seen.
func events(
    of connection: PeerConnection, until stop: @escaping @Sendable (SessionEvent) -> Bool
) async -> [SessionEvent] {
    var seen: [SessionEvent] = []
    for await event in connection.events {
        seen.append(event)
        if stop(event) { break }
    }
    return seen
}

extension SessionEvent {
    var isClosed: Bool { if case .closed = self { true } else { false } }
    var message: IncomingMessage? { if case .message(let m) = self { m } else { nil } }
    var closeReason: CloseReason? { if case .closed(let r) = self { r } else { nil } }
}
