import NIOCore
import NIOPosix
import Session

/// Accepts TCP connections and runs a responder session on each. One connection's failure
/// never touches another's.
public final class SessionServer: Sendable {
    public let channel: Channel

    private init(channel: Channel) { self.channel = channel }

    public var localAddress: SocketAddress? { channel.localAddress }

    /// Binds `host:port` (port 0 picks a free one) and calls `onSession` for each connection
    /// as soon as it is accepted (before its handshake).
    public static func bind(
        host: String, port: Int, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        credentials: SessionCredentials, config: SessionConfig = SessionConfig(),
        onSession: @escaping @Sendable (PeerConnection) -> Void
    ) async throws -> SessionServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let connection = try PeerConnection.install(
                        on: child, role: .responder, credentials: credentials, config: config)
                    onSession(connection)
                }
            }
            .bind(host: host, port: port)
            .get()
        return SessionServer(channel: channel)
    }

    /// Stops accepting. Sessions already running go on until their owners close them.
    public func close() async {
        try? await channel.close()
    }
}
