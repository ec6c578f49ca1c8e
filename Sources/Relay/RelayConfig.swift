import Session
import Wire

/// The relay's policy: which networks it serves and every per-client limit. The defaults are
/// `RelayLimits`'; tests shrink them.
public struct RelayConfig: Sendable {
    /// Networks served; empty serves any network name a client presents (each its own scope).
    public var networks: [[UInt8]]
    public var maxClients: Int
    /// Connections from one source address at once.
    public var maxPerAddress: Int
    /// Connections in the link handshake at once, from all addresses.
    public var maxHandshaking: Int
    /// `/metrics` connections at once, and how long one may stay idle.
    public var maxMetricsConnections = RelayLimits.maxMetricsConnections
    public var metricsIdleTimeout = RelayLimits.metricsIdleTimeout
    /// The bounds on offline mail (`RelayLimits.maxStored…`); tests shrink them.
    var mailbox = RelayMailbox.Limits()
    public var maxCircuitsPerClient: Int
    public var messageRate: Int
    public var messageBurst: Int
    public var byteRate: Int
    public var byteBurst: Int
    public var maxQueuedBytes: Int
    public var registerTimeout: Duration
    /// Presence pushes: at most one per watcher per `presenceInterval`, and at most
    /// `maxPendingPresence` peers' changes waiting for one watcher (`RelayLimits`).
    public var presenceInterval = RelayLimits.presenceInterval
    public var maxPendingPresence = RelayLimits.maxPendingPresence
    /// Messages the relay takes from one client before it lets the others have their turn (see
    /// `RelayConnectionHandler`): bounds how long one client's burst holds up everyone else.
    public var messagesPerTurn = RelayConfig.defaultMessagesPerTurn
    public var link: RelayLinkMachine.Config
    /// 4 small messages are about half a millisecond of the relay's work in a debug build (a
    /// twentieth of that optimised); a client that sends more at once has the rest taken in its
    /// next turns, each after the other clients' ready input.
    public static let defaultMessagesPerTurn = 4
    /// FOR TESTS ONLY: sees every byte the relay reads from a client and the plaintext of every
    /// message it decrypts, so a test can prove what the relay could learn.
    var tapForTestingOnly: (@Sendable ([UInt8]) -> Void)?

    public init(
        networks: [[UInt8]] = [], maxClients: Int = RelayLimits.maxClients,
        maxPerAddress: Int = RelayLimits.maxConnectionsPerAddress, maxHandshaking: Int = RelayLimits.maxHandshaking,
        maxCircuitsPerClient: Int = RelayLimits.maxCircuitsPerClient,
        messageRate: Int = RelayLimits.clientMessageRate, messageBurst: Int = RelayLimits.clientMessageBurst,
        byteRate: Int = RelayLimits.clientByteRate, byteBurst: Int = RelayLimits.clientByteBurst,
        maxQueuedBytes: Int = RelayLimits.maxQueuedBytes, registerTimeout: Duration = RelayLimits.registerTimeout,
        link: RelayLinkMachine.Config = RelayLinkMachine.Config()
    ) {
        self.networks = networks
        self.maxClients = maxClients
        self.maxPerAddress = maxPerAddress
        self.maxHandshaking = maxHandshaking
        self.maxCircuitsPerClient = maxCircuitsPerClient
        self.messageRate = messageRate
        self.messageBurst = messageBurst
        self.byteRate = byteRate
        self.byteBurst = byteBurst
        self.maxQueuedBytes = maxQueuedBytes
        self.registerTimeout = registerTimeout
        self.link = link
    }
}

/// Why the relay dropped a connection or a message; the label of `parley_relay_drops_total`.
public enum RelayDropReason: String, Sendable, CaseIterable {
    // Connections
    case relayFull = "relay_full"
    /// Past `maxPerAddress` connections from the same source address.
    case addressFull = "address_full"
    /// Past `maxHandshaking` connections still in the link handshake.
    case handshakesFull = "handshakes_full"
    case handshakeFailed = "handshake_failed"
    case handshakeTimeout = "handshake_timeout"
    case registerTimeout = "register_timeout"
    case idleTimeout = "idle_timeout"
    case protocolViolation = "protocol_violation"
    case forbidden
    case replaced
    case slowReader = "slow_reader"
    /// Past `RelayLimits.maxWaitingAnswers` requests waiting behind an uncommitted `store`.
    case answersFull = "answers_full"
    // Messages
    case notRegistered = "not_registered"
    case peerUnavailable = "peer_unavailable"
    case unknownCircuit = "unknown_circuit"
    case tooManyCircuits = "too_many_circuits"
    case unknownType = "unknown_type"
    /// A `store` refused by a bound: the recipient's, the sender's, the network's, the relay's.
    case mailboxFull = "mailbox_full"
    case senderQuota = "sender_quota"
    case networkQuota = "network_quota"
    case storageFull = "storage_full"
    /// A `store` whose write to disk failed: refused, never acknowledged.
    case storeFailed = "store_failed"
    case unknownMail = "unknown_mail"
    /// A presence change for a watcher that already had `maxPendingPresence` peers' changes
    /// waiting: never sent.
    case presenceOverflow = "presence_overflow"
    /// Not a drop: a client over its rate whose reading was paused.
    case throttled
}

/// The relay's counters, as the metrics endpoint shows them.
public struct RelayCounters: Sendable, Equatable {
    public var connectionsAccepted = 0
    public var messagesForwarded = 0
    public var bytesForwarded = 0
    public var circuitsOpened = 0
    public var mailStored = 0
    /// Batches of mailbox writes that failed (each failed `store` in them is `storeFailed` too).
    public var mailboxWriteErrors = 0
    /// Presence changes pushed to watchers, and changes replaced by a later change of the same
    /// peer before they went out (merged: the watcher never saw them).
    public var presenceSent = 0
    public var presenceMerged = 0
    /// Room posts taken, and the copies of them sent to members (the fan-out).
    public var posts = 0
    public var postCopies = 0
    public var drops: [RelayDropReason: Int] = [:]

    public subscript(reason: RelayDropReason) -> Int { drops[reason] ?? 0 }
}

extension RelayDropReason {
    /// Why the link ended, as the relay counts it; nil for an ordinary close.
    init?(closing reason: CloseReason) {
        switch reason {
        case .handshakeTimedOut: self = .handshakeTimeout
        case .handshakeFailed, .authenticationFailed, .unexpectedPeer: self = .handshakeFailed
        case .peerTimedOut: self = .idleTimeout
        case .decryptionFailed, .protocolViolation: self = .protocolViolation
        case .peerNotReading: self = .slowReader
        case .connectionLost, .localClose, .peerClosed: return nil
        }
    }
}
