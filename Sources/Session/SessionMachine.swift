import Identity
import Noise
import Wire

/// One encrypted parley session, as a pure state machine: bytes and time in, actions out.
///
/// `idle → handshaking → established → closed`. The adapter calls `start` when the TCP
/// connection is up, `receive` with whatever bytes arrive, `tick` at `nextDeadline`, and
/// `sendText`/`close` for the user; it carries out the returned actions in order.
public struct SessionMachine: Sendable {
    public enum Role: Sendable { case initiator, responder }

    enum State: Sendable {
        case idle
        case handshaking(Handshaking)
        case established(Established)
        case closed(CloseReason)
    }

    /// The XX handshake and identity check, shared with the relay link.
    typealias Handshaking = SecureLinkHandshake

    struct Established: Sendable {
        var transport: TransportState
        var peer: PeerInfo
        /// Keepalive pings and the dead-peer timeout, shared with the relay link.
        var keepalive: LinkKeepalive
    }

    public let role: Role
    public let config: SessionConfig
    let credentials: SessionCredentials
    let keyGenerator: any NoiseKeyGenerator
    var state: State = .idle
    var reassembler = LengthPrefixReassembler(maxMessageLength: Limits.maxHandshakeMessage)
    // The two collections of the established phase live outside `State`: mutating them inside
    // an enum payload copied out and written back would copy them on every message.
    /// Our messages awaiting acknowledgement, with when each was sent and its frame's size.
    var unacknowledged: [MessageID: InFlightText] = [:]
    /// Texts accepted from the user but held back, oldest first, while `textBytesInFlight` is at
    /// `config.maxTextBytesInFlight` (see SessionMachine+Frames.swift).
    var heldTexts: [HeldText] = []
    var heldTextsStart = 0
    /// Encoded bytes of the unacknowledged texts.
    var textBytesInFlight = 0
    /// When the last voice frame went out: the text window applies only while voice flows.
    var lastVoiceSent: Instant?
    /// Message IDs recently received from the peer and acknowledged.
    var duplicates = DuplicateFilter(capacity: Limits.duplicateWindow)
    /// Without `config.acknowledgesOnDelivery`: texts delivered to the owner and not yet
    /// acknowledged or rejected by it. At most `Limits.maxUnacknowledged`.
    var awaitingAcknowledgement: Set<MessageID> = []
    public internal(set) var stats = SessionStats()

    /// `keyGenerator` makes the handshake's ephemeral key; by default the credentials' pool of
    /// keys made ahead of time.
    public init(
        role: Role, credentials: SessionCredentials, config: SessionConfig = SessionConfig(),
        keyGenerator: (any NoiseKeyGenerator)? = nil
    ) {
        self.role = role
        self.credentials = credentials
        self.config = config
        self.keyGenerator = keyGenerator ?? credentials.ephemeralKeys
    }

    // MARK: State queries

    public var peer: PeerInfo? {
        if case .established(let e) = state { return e.peer }
        return nil
    }

    public var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    public var closeReason: CloseReason? {
        if case .closed(let reason) = state { return reason }
        return nil
    }

    /// The latest measured round trip (keepalive ping or acknowledgement).
    public var roundTrip: Duration? {
        if case .established(let e) = state { return e.keepalive.roundTrip }
        return nil
    }

    /// Messages sent and not yet acknowledged.
    public var unacknowledgedCount: Int {
        isEstablished ? unacknowledged.count + heldTextCount : 0
    }

    /// When `tick` must next be called; nil when no timer is pending.
    public var nextDeadline: Instant? {
        switch state {
        case .idle, .closed: nil
        case .handshaking(let h): h.deadline
        case .established(let e): e.keepalive.nextDeadline
        }
    }

    // MARK: Events

    /// The connection is up: the initiator sends the first handshake message; both sides start
    /// the handshake timer.
    public mutating func start(now: Instant) -> [SessionAction] {
        guard case .idle = state else { return [] }
        var handshake: Handshaking
        do {
            handshake = try Handshaking(
                role: role == .initiator ? .initiator : .responder, prologue: ProtocolVersion.prologue,
                credentials: credentials, expectedPeer: config.expectedPeer, checkOrder: .afterReplyingUnlessExpected,
                keyGenerator: keyGenerator, timeout: config.handshakeTimeout, now: now)
        } catch {
            return fail(error)
        }
        let step = handshake.start()
        state = .handshaking(handshake)
        return carryOut(step, now: now)
    }

    /// Bytes from the connection, in any segmentation.
    public mutating func receive(_ bytes: some Sequence<UInt8>, now: Instant) -> [SessionAction] {
        if case .closed = state { return [] }
        reassembler.append(bytes)
        return receiveBuffered(now: now)
    }

    /// `receive` for raw bytes (what a socket read hands over), without generic iteration.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, now: Instant) -> [SessionAction] {
        if case .closed = state { return [] }
        reassembler.append(bytes)
        return receiveBuffered(now: now)
    }

    /// Handles every complete message the reassembler holds.
    private mutating func receiveBuffered(now: Instant) -> [SessionAction] {
        var actions: [SessionAction] = []
        while true {
            if case .closed = state { break }
            let message: [UInt8]
            do {
                guard let next = try reassembler.next() else { break }
                message = next
            } catch {
                actions += fail(.protocolViolation("\(error)"))
                break
            }
            // An adapter that did not call `checkPeerIdentity` after the handshake's last
            // message: nothing from the peer is taken before its identity is checked.
            if awaitsIdentityCheck {
                actions += checkPeerIdentity(now: now)
                if case .closed = state { break }
            }
            stats.bytesReceived += message.count + LengthPrefix.headerLength
            switch state {
            case .idle: actions += fail(.protocolViolation("data before start"))
            case .handshaking: actions += receiveHandshake(message, now: now)
            case .established: actions += receiveTransport(message, now: now)
            case .closed: break
            }
        }
        return actions
    }

    /// Timers: handshake timeout, keepalive pings, the dead-peer timeout.
    public mutating func tick(now: Instant) -> [SessionAction] {
        switch state {
        case .idle, .closed:
            return []
        case .handshaking(let h):
            if h.awaitsIdentityCheck { return checkPeerIdentity(now: now) }
            return h.hasTimedOut(now: now) ? fail(.handshakeTimedOut) : []
        case .established(let e):
            if e.keepalive.hasTimedOut(now: now) { return fail(.peerTimedOut) }
            let released =
                heldTextCount > 0 && !textWindowApplies(now: now) ? releaseHeldTexts(now: now, all: true) : []
            // Read again: sending the held texts moved the transport's nonce on. (A copy taken
            // before them and written back would seal the ping with a nonce already used.)
            guard case .established(var current) = state, let token = current.keepalive.pingIfDue(now: now)
            else { return released }
            state = .established(current)
            return released + sendFrame(.ping(token: token))
        }
    }

    /// The user closes the session: a bye (with `reason`) if it is established, then close.
    public mutating func close(now: Instant, reason: ByeReason = .normal) -> [SessionAction] {
        switch state {
        case .closed: return []
        case .established:
            let held = releaseHeldTexts(now: now, all: true)
            let bye = sendFrame(.bye(reason: reason))
            return held + bye + finish(.localClose)
        case .idle, .handshaking:
            return finish(.localClose)
        }
    }

    /// The adapter ends the session for a reason of its own finding (for example a peer that
    /// does not read). Nothing is sent.
    public mutating func abort(_ reason: CloseReason) -> [SessionAction] {
        fail(reason)
    }

    /// The TCP connection ended (EOF or error) without a bye.
    public mutating func connectionLost() -> [SessionAction] {
        if case .closed = state { return [] }
        return finish(.connectionLost)
    }

    // MARK: Shared helpers

    /// Ends the session for a reason that is our side's finding about the peer. Nothing is sent:
    /// the peer learns no details of what went wrong.
    mutating func fail(_ reason: CloseReason) -> [SessionAction] {
        finish(reason)
    }

    mutating func finish(_ reason: CloseReason) -> [SessionAction] {
        if case .closed = state { return [] }
        state = .closed(reason)
        return [.deliver(.closed(reason)), .close]
    }
}
