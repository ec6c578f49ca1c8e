import Identity
import NIOCore
import Session
import Wire

/// The circuits of the relay link: opening one to a peer, taking one a peer opened, and what a
/// circuit asks of the link (`CircuitLink`).
extension RelayClientHandler {
    /// Opens a circuit to `peer` and an initiator session on it: the `open` and the session's
    /// first handshake message leave together.
    func open(to peer: PeerID, config: SessionConfig) -> EventLoopFuture<(PeerConnection, UInt32)> {
        guard context != nil, link.isEstablished else {
            return eventLoop.makeFailedFuture(RelayClientError.relayClosed(.connectionLost))
        }
        while circuits[nextCircuit] != nil { advanceCircuitID() }
        let id = nextCircuit
        advanceCircuitID()
        perform(link.send(.open(circuit: id, peer: peer.bytes)), flush: false)
        var config = config
        config.expectedPeer = .peerID(peer)
        let (circuit, connection) = makeCircuit(id, role: .initiator, config: config)
        circuits[id] = circuit
        circuit.start()
        flushIfNeeded()
        return eventLoop.makeSucceededFuture((connection, id))
    }

    private func advanceCircuitID() {
        nextCircuit = nextCircuit >= RelayCodec.relayCircuitBase - 1 ? 1 : nextCircuit + 1
    }

    /// Why the relay refused `circuit`, if it did; forgets it.
    func takeCircuitError(_ circuit: UInt32) -> RelayErrorCode? {
        circuitErrors.removeValue(forKey: circuit)
    }

    /// A peer opened a circuit to us: a responder session on it, handed to the owner.
    func incoming(_ id: UInt32, peer: [UInt8], nickname: String) {
        guard context != nil, let peerID = PeerID(bytes: peer), circuits[id] == nil else { return }
        var config = sessionConfig
        config.expectedPeer = .peerID(peerID)
        let (circuit, connection) = makeCircuit(id, role: .responder, config: config)
        circuits[id] = circuit
        circuit.start()
        onSession(connection, RelayPeerEntry(peerID: peer, nickname: nickname))
    }

    func makeCircuit(_ id: UInt32, role: SessionMachine.Role, config: SessionConfig) -> (
        RelayCircuit, PeerConnection
    ) {
        let (driver, inbound) = PeerConnection.makeDriver(
            role: role, credentials: credentials, config: config, eventLoop: eventLoop)
        let circuit = RelayCircuit(id: id, driver: driver, link: self)
        let connection = PeerConnection.relayed(
            driver: driver, inbound: inbound, circuitClosed: circuit.closed.futureResult, relayAddress: relayAddress)
        return (circuit, connection)
    }
}

extension RelayClientHandler: CircuitLink {
    func sendData(_ payload: [UInt8], on circuit: UInt32) {
        perform(link.send(.data(circuit: circuit, payload: payload)), flush: false)
    }

    func flushData() {
        if !inReadBatch { flushIfNeeded() }
    }

    func circuitClosed(_ circuit: UInt32, written: EventLoopPromise<Void>) {
        guard circuits.removeValue(forKey: circuit) != nil else { return written.succeed(()) }
        perform(link.send(.close(circuit: circuit)), promise: written)
        if closing, circuits.isEmpty { perform(link.close()) }
    }

    func isOverBacklog(limit: Int) -> Bool {
        guard let context, !context.channel.isWritable,
            let queued = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)
        else { return false }
        return queued > limit
    }

    func setReading(_ reading: Bool, for circuit: UInt32) {
        if reading {
            guard pausedCircuits.remove(circuit) != nil, pausedCircuits.isEmpty, readPending else { return }
            readPending = false
            context?.read()
        } else {
            pausedCircuits.insert(circuit)
        }
    }
}
