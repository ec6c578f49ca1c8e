import Identity
import Session
import Wire

/// Who is connected, who is registered in which network, which circuits join whom, and every
/// per-client limit: the relay's routing as a pure state machine. The adapter reports
/// connections, authenticated identities and decoded messages; the core answers with actions.
/// It never sees anything of a circuit's content but its length.
public struct RelayCore: Sendable {
    public typealias ClientID = UInt64

    struct Circuit: Sendable {
        let peer: ClientID
        let peerCircuit: UInt32
    }

    struct Client: Sendable {
        var identity: PeerInfo?
        var payload: [UInt8] = []
        var network: [UInt8]?
        var registerDeadline: Instant?
        var circuits: [UInt32: Circuit] = [:]
        var nextRelayCircuit = RelayCodec.relayCircuitBase
        var messages: RelayBucket
        var bytes: RelayBucket
        /// The source address the connection came from, for the per-address cap.
        var address: String?
        /// Answers to `list`, `lookup` and `store` go out in the order asked: while a `store`
        /// waits for its commit, the answers after it wait here (empty otherwise).
        var answers: [Answer] = []
        /// Sent `watch`: gets `presence` pushes (`RelayCore+Presence`).
        var watching = false
        var presence = PresenceQueue()

        /// Charges one message of `size` bytes to the buckets; returns when to resume reading if
        /// the client is over them, or nil inside. Nil outside when the client is not authenticated
        /// (nothing is charged). Mutating so that the dictionary runs it in place: reading a client
        /// copies it whole.
        mutating func admit(size: Int, now: Instant) -> Instant?? {
            guard identity != nil else { return nil }
            return .some(RelayCore.later(messages.take(1, now: now), bytes.take(size, now: now)))
        }

        /// `admit` for a data message of a registered client, with its route: nil (nothing
        /// charged) when the client is not registered.
        mutating func admitData(size: Int, circuit: UInt32, now: Instant) -> Forwarding? {
            guard identity != nil, network != nil else { return nil }
            let pause = RelayCore.later(messages.take(1, now: now), bytes.take(size, now: now))
            return Forwarding(
                pause: pause, route: circuits[circuit].map { Route(client: $0.peer, circuit: $0.peerCircuit) })
        }
    }

    /// Where a data message goes (`forward`).
    public struct Forwarding: Sendable, Equatable {
        /// Read nothing more from the sender until then: it is over its rate.
        public var pause: Instant?
        /// The circuit's other end; nil when the circuit is unknown (the message is dropped).
        public var route: Route?
    }

    public struct Route: Sendable, Equatable {
        public var client: ClientID
        public var circuit: UInt32
    }

    enum Answer: Sendable, Equatable {
        case ready(RelayMessage)
        /// The answer to the `store` of this mail, once the store committed it or failed.
        case awaiting(UInt64)
    }

    /// A stored mail whose commit the relay waits for: who asked, and whose box it is in.
    struct Awaiting: Sendable {
        let client: ClientID
        let key: RelayMailbox.Key
    }

    public let config: RelayConfig
    var clients: [ClientID: Client] = [:]
    /// network → peer ID → client.
    var registry: [[UInt8]: [PeerID: ClientID]] = [:]
    public internal(set) var counters = RelayCounters()
    var mailbox: RelayMailbox
    var awaiting: [UInt64: Awaiting] = [:]
    /// Connections open per source address.
    var addresses: [String: Int] = [:]
    /// Connections that have not finished the link handshake.
    public private(set) var handshaking = 0
    /// Watchers with presence changes waiting, and the earliest time one of them is due.
    var presenceWaiting: Set<ClientID> = []
    public internal(set) var presenceDue: Instant?

    /// A core with an empty mailbox, or with the one a store kept (`restoring`; mail past its age
    /// is dropped, and `takeWrites` then holds its deletion).
    public init(config: RelayConfig = RelayConfig(), restoring state: MailboxState? = nil, now: Instant = .now()) {
        self.config = config
        if let state {
            mailbox = RelayMailbox(restoring: state, limits: config.mailbox, now: now)
        } else {
            mailbox = RelayMailbox(limits: config.mailbox)
        }
    }

    public var clientCount: Int { clients.count }
    public var registeredCount: Int { registry.values.reduce(0) { $0 + $1.count } }
    public var circuitCount: Int { clients.values.reduce(0) { $0 + $1.circuits.count } / 2 }
    public var storedCount: Int { mailbox.total }
    public var storedBytes: Int { mailbox.bytes }

    /// Drops stored messages past their age (the adapter calls it now and then); their deletion
    /// is in the returned `persist`.
    public mutating func expireMail(now: Instant) -> [RelayAction] {
        mailbox.expire(now: now)
        return takeWrites()
    }

    /// What the store must still write (after `init(restoring:)`: the expired mail), as a `persist`.
    public mutating func takeWrites() -> [RelayAction] {
        mailbox.writes.isEmpty ? [] : [.persist(mailbox.takeWrites())]
    }

    // MARK: Connections

    /// A TCP connection arrived from `address`. It is refused at once past `maxClients`, past
    /// `maxPerAddress` from its address, or past `maxHandshaking` unfinished handshakes.
    public mutating func connected(_ id: ClientID, address: String? = nil, now: Instant) -> [RelayAction] {
        guard clients.count < config.maxClients else { return [drop(id, .relayFull)] }
        if let address, addresses[address, default: 0] >= config.maxPerAddress { return [drop(id, .addressFull)] }
        guard handshaking < config.maxHandshaking else { return [drop(id, .handshakesFull)] }
        counters.connectionsAccepted += 1
        handshaking += 1
        if let address { addresses[address, default: 0] += 1 }
        clients[id] = Client(
            messages: RelayBucket(rate: config.messageRate, burst: config.messageBurst, now: now),
            bytes: RelayBucket(rate: config.byteRate, burst: config.byteBurst, now: now), address: address)
        return []
    }

    /// The link's handshake proved `identity`; registration must follow within the timeout.
    public mutating func authenticated(_ id: ClientID, as identity: PeerInfo, payload: [UInt8] = [], now: Instant) {
        guard clients[id] != nil else { return }
        if clients[id]?.identity == nil { handshaking -= 1 }
        clients[id]?.identity = identity
        clients[id]?.payload = payload
        clients[id]?.registerDeadline = now + config.registerTimeout
    }

    /// The connection ended, for whatever reason: its circuits close at the other ends, and the
    /// watchers of its network learn that it left (if it was still the registered one).
    public mutating func disconnected(_ id: ClientID, reason: RelayDropReason? = nil, now: Instant)
        -> [RelayAction]
    {
        if let reason { count(reason) }
        guard let client = clients.removeValue(forKey: id) else { return [] }
        if client.identity == nil { handshaking -= 1 }
        if let address = client.address {
            addresses[address, default: 1] -= 1
            if addresses[address] == 0 { addresses[address] = nil }
        }
        var actions: [RelayAction] = []
        if let network = client.network, let identity = client.identity, registry[network]?[identity.peerID] == id {
            registry[network]?[identity.peerID] = nil
            if registry[network]?.isEmpty == true { registry[network] = nil }
            actions = announce(identity, online: false, in: network, except: id, now: now)
        }
        presenceWaiting.remove(id)
        for circuit in client.circuits.values {
            clients[circuit.peer]?.circuits[circuit.peerCircuit] = nil
            actions.append(.send(circuit.peer, .close(circuit: circuit.peerCircuit)))
        }
        return actions
    }

    /// The earliest registration deadline of a client, for the adapter's timer.
    public func registerDeadline(of id: ClientID) -> Instant? { clients[id]?.registerDeadline }

    /// Drops the client if it authenticated but did not register in time.
    public mutating func checkRegistration(_ id: ClientID, now: Instant) -> [RelayAction] {
        guard let deadline = clients[id]?.registerDeadline, now >= deadline else { return [] }
        return [drop(id, .registerTimeout)]
    }

    public mutating func count(_ reason: RelayDropReason) {
        counters.drops[reason, default: 0] += 1
    }

    /// The later of two optional instants; nil when both are.
    static func later(_ a: Instant?, _ b: Instant?) -> Instant? {
        guard let a else { return b }
        guard let b else { return a }
        return max(a, b)
    }

    func drop(_ id: ClientID, _ reason: RelayDropReason) -> RelayAction {
        .disconnect(id, reason)
    }

    /// Charges `bytes` that arrived from an authenticated client beyond the messages `received`
    /// was given (pings the link answered itself, types this build skips, padding after a body):
    /// every byte on the wire counts against the client's byte bucket.
    public mutating func charge(_ id: ClientID, bytes: Int, now: Instant) -> [RelayAction] {
        guard bytes > 0, let index = clients.index(forKey: id), clients.values[index].identity != nil,
            let pause = clients.values[index].bytes.take(bytes, now: now)
        else { return [] }
        count(.throttled)
        return [.pauseReading(id, until: pause)]
    }
}

/// What the relay's adapter must do, in order.
public enum RelayAction: Sendable, Equatable {
    /// Encrypt and write this message to that client.
    case send(RelayCore.ClientID, RelayMessage)
    /// Close that client's connection, counting the reason.
    case disconnect(RelayCore.ClientID, RelayDropReason)
    /// Read nothing more from that client until then (it is over its rate).
    case pauseReading(RelayCore.ClientID, until: Instant)
    /// Write these to the mailbox's store; the relay answers a `store` only once its insert is
    /// committed (`RelayCore.committed`).
    case persist([MailboxWrite])
}
