// The XX handshake alone over loopback TCP: the connection is set up before the measurement and
// closed after it, so the figure is the handshake's three messages crossing a real socket and both
// sides' work on them, without the connect, accept and close that (2) and (2b) include.

import Dispatch
import NIOConcurrencyHelpers
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

    private init(address: SocketAddress, accepted: AsyncStream<Channel>, group: any EventLoopGroup) {
        self.address = address
        bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        self.accepted = accepted.makeAsyncIterator()
    }

    /// The server's options are `SessionServer`'s. With `oneLoop`, client and server channels
    /// all live on one event loop of their own (one thread), so both sides of a handshake take
    /// turns on it; otherwise they are spread over NIO's shared group (one loop per CPU), and
    /// each handshake message crosses from one thread to the other.
    static func start(oneLoop: Bool = false) async throws -> ConnectedPairs {
        let group: any EventLoopGroup
        if oneLoop {
            let own = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            await Cleanup.shared.register { try? await own.shutdownGracefully() }
            group = own
        } else {
            group = MultiThreadedEventLoopGroup.singleton
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Channel.self)
        let server = try await ServerBootstrap(group: group)
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
        return ConnectedPairs(address: try SocketAddress(ipAddress: Fixtures.host, port: port), accepted: stream, group: group)
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
    ///
    /// Returns the same span timed on the event loops themselves, in nanoseconds: from just
    /// before the initiator's session starts (on its loop) to the moment the later of the two
    /// sides is established (on that side's loop), with the monotonic clock both loops share.
    /// The benchmark's own hops (task to loop, loop to loop to combine the two futures, loop
    /// back to the task) are outside it; `measure` brackets the wall-clock figure with them.
    func handshake(
        initiator: SessionCredentials, responder: SessionCredentials, measure: (_ start: Bool) -> Void
    ) async throws -> Int {
        let (clientChannel, serverChannel) = try await next()
        let responderDone = NIOLockedValueBox<UInt64?>(nil)
        let (responderConnection, responderEstablished) = try await serverChannel.eventLoop.submit {
            let connection = try PeerConnection.start(on: serverChannel, role: .responder, credentials: responder)
            let established = connection.establishedFuture
            established.whenSuccess { _ in responderDone.withLockedValue { $0 = DispatchTime.now().uptimeNanoseconds } }
            return (connection, established)
        }.get()

        measure(true)
        let (initiatorConnection, startedAt, initiatorDone) = try await clientChannel.eventLoop.flatSubmit {
            let startedAt = DispatchTime.now().uptimeNanoseconds
            do {
                let connection = try PeerConnection.start(on: clientChannel, role: .initiator, credentials: initiator)
                let initiatorEstablished = connection.establishedFuture.map { _ in
                    DispatchTime.now().uptimeNanoseconds
                }
                return initiatorEstablished.and(responderEstablished).map { done, _ in
                    (connection, startedAt, done)
                }
            } catch {
                return clientChannel.eventLoop.makeFailedFuture(error)
            }
        }.get()
        measure(false)

        await initiatorConnection.close()
        await responderConnection.close()
        guard let responderAt = responderDone.withLockedValue({ $0 }) else {
            throw BenchmarkFailure("the responder's establishment time was not recorded")
        }
        return Int(max(initiatorDone, responderAt) - startedAt)
    }
}
