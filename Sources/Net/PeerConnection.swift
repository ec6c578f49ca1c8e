import NIOCore
import Session
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// One live session with a peer, usable from any task.
public final class PeerConnection: Sendable {
    public let channel: Channel
    /// Everything the session reports, in order, ending with `.closed`.
    public let events: AsyncStream<SessionEvent>
    private let handler: NIOLoopBound<SessionHandler>

    init(channel: Channel, handler: SessionHandler, events: AsyncStream<SessionEvent>) {
        self.channel = channel
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        self.events = events
    }

    public var remoteAddress: SocketAddress? { channel.remoteAddress }

    /// `127.0.0.1:7000` or `[::1]:7000`; "?" when unknown.
    public var remoteAddressText: String { remoteAddress.map(\.displayText) ?? "?" }

    /// Completes when the handshake succeeds; throws `SessionClosedError` when it does not.
    public func established() async throws -> PeerInfo {
        try await channel.eventLoop.flatSubmit { self.handler.value.established }.get()
    }

    /// Completes when the session ends, with the reason.
    public func closed() async -> CloseReason {
        (try? await channel.eventLoop.flatSubmit { self.handler.value.closed }.get()) ?? .connectionLost
    }

    /// Sends a text message and returns its ID; `.delivered(id, _)` follows on `events` once the
    /// peer acknowledges it.
    @discardableResult
    public func send(
        _ text: String, id: MessageID = MessageIDSource.shared.next(), sentAt: UInt64 = WallClock.millisecondsNow()
    ) async throws -> MessageID {
        try await channel.eventLoop.submit {
            try self.handler.value.sendText(text, id: id, sentAt: sentAt)
            return id
        }.get()
    }

    /// Sends a voice or call-signalling frame; throws `SendError` for a session frame, a bad
    /// voice payload size, or a session that is not established.
    public func sendFrame(_ frame: Frame) async throws {
        try await channel.eventLoop.submit { try self.handler.value.sendFrame(frame) }.get()
    }

    /// The same, for callers already on the channel's event loop or that do not wait: the frame
    /// is handed to the event loop and errors are dropped (a voice frame is worthless late).
    public func sendFrameNoWait(_ frame: Frame) {
        channel.eventLoop.execute { try? self.handler.value.sendFrame(frame) }
    }

    /// Sends a text message without waiting and returns its ID at once. On the channel's event
    /// loop the message is encrypted and written before this returns; from elsewhere it is handed
    /// to the loop, and messages handed over from one thread keep their order. What follows comes
    /// on `events`: `.delivered(id, _)` once the peer acknowledges it, or `.sendFailed(id, error)`
    /// if it could not be sent (not established, text too long, too many unacknowledged). After
    /// `.closed` nothing more is reported: a message sent then is not sent.
    @discardableResult
    public func sendNow(
        _ text: String, id: MessageID = MessageIDSource.shared.next(), sentAt: UInt64 = WallClock.millisecondsNow()
    ) -> MessageID {
        if channel.eventLoop.inEventLoop {
            handler.value.sendTextReportingFailure(text, id: id, sentAt: sentAt)
        } else {
            channel.eventLoop.execute { self.handler.value.sendTextReportingFailure(text, id: id, sentAt: sentAt) }
        }
        return id
    }

    /// Says bye, closes, and returns once the connection is closed with the bye sent.
    public func close() async {
        await close(reason: .normal)
    }

    /// The same with the bye's reason: `.moved` when another session with the peer replaced
    /// this one.
    public func close(reason: ByeReason) async {
        try? await channel.eventLoop.submit { self.handler.value.close(reason: reason) }.get()
        // The session reports itself closed before its goodbye is flushed; the channel's own
        // close future completes only once the socket is closed, after everything queued.
        try? await channel.closeFuture.get()
    }

    /// The session's counters. On the channel's event loop only; for tests.
    var handlerStats: SessionStats { handler.value.stats }

    /// Sends a ping now; `.roundTrip` follows on `events` when its pong arrives. Throws
    /// `SendError` when the session is not established.
    public func ping() async throws {
        try await channel.eventLoop.submit { try self.handler.value.ping() }.get()
    }

    public func roundTrip() async -> Duration? {
        try? await channel.eventLoop.submit { self.handler.value.roundTrip }.get()
    }

    /// Runs a session on a TCP channel the caller has already connected (or accepted), instead
    /// of letting `SessionConnector`/`SessionServer` open it: the handshake starts at once (the
    /// initiator writes its first message before this returns). Call on the channel's event
    /// loop. Benchmarks use it to measure the handshake without the TCP connect.
    public static func start(
        on channel: Channel, role: SessionMachine.Role, credentials: SessionCredentials,
        config: SessionConfig = SessionConfig()
    ) throws -> PeerConnection {
        channel.eventLoop.preconditionInEventLoop()
        return try install(on: channel, role: role, credentials: credentials, config: config)
    }

    /// `established()` for code on the channel's event loop: succeeds when the handshake does,
    /// fails with `SessionClosedError` when it does not. Call on the channel's event loop.
    public var establishedFuture: EventLoopFuture<PeerInfo> {
        channel.eventLoop.preconditionInEventLoop()
        return handler.value.established
    }

    /// Installs the session handler on a fresh channel. Must run on the channel's event loop.
    static func install(
        on channel: Channel, role: SessionMachine.Role, credentials: SessionCredentials, config: SessionConfig
    ) throws -> PeerConnection {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionEvent.self)
        let machine = SessionMachine(role: role, credentials: credentials, config: config)
        let handler = SessionHandler(
            machine: machine, eventLoop: channel.eventLoop, ephemeralKeys: credentials.ephemeralKeys
        ) { event in
            continuation.yield(event)
            if case .closed = event { continuation.finish() }
        }
        try channel.pipeline.syncOperations.addHandler(handler)
        return PeerConnection(channel: channel, handler: handler, events: stream)
    }
}

public enum WallClock {
    public static func millisecondsNow() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }
}

extension SocketAddress {
    /// `127.0.0.1:7000` or `[::1]:7000`.
    public var displayText: String {
        let ip = ipAddress ?? "?"
        let port = port ?? 0
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
