import Identity
import Wire

/// Timers of one session. Defaults: a ping every second, a peer silent for 5 seconds is gone
/// (`LinkKeepalive` runs them, as it does the relay link's).
public struct SessionConfig: Sendable, Equatable {
    /// How often a keepalive ping goes out (it also measures the round trip).
    public var keepaliveInterval: Duration
    /// A peer from which nothing arrived for this long is taken to have vanished.
    public var peerTimeout: Duration
    /// How long the handshake may take from connection to completion.
    public var handshakeTimeout: Duration
    /// Bytes the connection may hold for a peer that is not reading before the session ends.
    public var maxBufferedOutbound: Int
    /// While voice flows: encoded text-frame bytes sent and not yet acknowledged; further texts
    /// wait in the machine so that at most this much text is queued ahead of a voice frame. One
    /// text always fits.
    public var maxTextBytesInFlight: Int = SessionConfig.defaultTextBytesInFlight

    /// 1 s (PROTOCOL.md §5.2): a ping and its pong are 28 bytes each on the wire, and the round
    /// trip stays measured to the second.
    public static let defaultKeepaliveInterval: Duration = .seconds(1)
    /// 5 s (§5.2): five keepalive intervals, so one late pong never ends a session, yet a pulled
    /// cable or a frozen peer is noticed in seconds, long before TCP's own timeouts.
    public static let defaultPeerTimeout: Duration = .seconds(5)

    /// 32 KiB: behind it a voice frame waits at most 2.6 ms on 100 Mbit/s, 13 ms on 20 Mbit/s
    /// Wi-Fi; text still flows at 32 KiB per round trip (32 MB/s at a 1 ms LAN round trip).
    public static let defaultTextBytesInFlight = 32 * 1024
    /// When set, a peer presenting any other identity is refused during the handshake.
    public var expectedPeer: ExpectedPeer?
    /// True (the default, for owners that store nothing): a text is acknowledged the moment it
    /// is delivered. False: a text is delivered unacknowledged, and the owner calls
    /// `SessionMachine.acknowledge(ids:)` once it has stored it durably, or `reject(id:)` when
    /// it could not (docs/PROTOCOL.md §5.1, durability rule).
    public var acknowledgesOnDelivery = true

    public init(
        keepaliveInterval: Duration = SessionConfig.defaultKeepaliveInterval,
        peerTimeout: Duration = SessionConfig.defaultPeerTimeout,
        handshakeTimeout: Duration = Limits.handshakeTimeout, expectedPeer: ExpectedPeer? = nil,
        maxBufferedOutbound: Int = Limits.maxBufferedOutbound
    ) {
        self.keepaliveInterval = keepaliveInterval
        self.peerTimeout = peerTimeout
        self.handshakeTimeout = handshakeTimeout
        self.expectedPeer = expectedPeer
        self.maxBufferedOutbound = maxBufferedOutbound
    }
}

/// Who is on the other end, as proven by the handshake.
public struct PeerInfo: Sendable, Equatable {
    public let peerID: PeerID
    /// From the handshake, then the latest nickname frame (docs/PROTOCOL.md §5.4). An owner
    /// that refuses a new nickname keeps its own copy under the old one.
    public var nickname: String
    public let protocolVersion: UInt16
    public let capabilities: Capabilities
    /// The peer's Noise static public key (X25519), bound to `peerID` by its signature.
    public let staticKey: [UInt8]

    public var fingerprint: Fingerprint { peerID.fingerprint }
}

public struct IncomingMessage: Sendable, Equatable {
    public let id: MessageID
    public let text: String
    /// The sender's wall clock when it sent the message, milliseconds since the Unix epoch.
    public let sentAt: UInt64
}

/// What the session tells its owner.
public enum SessionEvent: Sendable, Equatable {
    case established(PeerInfo)
    /// A new message (a duplicate is acknowledged again but never delivered twice). Without
    /// `SessionConfig.acknowledgesOnDelivery` it is not acknowledged until the owner says so.
    case message(IncomingMessage)
    /// The peer acknowledged one of our messages; `roundTrip` is send-to-acknowledgement time.
    case delivered(MessageID, roundTrip: Duration)
    /// A keepalive round trip completed.
    case roundTrip(Duration)
    /// The peer now goes by this nickname (a nickname frame, §5.4); `peer` already says so.
    /// Only reported when it differs from the one the session knew.
    case nicknameChanged(String)
    /// An application frame (voice or call signalling), delivered as it came: never
    /// acknowledged, never deduplicated.
    case frame(Frame)
    /// A message handed over without waiting (`PeerConnection.sendNow`) was not sent: nothing
    /// went to the peer, and no `.delivered` will follow for it.
    case sendFailed(MessageID, SendError)
    case closed(CloseReason)
}

/// What the I/O adapter must do, in order.
public enum SessionAction: Sendable, Equatable {
    /// Write these bytes (already framed: length prefix included).
    case send([UInt8])
    case deliver(SessionEvent)
    /// Close the connection once the sends before it are flushed.
    case close
}

/// Why a session ended. Shown to the local user; never sent to the peer.
public enum CloseReason: Error, Sendable, Equatable, CustomStringConvertible {
    case localClose
    case peerClosed(ByeReason)
    case connectionLost
    case peerTimedOut
    case handshakeTimedOut
    /// The handshake failed cryptographically (wrong prologue, tampering, bad key).
    case handshakeFailed
    /// The peer's identity key did not sign its Noise static key.
    case authenticationFailed
    /// The peer proved an identity other than the one expected.
    case unexpectedPeer(PeerID)
    /// A transport message failed authentication: tampering or corruption.
    case decryptionFailed
    case protocolViolation(String)
    /// The peer let more than `SessionConfig.maxBufferedOutbound` bytes pile up unread.
    case peerNotReading

    public var description: String {
        switch self {
        case .localClose: "closed"
        case .peerClosed: "peer closed the session"
        case .connectionLost: "connection lost"
        case .peerTimedOut: "peer stopped answering (keepalive timeout)"
        case .handshakeTimedOut: "handshake timed out"
        case .handshakeFailed: "handshake failed (not a parley peer, or the bytes were tampered with)"
        case .authenticationFailed: "peer's identity signature does not verify"
        case .unexpectedPeer(let id): "wrong key: peer presented \(id.fingerprint), not the expected identity"
        case .decryptionFailed: "decryption failed: a message was corrupted or tampered with"
        case .protocolViolation(let what): "protocol violation: \(what)"
        case .peerNotReading: "peer stopped reading what it was sent"
        }
    }

    /// True for the reasons that mean the peer is not who it should be.
    public var isIdentityFailure: Bool {
        switch self {
        case .authenticationFailed, .unexpectedPeer: true
        default: false
        }
    }
}

public enum SendError: Error, Sendable, Equatable, CustomStringConvertible {
    case notEstablished
    case closed
    case textTooLong(bytes: Int)
    case tooManyUnacknowledged
    /// `sendFrame` was given a frame the session sends itself (text, ack, ping, pong, bye).
    case sessionFrame
    /// A voice frame's payload outside 1…`VoiceLimits.maxOpusPayload` bytes.
    case voicePayloadSize(bytes: Int)
    /// A nickname `Nickname.isValid` refuses.
    case invalidNickname

    public var description: String {
        switch self {
        case .notEstablished: "the session is not established yet"
        case .closed: "the session is closed"
        case .textTooLong(let bytes): "message is \(bytes) bytes; the limit is \(Limits.maxTextBytes)"
        case .tooManyUnacknowledged: "\(Limits.maxUnacknowledged) messages await acknowledgement; wait for the peer"
        case .sessionFrame: "text, ack, ping, pong, bye and nickname frames are sent by the session itself"
        case .voicePayloadSize(let bytes):
            "voice payload is \(bytes) bytes; it must be 1 to \(VoiceLimits.maxOpusPayload)"
        case .invalidNickname:
            "invalid nickname: \(Nickname.rule)"
        }
    }
}

/// Counters, for statistics and for tests.
public struct SessionStats: Sendable, Equatable {
    public var messagesSent = 0
    public var messagesReceived = 0
    public var bytesSent = 0
    public var bytesReceived = 0
    public var duplicatesSuppressed = 0
    public var unknownFramesSkipped = 0
    /// Frames of a known type that did not decode (each one ends the session, §5).
    public var malformedFrames = 0
    /// Nickname frames sent and received.
    public var nicknamesSent = 0
    public var nicknamesReceived = 0
    public var unknownAcknowledgements = 0
    /// Sessions closed because the peer had more than `Limits.maxUnacknowledged` texts
    /// delivered here and not yet acknowledged (more than an honest sender has in flight).
    public var unacknowledgedLimitExceeded = 0
    /// Voice and call frames sent and received through `sendFrame` / `.frame`.
    public var applicationFramesSent = 0
    public var applicationFramesReceived = 0
    /// Texts that had to wait for room in the text window before going out.
    public var textsHeld = 0
    public var handshakeDuration: Duration?
    public init() {}
}
