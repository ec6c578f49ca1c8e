import NIOCore
import Session
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// One live session with a peer, usable from any task: direct (its own TCP connection) or
/// relayed (a circuit on a relay link), with the same session machine and the same API.
public final class PeerConnection: Sendable {
    /// The session's own TCP channel; nil for a relayed session, which has none (its bytes travel
    /// on its relay link's connection).
    public let channel: Channel?
    /// The event loop the session lives on: its channel's, or its relay link's.
    public let eventLoop: EventLoop
    /// Everything the session reports, in order (voice and call frames ahead of waiting texts),
    /// ending with `.closed`. Bounded: while `InboundLimits.highWatermark` events wait, the
    /// session stops reading from the peer, so the owner must keep taking them (a relayed
    /// session stops its whole relay link meanwhile).
    public let events: AsyncStream<SessionEvent>
    /// True for a session that runs through a relay circuit, false for a direct TCP session.
    public let isRelayed: Bool
    /// The relay's `host:port`, for a relayed session.
    private let relayAddress: String?
    private let driver: NIOLoopBound<SessionDriver>
    /// What `events` hands over, bounded (`InboundLimits`).
    private let inbound: SessionEventStream
    /// Completes once the transport is closed after everything written before: the channel's
    /// close future, or the circuit's close handed to the relay link.
    private let transportClosed: EventLoopFuture<Void>

    private init(
        channel: Channel?, driver: SessionDriver, inbound: SessionEventStream, relayAddress: String?,
        transportClosed: EventLoopFuture<Void>
    ) {
        self.channel = channel
        eventLoop = driver.eventLoop
        self.driver = NIOLoopBound(driver, eventLoop: driver.eventLoop)
        self.inbound = inbound
        events = inbound.stream
        isRelayed = channel == nil
        self.relayAddress = relayAddress
        self.transportClosed = transportClosed
    }

    public var remoteAddress: SocketAddress? { channel?.remoteAddress }

    /// `127.0.0.1:7000` or `[::1]:7000`; `relay 10.0.0.1:7000` for a relayed session; "?" when
    /// unknown.
    public var remoteAddressText: String {
        if let relayAddress { return "relay \(relayAddress)" }
        return remoteAddress.map(\.displayText) ?? "?"
    }

    /// How the bound on `events` worked so far: times reading stopped because the owner was
    /// behind, voice frames dropped past their cap, events waiting now.
    public var inboundStats: InboundStats {
        InboundStats(pauses: inbound.pauses, voiceFramesDropped: inbound.voiceFramesDropped, waiting: inbound.waiting)
    }

    /// Completes when the handshake succeeds; throws `SessionClosedError` when it does not.
    public func established() async throws -> PeerInfo {
        try await eventLoop.flatSubmit { self.driver.value.established }.get()
    }

    /// Completes when the session ends, with the reason.
    public func closed() async -> CloseReason {
        (try? await eventLoop.flatSubmit { self.driver.value.closed }.get()) ?? .connectionLost
    }

    /// Sends a text message and returns its ID; `.delivered(id, _)` follows on `events` once the
    /// peer acknowledges it.
    @discardableResult
    public func send(
        _ text: String, id: MessageID = MessageIDSource.shared.next(), sentAt: UInt64 = WallClock.millisecondsNow()
    ) async throws -> MessageID {
        try await eventLoop.submit {
            try self.driver.value.sendText(text, id: id, sentAt: sentAt)
            return id
        }.get()
    }

    /// Sends a voice or call-signalling frame; throws `SendError` for a session frame, a bad
    /// voice payload size, or a session that is not established.
    public func sendFrame(_ frame: Frame) async throws {
        try await eventLoop.submit { try self.driver.value.sendFrame(frame) }.get()
    }

    /// Sends a bulk frame (a file chunk) once the session's connection has room for it: the
    /// channel below its high watermark (64 KiB), the kernel holding at most
    /// `bulkUnsentLowWater` unsent bytes, so a text or voice frame sent meanwhile waits behind
    /// little. Throws when the session is closed.
    public func sendBulk(_ frames: [Frame]) async throws {
        try await eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            guard let ready = self.driver.value.whenWritable() else {
                return self.eventLoop.makeFailedFuture(SendError.closed)
            }
            // Several frames in one trip to the event loop: each trip costs two thread switches.
            return ready.flatMapThrowing { for frame in frames { try self.driver.value.sendFrame(frame) } }
        }.get()
    }

    /// Linux's TCP_NOTSENT_LOWAT (include/uapi/linux/tcp.h), which Glibc's headers do not export to Swift.
    static let tcpNotSentLowat: CInt = 25

    /// What a direct session's socket may hold unsent (TCP_NOTSENT_LOWAT): the kernel stops
    /// taking more beyond it, so bulk data waits in parley, behind anything more urgent.
    public static let bulkUnsentLowWater = 256 * 1024

    /// The same, for callers already on the session's event loop or that do not wait: the frame
    /// is handed to the event loop and errors are dropped (a voice frame is worthless late).
    public func sendFrameNoWait(_ frame: Frame) {
        eventLoop.execute { try? self.driver.value.sendFrame(frame) }
    }

    /// Tells the peer this side now goes by `nickname` (a nickname frame, docs/PROTOCOL.md §5.4).
    /// Throws `SendError` when the session is not established or the nickname is not valid.
    public func sendNickname(_ nickname: String) async throws {
        try await eventLoop.submit { try self.driver.value.sendNickname(nickname) }.get()
    }

    /// Sends a text message without waiting and returns its ID at once. On the session's event
    /// loop the message is encrypted and written before this returns; from elsewhere it is handed
    /// to the loop, and messages handed over from one thread keep their order. What follows comes
    /// on `events`: `.delivered(id, _)` once the peer acknowledges it, or `.sendFailed(id, error)`
    /// if it could not be sent (not established, text too long, too many unacknowledged). After
    /// `.closed` nothing more is reported: a message sent then is not sent.
    @discardableResult
    public func sendNow(
        _ text: String, id: MessageID = MessageIDSource.shared.next(), sentAt: UInt64 = WallClock.millisecondsNow()
    ) -> MessageID {
        if eventLoop.inEventLoop {
            driver.value.sendTextReportingFailure(text, id: id, sentAt: sentAt)
        } else {
            eventLoop.execute { self.driver.value.sendTextReportingFailure(text, id: id, sentAt: sentAt) }
        }
        return id
    }

    /// With `SessionConfig.acknowledgesOnDelivery` off: acknowledges these received texts,
    /// once the owner has stored them durably. Does not wait; IDs not awaiting an
    /// acknowledgement, or a session already closed, send nothing.
    public func acknowledge(ids: [MessageID]) {
        guard !ids.isEmpty else { return }
        eventLoop.execute { self.driver.value.acknowledge(ids: ids) }
    }

    /// The owner could not store these texts: they are forgotten unacknowledged (the sender
    /// keeps them). Does not wait.
    public func reject(ids: [MessageID]) {
        guard !ids.isEmpty else { return }
        eventLoop.execute { self.driver.value.reject(ids: ids) }
    }

    /// Says bye, closes, and returns once the connection is closed with the bye sent.
    public func close() async {
        await close(reason: .normal)
    }

    /// The same with the bye's reason: `.moved` when another session with the peer replaced
    /// this one.
    public func close(reason: ByeReason) async {
        try? await eventLoop.submit { self.driver.value.close(reason: reason) }.get()
        // The session reports itself closed before its goodbye is flushed; the transport's own
        // close completes only once everything queued has gone out (a channel's socket closed, a
        // circuit's close written to the relay link).
        try? await transportClosed.get()
    }

    /// The same without waiting, for callers that must not start a task to close (a session
    /// nobody asked for, handed over on the relay link's event loop): the close is handed to
    /// the session's event loop, which says bye and closes the transport as `close` does. Never
    /// runs inside the caller, even on that loop.
    public func closeNoWait(reason: ByeReason = .normal) {
        eventLoop.execute { self.driver.value.close(reason: reason) }
    }

    /// The session's counters. On the session's event loop only; for tests.
    var handlerStats: SessionStats { driver.value.stats }

    /// Sends a ping now; `.roundTrip` follows on `events` when its pong arrives. Throws
    /// `SendError` when the session is not established.
    public func ping() async throws {
        try await eventLoop.submit { try self.driver.value.ping() }.get()
    }

    public func roundTrip() async -> Duration? {
        try? await eventLoop.submit { self.driver.value.roundTrip }.get()
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

    /// `established()` for code on the session's event loop: succeeds when the handshake does,
    /// fails with `SessionClosedError` when it does not. Call on the session's event loop.
    public var establishedFuture: EventLoopFuture<PeerInfo> {
        eventLoop.preconditionInEventLoop()
        return driver.value.established
    }

    /// Installs the session handler on a fresh channel. Must run on the channel's event loop.
    static func install(
        on channel: Channel, role: SessionMachine.Role, credentials: SessionCredentials, config: SessionConfig
    ) throws -> PeerConnection {
        let (driver, inbound) = makeDriver(
            role: role, credentials: credentials, config: config, eventLoop: channel.eventLoop)
        try channel.pipeline.syncOperations.addHandler(SessionHandler(driver: driver))
        // Bulk data waits in parley rather than in the kernel's send buffer (`sendBulk`).
        _ = try? channel.syncOptions?.setOption(
            ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: Self.tcpNotSentLowat)),
            value: SocketOptionValue(bulkUnsentLowWater))
        return PeerConnection(
            channel: channel, driver: driver, inbound: inbound, relayAddress: nil, transportClosed: channel.closeFuture)
    }

    /// A relayed session on `circuit`, which must carry `driver`'s bytes (`RelayCircuit`).
    static func relayed(
        driver: SessionDriver, inbound: SessionEventStream, circuitClosed: EventLoopFuture<Void>,
        relayAddress: String
    ) -> PeerConnection {
        PeerConnection(
            channel: nil, driver: driver, inbound: inbound, relayAddress: relayAddress, transportClosed: circuitClosed)
    }

    /// A session's driver and the bounded stream of its events, on `eventLoop`.
    static func makeDriver(
        role: SessionMachine.Role, credentials: SessionCredentials, config: SessionConfig, eventLoop: EventLoop
    ) -> (SessionDriver, SessionEventStream) {
        let inbound = SessionEventStream(eventLoop: eventLoop)
        let machine = SessionMachine(role: role, credentials: credentials, config: config)
        let driver = SessionDriver(machine: machine, eventLoop: eventLoop, ephemeralKeys: credentials.ephemeralKeys) {
            event in inbound.push(event)
        }
        // Weak: the driver owns the stream (through its event handler), not the other way round.
        let weakDriver = WeakLoopBound(driver, eventLoop: eventLoop)
        inbound.setReadingHandler { reading in weakDriver.value?.setReading(reading) }
        return (driver, inbound)
    }
}

/// A weak reference to an object that lives on one event loop, passed where a `Sendable` is
/// needed; read only on that loop.
final class WeakLoopBound<Value: AnyObject>: @unchecked Sendable {
    private weak var object: Value?
    private let eventLoop: EventLoop

    init(_ object: Value, eventLoop: EventLoop) {
        self.object = object
        self.eventLoop = eventLoop
    }

    var value: Value? {
        eventLoop.preconditionInEventLoop()
        return object
    }
}

/// `PeerConnection.inboundStats`.
public struct InboundStats: Sendable, Equatable {
    /// Times the session stopped reading because `InboundLimits.highWatermark` events waited.
    public var pauses: Int
    /// Voice frames dropped because `InboundLimits.maxQueuedVoiceFrames` already waited.
    public var voiceFramesDropped: Int
    /// Events waiting for the owner now (voice frames not counted).
    public var waiting: Int
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
