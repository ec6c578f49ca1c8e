// The XX handshake alone over loopback TCP: the connection is set up before the measurement and
// closed after it, so the figure is the handshake's three messages crossing a real socket and both
// sides' work on them, without the connect, accept and close that (2) and (2b) include.

import NIOCore
import NIOPosix
import Net
import Session

/// A NIO server on 127.0.0.1 that accepts connections without any handler and hands each one,
/// in order, to the benchmark; and a client bootstrap with `SessionConnector`'s options.
final class ConnectedPairs {
    private let address: SocketAddress
    private let bootstrap: ClientBootstrap
    private var accepted: AsyncStream<Channel>.Iterator

    private init(address: SocketAddress, accepted: AsyncStream<Channel>) {
        self.address = address
        bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        self.accepted = accepted.makeAsyncIterator()
    }

    /// The server's options are `SessionServer`'s.
    static func start() async throws -> ConnectedPairs {
        let (stream, continuation) = AsyncStream.makeStream(of: Channel.self)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { child in
                continuation.yield(child)
                return child.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: Fixtures.host, port: 0).get()
        await Cleanup.shared.register {
            try? await server.close()
            continuation.finish()
        }
        guard let port = server.localAddress?.port else { throw BenchmarkFailure("the server has no local port") }
        return ConnectedPairs(address: try SocketAddress(ipAddress: Fixtures.host, port: port), accepted: stream)
    }

    /// A connected pair: (client side, server side), both active.
    func next() async throws -> (Channel, Channel) {
        let client = try await bootstrap.connect(to: address).get()
        guard let server = await accepted.next() else { throw BenchmarkFailure("the server stopped accepting") }
        // The accepted channel is registered and active once its pipeline is set up; wait for
        // that on its loop so that the responder's session starts on a live connection.
        try await server.eventLoop.submit {}.get()
        return (client, server)
    }

    /// One handshake on a fresh connection; only the handshake is measured. The responder's
    /// session is installed first (it only waits for message 1); the measurement starts when
    /// the initiator's session is, which writes message 1, and ends when both sides are
    /// established (the responder once message 3 is read and its binding checked).
    func handshake(
        initiator: SessionCredentials, responder: SessionCredentials, measure: (_ start: Bool) -> Void
    ) async throws {
        let (clientChannel, serverChannel) = try await next()
        let (responderConnection, responderEstablished) = try await serverChannel.eventLoop.submit {
            let connection = try PeerConnection.start(on: serverChannel, role: .responder, credentials: responder)
            return (connection, connection.establishedFuture)
        }.get()

        measure(true)
        let initiatorConnection = try await clientChannel.eventLoop.flatSubmit {
            do {
                let connection = try PeerConnection.start(on: clientChannel, role: .initiator, credentials: initiator)
                return connection.establishedFuture.and(responderEstablished).map { _ in connection }
            } catch {
                return clientChannel.eventLoop.makeFailedFuture(error)
            }
        }.get()
        measure(false)

        await initiatorConnection.close()
        await responderConnection.close()
    }
}
