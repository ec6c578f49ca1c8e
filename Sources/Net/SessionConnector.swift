import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Session

#if canImport(Glibc)
    import Glibc
#endif

/// Opens a TCP connection and runs an initiator session on it. `host` is a name or an IP literal
/// (IPv6 without brackets); a literal is connected to directly, without resolving.
///
/// Cancelling the calling task ends the connect at once: the channel being connected is closed
/// (and one not yet made is closed as it is made), so the connect fails. Only a host name's
/// resolution goes on until it ends, within `connectTimeout`.
public enum SessionConnector {
    public static func connect(
        host: String, port: Int, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        credentials: SessionCredentials, config: SessionConfig = SessionConfig(),
        connectTimeout: Duration = .seconds(5)
    ) async throws(ConnectError) -> PeerConnection {
        let installed = NIOLockedValueBox<PeerConnection?>(nil)
        let attempt = NIOLockedValueBox(Attempt())
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.nanoseconds(connectTimeout.nanoseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(SessionSocket.thinStreamTimeouts, value: 1)
            .channelInitializer { channel in
                let cancelled = attempt.withLockedValue { state in
                    state.channel = channel
                    return state.cancelled
                }
                if cancelled { return channel.eventLoop.makeFailedFuture(CancellationError()) }
                return channel.eventLoop.makeCompletedFuture {
                    let connection = try PeerConnection.install(
                        on: channel, role: .initiator, credentials: credentials, config: config)
                    installed.withLockedValue { $0 = connection }
                }
            }
        do {
            try await withTaskCancellationHandler {
                // An IP literal needs no resolver: connecting to the address directly skips
                // getaddrinfo (run on another thread) and Happy Eyeballs.
                if let address = try? SocketAddress(ipAddress: host, port: port) {
                    _ = try await bootstrap.connect(to: address).get()
                } else {
                    _ = try await bootstrap.connect(host: host, port: port).get()
                }
            } onCancel: {
                let channel = attempt.withLockedValue { state in
                    state.cancelled = true
                    return state.channel
                }
                channel?.close(promise: nil)
            }
        } catch {
            throw ConnectError(error, host: host, port: port)
        }
        guard let connection = installed.withLockedValue({ $0 }) else { throw .failed("no session was installed") }
        return connection
    }

    /// The channel being connected, and whether the connect was cancelled.
    private struct Attempt {
        var channel: Channel?
        var cancelled = false
    }
}

/// Why a connection could not be opened, in words a user can act on.
public enum ConnectError: Error, Sendable, Equatable, CustomStringConvertible {
    case refused(String)
    case timedOut(String)
    case unresolved(String)
    case failed(String)

    init(_ error: Error, host: String, port: Int) {
        let target = "\(host):\(port)"
        if let e = error as? ChannelError, case .connectTimeout = e {
            self = .timedOut(target)
        } else if let e = error as? NIOConnectionError {
            if e.dnsAError != nil || e.dnsAAAAError != nil, e.connectionErrors.isEmpty {
                self = .unresolved(target)
            } else if let first = e.connectionErrors.first {
                self = ConnectError(first.error, host: host, port: port)
            } else {
                self = .failed("\(target): \(e)")
            }
        } else if let e = error as? IOError {
            switch e.errnoCode {
            case ECONNREFUSED: self = .refused(target)
            case ETIMEDOUT: self = .timedOut(target)
            default: self = .failed("\(target): \(e)")
            }
        } else {
            self = .failed("\(target): \(error)")
        }
    }

    public var description: String {
        switch self {
        case .refused(let t): "connection refused by \(t)"
        case .timedOut(let t): "timed out connecting to \(t)"
        case .unresolved(let t): "cannot resolve \(t)"
        case .failed(let what): "cannot connect: \(what)"
        }
    }
}
