import Identity
import Noise
import Wire

/// The encrypted link between a client and a relay, as a pure state machine: bytes and time in,
/// actions out. The handshake is a peer session's (`SecureLinkHandshake`: Noise XX, identity
/// binding, bindings met before taken from the credentials' cache) with the relay prologue, so
/// the relay learns each client's proven peer ID and a client can pin the relay's. The client
/// checks the relay's identity before it writes message 3.
///
/// The client pings every `keepaliveInterval`; both sides answer pings and drop a link silent for
/// `idleTimeout` (`LinkKeepalive`, shared with peer sessions). Everything else (`RelayMessage`s)
/// goes up to the owner as `.message`.
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
        /// The XX handshake and identity check, shared with peer sessions.
        case handshaking(SecureLinkHandshake)
        /// The transport is in `live`, outside the enum, so that every message updates it in
        /// place instead of copying it out and back.
        case established
        case closed(CloseReason)
    }

    struct Established: Sendable {
        var transport: TransportState
        let peer: PeerInfo
        /// Keepalive pings (the client's) and the idle timeout, shared with peer sessions.
        var keepalive: LinkKeepalive
    }

    public let role: Role
    public let config: Config
    let credentials: SessionCredentials
    let keyGenerator: any NoiseKeyGenerator
    var state: State = .idle
    /// Set while `state` is `.established`.
    var live: Established?
    var reassembler = LengthPrefixReassembler(maxMessageLength: Limits.maxHandshakeMessage)
    /// The other side's identity payload as it arrived in the handshake (the relay keeps it so
    /// that senders of offline messages can check the recipient's key themselves).
    public internal(set) var peerPayload: [UInt8]?
    /// Messages decoded and skipped because their type or version is unknown.
    public internal(set) var unknownMessagesSkipped = 0
    /// Bytes of transport messages taken once the link is established, length prefixes included:
    /// what the relay charges a client, whatever the messages turn out to be.
    public internal(set) var transportBytesReceived = 0

    public init(
        role: Role, credentials: SessionCredentials, config: Config = Config(),
        keyGenerator: any NoiseKeyGenerator = SystemKeyGenerator()
    ) {
        self.role = role
        self.credentials = credentials
        self.config = config
        self.keyGenerator = keyGenerator
    }

    public var peer: PeerInfo? { live?.peer }

    public var isEstablished: Bool { peer != nil }

    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    public var roundTrip: Duration? { live?.keepalive.roundTrip }

    /// When `tick` must next run. Stored, and refreshed by every event, so that an owner keeping
    /// the machine in a class reads it without copying the whole machine.
    public private(set) var nextDeadline: Instant?

    private mutating func refreshDeadline() {
        // `live` is set exactly while established: checked first, the state (whose handshake
        // payload is large) need not be looked into for every message.
        if let deadline = live?.keepalive.nextDeadline {
            nextDeadline = deadline
            return
        }
        if case .handshaking(let handshake) = state {
            nextDeadline = handshake.deadline
        } else {
            nextDeadline = nil
        }
    }

    // MARK: Events

    public mutating func start(now: Instant) -> [RelayLinkAction] {
        defer { refreshDeadline() }
        guard case .idle = state else { return [] }
        var handshake: SecureLinkHandshake
        do {
            handshake = try SecureLinkHandshake(
                role: role == .client ? .initiator : .responder, prologue: ProtocolVersion.relayPrologue,
                credentials: credentials, expectedPeer: config.expectedPeer, checkOrder: .beforeReplying,
                keyGenerator: keyGenerator, timeout: config.handshakeTimeout, now: now)
        } catch {
            return finish(error)
        }
        let step = handshake.start()
        state = .handshaking(handshake)
        return carryOut(step, now: now)
    }

    /// Bytes from the connection, in any segmentation; then at most `limit` whole messages are
    /// taken from what is buffered (the relay takes a few per client at a time, so that one
    /// client's burst cannot hold up the others). The rest wait: `hasBufferedMessage` says so,
    /// and a later call, with or without new bytes, goes on with them.
    public mutating func receive(_ bytes: some Sequence<UInt8>, now: Instant, limit: Int = .max)
        -> [RelayLinkAction]
    {
        defer { refreshDeadline() }
        if case .closed = state { return [] }
        reassembler.append(bytes)
        return receiveBuffered(now: now, limit: limit)
    }

    /// `receive` for raw bytes (what a socket read hands over), without generic iteration.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, now: Instant, limit: Int = .max)
        -> [RelayLinkAction]
    {
        defer { refreshDeadline() }
        if case .closed = state { return [] }
        reassembler.append(bytes)
        return receiveBuffered(now: now, limit: limit)
    }

    /// Handles the complete messages the reassembler holds, at most `limit` of them.
    private mutating func receiveBuffered(now: Instant, limit: Int) -> [RelayLinkAction] {
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
            let more: [RelayLinkAction]
            if live != nil {
                transportBytesReceived &+= message.count + LengthPrefix.headerLength
                more = receiveTransport(consume message, now: now)
            } else {
                switch state {
                case .idle: more = finish(.protocolViolation("data before start"))
                case .handshaking: more = receiveHandshake(message, now: now)
                case .established, .closed: more = []
                }
            }
            // Most reads hold one message: its actions are the result as they are, not a copy.
            if actions.isEmpty { actions = more } else { actions += more }
            if case .closed = state { break }
        }
        return actions
    }

    /// A whole message is buffered that `receive` held back by its `limit`.
    public var hasBufferedMessage: Bool { !isClosed && reassembler.hasCompleteMessage }

    /// Encrypts one message for the other side. Nothing happens unless the link is established.
    public mutating func send(_ message: RelayMessage) -> [RelayLinkAction] {
        switch seal(message) {
        case .bytes(let framed): [.send(framed)]
        case .actions(let actions): actions
        }
    }

    /// What `send` gives, for an adapter on its hot path: the bytes to write as they are, or the
    /// actions when there is nothing to write (not established: none; encryption failed: the
    /// link's end).
    public enum Sealed: Sendable, Equatable {
        case bytes([UInt8])
        case actions([RelayLinkAction])
    }

    /// `send` without wrapping the bytes in an action.
    public mutating func seal(_ message: RelayMessage) -> Sealed {
        defer { refreshDeadline() }
        guard live != nil else { return .actions([]) }
        // Encoded with room for the prefix and the tag, then encrypted and framed where it is.
        var framed = RelayCodec.encode(
            message, headroom: LengthPrefix.headerLength, tailroom: NoiseSuite.tagLength)
        do {
            try live!.transport.encrypt(inPlace: &framed, from: LengthPrefix.headerLength)
        } catch {
            return .actions(finish(.protocolViolation("cannot encrypt: \(error)")))
        }
        LengthPrefix.writeHeader(into: &framed)
        return .bytes(framed)
    }

    public mutating func tick(now: Instant) -> [RelayLinkAction] {
        defer { refreshDeadline() }
        switch state {
        case .idle, .closed:
            return []
        case .handshaking(let handshake):
            return handshake.hasTimedOut(now: now) ? finish(.handshakeTimedOut) : []
        case .established:
            guard live != nil else { return [] }
            if live!.keepalive.hasTimedOut(now: now) { return finish(.peerTimedOut) }
            guard let token = live!.keepalive.pingIfDue(now: now) else { return [] }
            return send(.ping(token: token))
        }
    }

    /// The owner ends the link; nothing is sent (the relay protocol has no goodbye: closing the
    /// TCP connection says it).
    public mutating func close(_ reason: CloseReason = .localClose) -> [RelayLinkAction] {
        defer { refreshDeadline() }
        return finish(reason)
    }

    public mutating func connectionLost() -> [RelayLinkAction] {
        defer { refreshDeadline() }
        return finish(.connectionLost)
    }

    mutating func finish(_ reason: CloseReason) -> [RelayLinkAction] {
        if case .closed = state { return [] }
        state = .closed(reason)
        live = nil
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
