import Identity
import Session
import Wire

/// The messages of registered clients: routing, circuits and listings.
extension RelayCore {
    /// One decoded message from an authenticated client; `size` is its length on the wire.
    public mutating func received(_ message: RelayMessage, from id: ClientID, size: Int, now: Instant) -> [RelayAction]
    {
        let actions = handle(message, from: id, size: size, now: now)
        return mailbox.writes.isEmpty ? actions : actions + [.persist(mailbox.takeWrites())]
    }

    private mutating func handle(_ message: RelayMessage, from id: ClientID, size: Int, now: Instant) -> [RelayAction]
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
            return actions + answer(id, .peers(listing(network: network, except: identity.peerID)))
        case .register:
            return actions + [drop(id, .protocolViolation)]
        case .lookup(let peer):
            guard let target = PeerID(bytes: peer),
                let entry = mailbox.lookup(RelayMailbox.Key(network: network, peer: target))
            else {
                count(.peerUnavailable)
                return actions + answer(id, .error(code: .peerUnavailable, circuit: 0))
            }
            return actions + answer(id, .identity(peer: peer, staticKey: entry.staticKey, payload: entry.payload))
        case .store(let peer, let sealed):
            return actions + store(sealed, from: id, as: identity.peerID, for: peer, network: network, now: now)
        case .mailAck(let mail):
            if !mailbox.acknowledge(mail, for: RelayMailbox.Key(network: network, peer: identity.peerID)) {
                count(.unknownMail)
            }
            return actions
        case .watch:
            watch(id)
            return actions
        case .post(let sealed):
            return actions + post(sealed, from: id, as: identity.peerID, network: network, now: now)
        case .ping, .pong:
            return actions
        case .registered, .peers, .incoming, .error, .identity, .stored, .mail, .presence, .roomPost:
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

    /// The fan-out (§14.12): one copy of a post to every other member of the poster's network,
    /// in a fixed order. Each copy is charged to the poster's byte bucket at its size on the
    /// wire, so that a post costs its sender what it costs the relay to send: one client cannot
    /// make the relay send more than its own byte rate, however large the network.
    private mutating func post(_ sealed: [UInt8], from id: ClientID, as poster: PeerID, network: [UInt8], now: Instant)
        -> [RelayAction]
    {
        let members = (registry[network] ?? [:]).compactMap { $0.key == poster ? nil : $0.value }.sorted()
        let copy = RelayMessage.roomPost(peer: poster.bytes, sealed: sealed)
        counters.posts += 1
        counters.postCopies += members.count
        let copies = members.map { RelayAction.send($0, copy) }
        let copyBytes = RelayCodec.encodedCount(copy) + RelayCodec.linkOverhead
        return copies + charge(id, bytes: copyBytes * members.count, now: now)
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
        return actions + announce(identity, online: true, in: network, except: id, now: now)
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
