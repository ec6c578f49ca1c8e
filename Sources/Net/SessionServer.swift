import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Session

#if canImport(Glibc)
    import Glibc
#endif

/// Accepts TCP connections and runs a responder session on each. One connection's failure
/// never touches another's. Connections past the caps of `ListenerAdmission` are closed at once
/// (the oldest in its handshake, for the handshake cap), and a failed `accept` (out of
/// descriptors) pauses accepting for `ListenerLimits.acceptBackoff` instead of spinning.
public final class SessionServer: Sendable {
    public let channel: Channel
    private let gate: ListenerGate

    private init(channel: Channel, gate: ListenerGate) {
        self.channel = channel
        self.gate = gate
    }

    public var localAddress: SocketAddress? { channel.localAddress }

    /// Connections held now and how often each cap bit.
    public var stats: ListenerStats { gate.stats }

    /// Binds `host:port` (port 0 picks a free one) and calls `onSession` for each connection
    /// admitted, as soon as it is accepted (before its handshake).
    public static func bind(
        host: String, port: Int, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        credentials: SessionCredentials, config: SessionConfig = SessionConfig(),
        caps: ListenerAdmission.Caps = ListenerAdmission.Caps(),
        onSession: @escaping @Sendable (PeerConnection) -> Void
    ) async throws -> SessionServer {
        let gate = ListenerGate(caps: caps)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { server in
                server.eventLoop.makeCompletedFuture {
                    try server.pipeline.syncOperations.addHandler(AcceptPauseHandler(gate: gate))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(SessionSocket.thinStreamTimeouts, value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    guard let ticket = gate.admit(child) else {
                        child.close(promise: nil)
                        return
                    }
                    let connection = try PeerConnection.install(
                        on: child, role: .responder, credentials: credentials, config: config)
                    connection.establishedFuture.whenSuccess { _ in gate.established(ticket) }
                    onSession(connection)
                }
            }
            .bind(host: host, port: port)
            .get()
        return SessionServer(channel: channel, gate: gate)
    }

    /// Stops accepting. Sessions already running go on until their owners close them.
    public func close() async {
        try? await channel.close()
    }
}

/// Stops accepting for a while after `accept` failed for want of descriptors or memory
/// (`ListenerGate.backoff`). NIO leaves the listening socket registered after such a failure, and
/// the pending connection keeps it readable, so without this the event loop would retry at once,
/// in a busy loop, for as long as descriptors lack. (NIO's `AcceptBackoffHandler` only delays the
/// next read request, which this failure does not make.) Lives on the server channel's loop.
final class AcceptPauseHandler: ChannelInboundHandler {
    typealias InboundIn = Channel

    private let gate: ListenerGate
    private var isPaused = false

    init(gate: ListenerGate) {
        self.gate = gate
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let ioError = error as? IOError else { return context.fireErrorCaught(error) }
        guard let pause = gate.backoff(after: ioError), !isPaused else { return }
        isPaused = true
        let channel = context.channel
        _ = try? channel.syncOptions?.setOption(.autoRead, value: false)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: pause) {
            handler.value.isPaused = false
            _ = try? channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }
}

/// `ListenerAdmission` shared by the event loops that accept connections, with the channels it
/// admitted (to close one it evicts).
final class ListenerGate: Sendable {
    private struct State {
        var admission: ListenerAdmission
        var channels: [ListenerAdmission.Ticket: Channel] = [:]
    }

    private let state: NIOLockedValueBox<State>

    init(caps: ListenerAdmission.Caps) {
        state = NIOLockedValueBox(State(admission: ListenerAdmission(caps: caps)))
    }

    var stats: ListenerStats { state.withLockedValue { $0.admission.stats } }

    /// Admits `child` or refuses it (nil: the caller closes it). An evicted connection is closed
    /// here; each admitted one leaves the count when it closes.
    func admit(_ child: Channel) -> ListenerAdmission.Ticket? {
        let address = child.remoteAddress?.ipAddress ?? "?"
        let (ticket, evicted): (ListenerAdmission.Ticket?, Channel?) = state.withLockedValue { state in
            switch state.admission.arrive(from: address) {
            case .refuse:
                return (nil, nil)
            case .admit(let ticket, let evicting):
                state.channels[ticket] = child
                return (ticket, evicting.flatMap { state.channels.removeValue(forKey: $0) })
            }
        }
        evicted?.close(promise: nil)
        if let ticket {
            child.closeFuture.whenComplete { _ in self.departed(ticket) }
        }
        return ticket
    }

    func established(_ ticket: ListenerAdmission.Ticket) {
        state.withLockedValue { $0.admission.established(ticket) }
    }

    private func departed(_ ticket: ListenerAdmission.Ticket) {
        state.withLockedValue { state in
            state.admission.departed(ticket)
            state.channels[ticket] = nil
        }
    }

    /// How long to stop accepting after `accept` failed: a pause when descriptors or memory ran
    /// out, none for an error that concerns only the one connection (ECONNABORTED).
    func backoff(after error: IOError) -> TimeAmount? {
        state.withLockedValue { $0.admission.acceptFailed() }
        switch error.errnoCode {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            return .nanoseconds(Int64(ListenerLimits.acceptBackoff.nanoseconds))
        default:
            return nil
        }
    }
}
