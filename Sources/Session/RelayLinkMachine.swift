import Identity
import Noise
import Wire

/// The encrypted link between a client and a relay, as a pure state machine: bytes and time in,
/// actions out. Noise XX with the relay prologue and the same identity binding as a peer
/// session, so the relay learns each client's proven peer ID and a client can pin the relay's.
///
/// The client pings every `keepaliveInterval`; both sides answer pings and drop a link silent for
/// `idleTimeout`. Everything else (`RelayMessage`s) goes up to the owner as `.message`.
public struct RelayLinkMachine: Sendable {
    public enum Role: Sendable { case client, relay }

    public struct Config: Sendable, Equatable {
        public var keepaliveInterval: Duration
        public var idleTimeout: Duration
        public var handshakeTimeout: Duration
        /// Client: the relay must prove this identity (`--relay-fingerprint`).
        public var expectedPeer: ExpectedPeer?

        public init(
            keepaliveInterval: Duration = RelayLimits.keepaliveInterval,
            idleTimeout: Duration = RelayLimits.idleTimeout,
            handshakeTimeout: Duration = RelayLimits.handshakeTimeout, expectedPeer: ExpectedPeer? = nil
        ) {
            self.keepaliveInterval = keepaliveInterval
            self.idleTimeout = idleTimeout
            self.handshakeTimeout = handshakeTimeout
            self.expectedPeer = expectedPeer
        }
    }

    enum State: Sendable {
        case idle
        case handshaking(noise: HandshakeState, deadline: Instant)
        case established(Established)
        case closed(CloseReason)
    }

    struct Established: Sendable {
        var transport: TransportState
        let peer: PeerInfo
        var lastReceived: Instant
        var lastPingSent: Instant
        var outstandingPing: UInt64?
        var roundTrip: Duration?
    }

    public let role: Role
    public let config: Config
    let credentials: SessionCredentials
    let keyGenerator: any NoiseKeyGenerator
    var state: State = .idle
    var reassembler = LengthPrefixReassembler(maxMessageLength: Limits.maxHandshakeMessage)
    /// The other side's identity payload as it arrived in the handshake (the relay keeps it so
    /// that senders of offline messages can check the recipient's key themselves).
    public internal(set) var peerPayload: [UInt8]?
    /// Messages decoded and skipped because their type or version is unknown.
    public internal(set) var unknownMessagesSkipped = 0

    public init(
        role: Role, credentials: SessionCredentials, config: Config = Config(),
        keyGenerator: any NoiseKeyGenerator = SystemKeyGenerator()
    ) {
        self.role = role
        self.credentials = credentials
        self.config = config
        self.keyGenerator = keyGenerator
    }

    public var peer: PeerInfo? {
        if case .established(let e) = state { return e.peer }
        return nil
    }

    public var isEstablished: Bool { peer != nil }

    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    public var roundTrip: Duration? {
        if case .established(let e) = state { return e.roundTrip }
        return nil
    }

    public var nextDeadline: Instant? {
        switch state {
        case .idle, .closed: nil
        case .handshaking(_, let deadline): deadline
        case .established(let e):
            role == .client
                ? min(e.lastPingSent + config.keepaliveInterval, e.lastReceived + config.idleTimeout)
                : e.lastReceived + config.idleTimeout
        }
    }

    // MARK: Events

    public mutating func start(now: Instant) -> [RelayLinkAction] {
        guard case .idle = state else { return [] }
        do {
            let noise = try HandshakeState(
                pattern: .XX, initiator: role == .client, prologue: ProtocolVersion.relayPrologue,
                staticKey: credentials.identity.staticKey, keyGenerator: keyGenerator)
            state = .handshaking(noise: noise, deadline: now + config.handshakeTimeout)
        } catch {
            return finish(.handshakeFailed)
        }
        return role == .client ? writeHandshake(payload: []) : []
    }

    /// Bytes from the connection, in any segmentation; then at most `limit` whole messages are
    /// taken from what is buffered (the relay takes a few per client at a time, so that one
    /// client's burst cannot hold up the others). The rest wait: `hasBufferedMessage` says so,
    /// and a later call, with or without new bytes, goes on with them.
    public mutating func receive(_ bytes: some Sequence<UInt8>, now: Instant, limit: Int = .max)
        -> [RelayLinkAction]
    {
        if case .closed = state { return [] }
        reassembler.append(bytes)
        var actions: [RelayLinkAction] = []
        var taken = 0
        while taken < limit {
            taken += 1
            let message: [UInt8]
            do {
                guard let next = try reassembler.next() else { break }
                message = next
            } catch {
                actions += finish(.protocolViolation("\(error)"))
                break
            }
            switch state {
            case .idle: actions += finish(.protocolViolation("data before start"))
            case .handshaking: actions += receiveHandshake(message, now: now)
            case .established: actions += receiveTransport(message, now: now)
            case .closed: break
            }
            if case .closed = state { break }
        }
        return actions
    }

    /// A whole message is buffered that `receive` held back by its `limit`.
    public var hasBufferedMessage: Bool { !isClosed && reassembler.hasCompleteMessage }

    /// Encrypts one message for the other side. Nothing happens unless the link is established.
    public mutating func send(_ message: RelayMessage) -> [RelayLinkAction] {
        guard case .established(var e) = state else { return [] }
        let sealed: [UInt8]
        do {
            sealed = try e.transport.encrypt(RelayCodec.encode(message))
        } catch {
            return finish(.protocolViolation("cannot encrypt: \(error)"))
        }
        state = .established(e)
        return [.send(LengthPrefix.frame(sealed))]
    }

    public mutating func tick(now: Instant) -> [RelayLinkAction] {
        switch state {
        case .idle, .closed:
            return []
        case .handshaking(_, let deadline):
            return now >= deadline ? finish(.handshakeTimedOut) : []
        case .established(var e):
            if now >= e.lastReceived + config.idleTimeout { return finish(.peerTimedOut) }
            guard role == .client, now >= e.lastPingSent + config.keepaliveInterval else { return [] }
            e.lastPingSent = now
            e.outstandingPing = now.nanoseconds
            state = .established(e)
            return send(.ping(token: now.nanoseconds))
        }
    }

    /// The owner ends the link; nothing is sent (the relay protocol has no goodbye: closing the
    /// TCP connection says it).
    public mutating func close(_ reason: CloseReason = .localClose) -> [RelayLinkAction] {
        finish(reason)
    }

    public mutating func connectionLost() -> [RelayLinkAction] {
        finish(.connectionLost)
    }

    mutating func finish(_ reason: CloseReason) -> [RelayLinkAction] {
        if case .closed = state { return [] }
        state = .closed(reason)
        return [.closed(reason), .close]
    }
}

/// What the link's adapter must do, in order.
public enum RelayLinkAction: Sendable, Equatable {
    /// Write these bytes (length prefix included).
    case send([UInt8])
    /// The handshake is done; the other side proved this identity.
    case established(PeerInfo)
    case message(RelayMessage)
    case closed(CloseReason)
    /// Close the connection once the writes before it are flushed.
    case close
}
