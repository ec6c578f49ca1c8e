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

    public let config: RelayConfig
    var clients: [ClientID: Client] = [:]
    /// network → peer ID → client.
    var registry: [[UInt8]: [PeerID: ClientID]] = [:]
    public private(set) var counters = RelayCounters()
    var mailbox = RelayMailbox()

    public init(config: RelayConfig = RelayConfig()) {
        self.config = config
    }

    public var clientCount: Int { clients.count }
    public var registeredCount: Int { registry.values.reduce(0) { $0 + $1.count } }
    public var circuitCount: Int { clients.values.reduce(0) { $0 + $1.circuits.count } / 2 }
    public var storedCount: Int { mailbox.total }

    /// Drops stored messages past their age (the adapter calls it now and then).
    public mutating func expireMail(now: Instant) { mailbox.expire(now: now) }

    // MARK: Connections

    /// A TCP connection arrived. Past `maxClients` it is refused at once.
    public mutating func connected(_ id: ClientID, now: Instant) -> [RelayAction] {
        guard clients.count < config.maxClients else { return [drop(id, .relayFull)] }
        counters.connectionsAccepted += 1
        clients[id] = Client(
            messages: RelayBucket(rate: config.messageRate, burst: config.messageBurst, now: now),
            bytes: RelayBucket(rate: config.byteRate, burst: config.byteBurst, now: now))
        return []
    }

    /// The link's handshake proved `identity`; registration must follow within the timeout.
    public mutating func authenticated(_ id: ClientID, as identity: PeerInfo, payload: [UInt8] = [], now: Instant) {
        clients[id]?.identity = identity
        clients[id]?.payload = payload
        clients[id]?.registerDeadline = now + config.registerTimeout
    }

    /// The connection ended, for whatever reason: its circuits close at the other ends.
    public mutating func disconnected(_ id: ClientID, reason: RelayDropReason? = nil) -> [RelayAction] {
        if let reason { count(reason) }
        guard let client = clients.removeValue(forKey: id) else { return [] }
        if let network = client.network, let peer = client.identity?.peerID, registry[network]?[peer] == id {
            registry[network]?[peer] = nil
            if registry[network]?.isEmpty == true { registry[network] = nil }
        }
        var actions: [RelayAction] = []
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

    // MARK: Messages

    /// One decoded message from an authenticated client; `size` is its length on the wire.
    public mutating func received(_ message: RelayMessage, from id: ClientID, size: Int, now: Instant) -> [RelayAction]
    {
        if case .data(let circuit, let payload) = message,
            let forwarding = forward(circuit: circuit, payloadCount: payload.count, from: id, size: size, now: now)
        {
            var actions: [RelayAction] = []
            if let pause = forwarding.pause { actions.append(.pauseReading(id, until: pause)) }
            if let to = forwarding.route {
                actions.append(.send(to.client, .data(circuit: to.circuit, payload: payload)))
            }
            return actions
        }
        // Nil when the client is gone or not authenticated; inside, when to resume reading.
        guard let pause = clients[id]?.admit(size: size, now: now) else { return [] }
        var actions: [RelayAction] = []
        if let pause {
            count(.throttled)
            actions.append(.pauseReading(id, until: pause))
        }
        guard let client = clients[id], let identity = client.identity else { return actions }
        guard let network = client.network else {
            switch message {
            case .register(let network): return actions + register(id, identity: identity, network: network, now: now)
            default:
                count(.notRegistered)
                return actions + [.send(id, .error(code: .notRegistered, circuit: 0))]
            }
        }
        switch message {
        case .data:
            return actions  // forwarded above
        case .open(let circuit, let peer):
            return actions + open(circuit, from: id, to: peer, network: network)
        case .close(let circuit):
            guard let route = clients[id]?.circuits.removeValue(forKey: circuit) else {
                count(.unknownCircuit)
                return actions
            }
            clients[route.peer]?.circuits[route.peerCircuit] = nil
            return actions + [.send(route.peer, .close(circuit: route.peerCircuit))]
        case .list:
            return actions + [.send(id, .peers(listing(network: network, except: identity.peerID)))]
        case .register:
            return actions + [drop(id, .protocolViolation)]
        case .lookup(let peer):
            guard let target = PeerID(bytes: peer),
                let entry = mailbox.lookup(RelayMailbox.Key(network: network, peer: target))
            else {
                count(.peerUnavailable)
                return actions + [.send(id, .error(code: .peerUnavailable, circuit: 0))]
            }
            return actions + [.send(id, .identity(peer: peer, staticKey: entry.staticKey, payload: entry.payload))]
        case .store(let peer, let sealed):
            return actions + store(sealed, from: id, for: peer, network: network, now: now)
        case .mailAck(let mail):
            if !mailbox.acknowledge(mail, for: RelayMailbox.Key(network: network, peer: identity.peerID)) {
                count(.unknownMail)
            }
            return actions
        case .ping, .pong:
            return actions
        case .registered, .peers, .incoming, .error, .identity, .stored, .mail:
            // Only the relay sends these.
            return actions + [drop(id, .protocolViolation)]
        }
    }

    /// A data message on `circuit` from a registered client, `payloadCount` bytes of payload and
    /// `size` on the wire: `received` for the message a relay sees most, without building actions
    /// (the adapter forwards the payload itself). Counted as `received` counts it. Nil when the
    /// sender is not registered: `received` handles that, and nothing was charged.
    public mutating func forward(circuit: UInt32, payloadCount: Int, from id: ClientID, size: Int, now: Instant)
        -> Forwarding?
    {
        // Through the values' index: mutated where it is stored (the dictionary's own subscript
        // moves the client out and back, copying it).
        guard let index = clients.index(forKey: id),
            let forwarding = clients.values[index].admitData(size: size, circuit: circuit, now: now)
        else { return nil }
        if forwarding.pause != nil { count(.throttled) }
        if forwarding.route != nil {
            counters.messagesForwarded += 1
            counters.bytesForwarded += payloadCount
        } else {
            count(.unknownCircuit)
        }
        return forwarding
    }

    private mutating func store(_ sealed: [UInt8], from id: ClientID, for peer: [UInt8], network: [UInt8], now: Instant)
        -> [RelayAction]
    {
        guard let target = PeerID(bytes: peer) else { return [drop(id, .protocolViolation)] }
        let key = RelayMailbox.Key(network: network, peer: target)
        // Only for identities registered in this network at some point: strangers cannot fill
        // boxes for made-up peer IDs.
        guard mailbox.lookup(key) != nil else {
            count(.peerUnavailable)
            return [.send(id, .error(code: .peerUnavailable, circuit: 0))]
        }
        guard let mail = mailbox.store(sealed, for: key, now: now) else {
            count(.mailboxFull)
            return [.send(id, .error(code: .mailboxFull, circuit: 0))]
        }
        counters.mailStored += 1
        var actions: [RelayAction] = [.send(id, .stored)]
        // Online after all: hand it over now (it stays until acknowledged).
        if let recipient = registry[network]?[target] {
            actions.append(.send(recipient, .mail(id: mail.id, sealed: mail.sealed)))
        }
        return actions
    }

    private mutating func register(_ id: ClientID, identity: PeerInfo, network: [UInt8], now: Instant)
        -> [RelayAction]
    {
        if !config.networks.isEmpty, !config.networks.contains(where: { ConstantTime.equal($0, network) }) {
            return [.send(id, .error(code: .forbidden, circuit: 0)), drop(id, .forbidden)]
        }
        var actions: [RelayAction] = []
        if let previous = registry[network]?[identity.peerID], previous != id {
            actions += [.send(previous, .error(code: .replaced, circuit: 0)), drop(previous, .replaced)]
        }
        clients[id]?.network = network
        clients[id]?.registerDeadline = nil
        registry[network, default: [:]][identity.peerID] = id
        let key = RelayMailbox.Key(network: network, peer: identity.peerID)
        if let payload = clients[id]?.payload, !payload.isEmpty {
            mailbox.remember(key, staticKey: identity.staticKey, payload: payload, now: now)
        }
        actions.append(.send(id, .registered))
        for mail in mailbox.pending(for: key, now: now) {
            actions.append(.send(id, .mail(id: mail.id, sealed: mail.sealed)))
        }
        return actions
    }

    private mutating func open(_ circuit: UInt32, from id: ClientID, to peer: [UInt8], network: [UInt8])
        -> [RelayAction]
    {
        guard let client = clients[id], let identity = client.identity else { return [] }
        guard circuit < RelayCodec.relayCircuitBase, client.circuits[circuit] == nil else {
            count(.unknownCircuit)
            return [.send(id, .error(code: .unknownCircuit, circuit: circuit))]
        }
        guard client.circuits.count < config.maxCircuitsPerClient else {
            count(.tooManyCircuits)
            return [.send(id, .error(code: .tooManyCircuits, circuit: circuit))]
        }
        guard let target = PeerID(bytes: peer), let targetID = registry[network]?[target], targetID != id,
            var other = clients[targetID], other.circuits.count < config.maxCircuitsPerClient
        else {
            // Unknown, offline, yourself, or full: one answer, so nothing about the peer leaks.
            count(.peerUnavailable)
            return [.send(id, .error(code: .peerUnavailable, circuit: circuit))]
        }
        var theirs = other.nextRelayCircuit
        while other.circuits[theirs] != nil { theirs = theirs == .max ? RelayCodec.relayCircuitBase : theirs + 1 }
        other.nextRelayCircuit = theirs == .max ? RelayCodec.relayCircuitBase : theirs + 1
        other.circuits[theirs] = Circuit(peer: id, peerCircuit: circuit)
        clients[targetID] = other
        clients[id]?.circuits[circuit] = Circuit(peer: targetID, peerCircuit: theirs)
        counters.circuitsOpened += 1
        return [
            .send(targetID, .incoming(circuit: theirs, peer: identity.peerID.bytes, nickname: identity.nickname))
        ]
    }

    private func listing(network: [UInt8], except own: PeerID) -> [RelayPeerEntry] {
        guard let members = registry[network] else { return [] }
        return members.compactMap { peer, client -> RelayPeerEntry? in
            guard peer != own, let nickname = clients[client]?.identity?.nickname else { return nil }
            return RelayPeerEntry(peerID: peer.bytes, nickname: nickname)
        }
        .sorted {
            $0.nickname == $1.nickname ? $0.peerID.lexicographicallyPrecedes($1.peerID) : $0.nickname < $1.nickname
        }
        .prefix(RelayLimits.maxListedPeers).map { $0 }
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
}
