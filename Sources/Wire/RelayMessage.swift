/// One message on the client↔relay link, the plaintext of one Noise transport message there.
///
/// Layout (docs/PROTOCOL.md §14.4): `version u8 (= 1) | type u8 | body`, integers big-endian.
/// Types below 0x80 go from client to relay (data, close, ping and pong both ways); 0x80 and up
/// from relay to client.
public enum RelayMessage: Equatable, Sendable {
    /// Client: join the presence scope `network` (0...`RelayLimits.maxNetworkBytes` bytes).
    case register(network: [UInt8])
    /// Client: ask for the peers registered in the same network.
    case list
    /// Client: open circuit `circuit` (chosen by the client, below 0x8000_0000) to `peer`.
    case open(circuit: UInt32, peer: [UInt8])
    /// Both ways: end-to-end stream bytes on a circuit. The relay never looks inside.
    case data(circuit: UInt32, payload: [UInt8])
    /// Both ways: the circuit is over.
    case close(circuit: UInt32)
    case ping(token: UInt64)
    case pong(token: UInt64)
    /// Client: the static key and identity payload `peer` last registered with in our network,
    /// to seal an offline message to it. Answered with `identity`, or `error(peerUnavailable)`.
    case lookup(peer: [UInt8])
    /// Client: keep `sealed` (at most `RelayLimits.maxSealedMessage` bytes) for `peer`, who is
    /// offline. Answered with `stored` once it is on the relay's disk, or an `error` that says
    /// which bound refused it (`mailboxFull`, `senderQuota`, `networkQuota`, `storageFull`) or
    /// that the write failed (`storeFailed`).
    case store(peer: [UInt8], sealed: [UInt8])
    /// Client: the mail with this ID was received and need not be handed over again.
    case mailAck(id: UInt64)
    /// Client, once registered: push `presence` to me when peers of my network register or
    /// leave. Opt-in, so that clients which never use it cost the relay nothing; a relay that
    /// does not know it skips it (unknown type), and the client learns presence only by `list`.
    case watch
    /// Client, once registered: deliver `sealed` (at most `RelayLimits.maxPostBytes`) to every
    /// other client registered in my network, the relay's fan-out (§14.12). The relay reads
    /// nothing of it but its length: it is sealed end to end under the sender's room key
    /// (`RoomSeal`), which members got in their pairwise sessions. Nothing answers it; each
    /// copy sent is charged to the sender's byte bucket.
    case post(sealed: [UInt8])
    /// Relay: registration accepted.
    case registered
    /// Relay: the answer to `list`.
    case peers([RelayPeerEntry])
    /// Relay: `peer` opened circuit `circuit` (chosen by the relay, 0x8000_0000 and up) to you.
    case incoming(circuit: UInt32, peer: [UInt8], nickname: String)
    /// Relay: the answer to `lookup`. The client checks `payload`'s signature over `staticKey`
    /// and that it names `peer`: the relay cannot substitute a key.
    case identity(peer: [UInt8], staticKey: [UInt8], payload: [UInt8])
    /// Relay: the sealed message was stored.
    case stored
    /// Relay: a sealed message kept for you while you were offline.
    case mail(id: UInt64, sealed: [UInt8])
    /// Relay: something the client asked for did not happen; `circuit` is 0 when none applies.
    case error(code: RelayErrorCode, circuit: UInt32)
    /// Relay, to a client that sent `watch`: peers of its network that registered or left since
    /// the last `presence` it got, one entry per peer (its latest state), oldest change first;
    /// at most `RelayLimits.maxPresenceChanges`.
    case presence([RelayPresenceChange])
    /// Relay: a `post` from `peer` (32 bytes), a member of your network.
    case roomPost(peer: [UInt8], sealed: [UInt8])

    public static let formatVersion: UInt8 = 1
}

public enum RelayMessageType: UInt8, Sendable {
    case register = 0x01
    case list = 0x02
    case open = 0x03
    case data = 0x04
    case close = 0x05
    case ping = 0x06
    case pong = 0x07
    case lookup = 0x08
    case store = 0x09
    case mailAck = 0x0A
    case watch = 0x0B
    case post = 0x0C
    case registered = 0x81
    case peers = 0x82
    case incoming = 0x83
    case error = 0x84
    case identity = 0x85
    case stored = 0x86
    case mail = 0x87
    case presence = 0x88
    case roomPost = 0x89
}

/// A peer of the network that registered with the relay (`online`, with the nickname of its
/// handshake) or left it (`online` false: its connection ended, however).
public struct RelayPresenceChange: Equatable, Sendable {
    public let peer: RelayPeerEntry
    public let online: Bool

    public init(peer: RelayPeerEntry, online: Bool) {
        self.peer = peer
        self.online = online
    }
}

/// A registered peer as the relay lists it: its proven peer ID and the nickname of its handshake.
public struct RelayPeerEntry: Equatable, Sendable {
    public let peerID: [UInt8]
    public let nickname: String

    public init(peerID: [UInt8], nickname: String) {
        self.peerID = peerID
        self.nickname = nickname
    }
}

/// What went wrong, as a code and nothing more.
public enum RelayErrorCode: UInt8, Sendable, CustomStringConvertible {
    /// Registration is required first.
    case notRegistered = 1
    /// The network is not served by this relay.
    case forbidden = 2
    /// No such peer in your network right now (unknown and offline are not told apart).
    case peerUnavailable = 3
    case tooManyCircuits = 4
    case unknownCircuit = 5
    /// The same identity registered again from another connection; this one is closed.
    case replaced = 6
    case relayFull = 7
    /// The recipient's mailbox is full, or the sealed message too big.
    case mailboxFull = 8
    /// The sender has as many sealed messages waiting on the relay as it may
    /// (`RelayLimits.maxStoredPerSender`).
    case senderQuota = 9
    /// The network's mailboxes together hold as many as the relay allows one network
    /// (`RelayLimits.maxStoredPerNetwork`).
    case networkQuota = 10
    /// The relay holds as many sealed messages, or bytes of them, as it keeps in all
    /// (`RelayLimits.maxStoredTotal`, `maxStoredBytes`).
    case storageFull = 11
    /// The relay could not write the message to its disk (full, or failing): nothing was kept.
    case storeFailed = 12
    /// Any code this build does not know.
    case other = 255

    public init(wireValue: UInt8) { self = RelayErrorCode(rawValue: wireValue) ?? .other }

    public var description: String {
        switch self {
        case .notRegistered: "not registered"
        case .forbidden: "the relay does not serve this network"
        case .peerUnavailable: "peer not available on the relay"
        case .tooManyCircuits: "too many circuits open"
        case .unknownCircuit: "unknown circuit"
        case .replaced: "the same identity registered from elsewhere"
        case .relayFull: "the relay is full"
        case .mailboxFull: "the recipient's mailbox on the relay is full"
        case .senderQuota: "you have as many messages waiting on the relay as it keeps for one sender"
        case .networkQuota: "this network's mailboxes on the relay are full"
        case .storageFull: "the relay's offline storage is full"
        case .storeFailed: "the relay could not write the message to its disk"
        case .other: "relay error"
        }
    }
}
