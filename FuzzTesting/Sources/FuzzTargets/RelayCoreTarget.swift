import Identity
import Relay
import Session
import Wire

/// `RelayCore` (Relay/RelayCore.swift), the relay's routing, with small limits so that they are
/// reached: clients connect, authenticate as one of four identities, and send any message (built
/// from the input or decoded from input bytes), data through `forward`, time passes, mail expires.
/// The target plays the adapter: a `.disconnect` is followed by `disconnected`.
///
/// Invariants: the relay sends only to connected clients, only messages its encoder accepts and a
/// client may receive; client, registration, circuit and mailbox counts stay within their limits.
public enum RelayCoreTarget {
    static let identities = [
        Fixtures.alice, Fixtures.bob, Fixtures.carol, Fixtures.identity(4, nickname: "dave"),
    ]
    /// `PeerInfo` has no public initializer: each is the sender proven by opening a sealed message.
    static let peers: [PeerInfo] = identities.map { identity in
        let credentials = try! SessionCredentials(identity: identity)
        let sealed = try! OfflineSeal.seal(
            .ack(id: 0), from: credentials, to: Array(Fixtures.bob.staticKey.publicKey.rawRepresentation))
        return try! OfflineSeal.open(sealed, with: Fixtures.bob).0
    }
    static let payloads = identities.map { try! $0.handshakePayload().encode() }
    /// Derived once (each is a public key computed from a private one).
    static let identityIDs = identities.map(\.peerID.bytes)
    static let networks: [[UInt8]] = [[], Array("home".utf8), Array("work".utf8)]
    static let config = RelayConfig(
        maxClients: 6, maxCircuitsPerClient: 3, messageRate: 50, messageBurst: 100, byteRate: 64 * 1024,
        byteBurst: 128 * 1024)

    public static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        var run = RelayRun(core: RelayCore(config: config))
        while !input.isAtEnd { run.step(&input) }
    }

    /// One message of every type, with plausible fields. Built once: the identity message holds
    /// a signature, which would cost more than the rest of a step.
    public static func sampleMessages() -> [RelayMessage] { samples }

    static let samples: [RelayMessage] = {
        let bob = Fixtures.bob.peerID.bytes
        return [
            .register(network: Array("home".utf8)), .list, .open(circuit: 1, peer: bob),
            .data(circuit: 1, payload: Array("stream bytes".utf8)), .close(circuit: 1), .ping(token: 7),
            .pong(token: 7), .lookup(peer: bob), .store(peer: bob, sealed: [UInt8](repeating: 0xAB, count: 96)),
            .mailAck(id: 1), .watch, .registered, .peers([RelayPeerEntry(peerID: bob, nickname: "bob")]),
            .incoming(circuit: RelayCodec.relayCircuitBase, peer: bob, nickname: "bob"),
            .identity(peer: bob, staticKey: Array(Fixtures.bob.staticKey.publicKey.rawRepresentation),
                      payload: try! Fixtures.bob.handshakePayload().encode()),
            .stored, .mail(id: 1, sealed: [1, 2, 3]), .error(code: .peerUnavailable, circuit: 0),
            .presence([
                RelayPresenceChange(peer: RelayPeerEntry(peerID: bob, nickname: "bob"), online: true),
                RelayPresenceChange(peer: RelayPeerEntry(peerID: bob, nickname: "bob"), online: false),
            ]),
        ]
    }()

    public static func seeds() -> [[UInt8]] {
        // Per step the event and its fields (see `RelayRun.step`): connect, authenticate as an
        // identity, register in "home"; a message is a peer index, a type, its fields.
        let join: (UInt8, UInt8) -> [UInt8] = { client, who in [0, 1, client, who, 4, client, 0, 0, 1] }
        let register = RelayCodec.encode(.register(network: [1, 2]))
        return [
            // alice and bob join; alice lists, opens a circuit to bob, sends data; bob leaves;
            // alice stores mail for him; a burst; time passes.
            join(0, 0) + join(1, 1) + [4, 0, 0, 1] + [4, 0, 1, 2, 1] + [4, 0, 0, 3, 1, 3, 0x61, 0x62, 0x63] + [2, 1]
                + [4, 0, 1, 6, 0, 64] + [UInt8](repeating: 0xAB, count: 64) + [8, 0, 1, 200, 6, 0x27, 0x10, 0],
            // A message decoded from bytes.
            [0, 1, 0, 0, 5, 0, 0, UInt8(register.count)] + register,
            // Registration times out.
            [0, 1, 0, 2, 3, 0, 6, 0xFF, 0xFF, 0, 3, 0],
            // alice watches; bob joins, leaves and joins again within the push interval; time passes.
            join(0, 0) + [4, 0, 0, 9] + join(1, 1) + [2, 1] + join(1, 1) + [6, 0x01, 0x2C, 1],
        ]
    }
}

struct RelayRun {
    var core: RelayCore
    var now = Fixtures.origin
    /// Connected clients (in connection order) and the next ID to hand out; IDs are never reused.
    var connected: [RelayCore.ClientID] = []
    var nextID: RelayCore.ClientID = 1
    var authenticated: Set<RelayCore.ClientID> = []

    init(core: RelayCore) { self.core = core }

    mutating func client(_ input: inout FuzzInput) -> RelayCore.ClientID {
        connected.isEmpty ? 999 : connected[Int(input.byte()) % connected.count]
    }

    mutating func step(_ input: inout FuzzInput) {
        switch input.byte() % 9 {
        case 0:
            let id = nextID
            nextID += 1
            let actions = core.connected(id, now: now)
            if !actions.contains(where: { if case .disconnect(id, _) = $0 { true } else { false } }) {
                connected.append(id)
            }
            carryOut(actions)
        case 1:
            let id = client(&input)
            let who = Int(input.byte()) % RelayCoreTarget.identities.count
            // Only connected clients authenticate, once (the link's handshake does it once).
            guard connected.contains(id), authenticated.insert(id).inserted else { break }
            core.authenticated(id, as: RelayCoreTarget.peers[who], payload: RelayCoreTarget.payloads[who], now: now)
        case 2:
            let id = client(&input)
            disconnect(id, reason: nil)
        case 3:
            carryOut(core.checkRegistration(client(&input), now: now))
        case 4:
            let id = client(&input)
            let message = buildMessage(&input)
            carryOut(core.received(message, from: id, size: RelayCodec.encode(message).count + 18, now: now))
        case 5:
            let id = client(&input)
            let bytes = input.chunk(long: input.bool())
            if let message = try? RelayCodec.decode(bytes) {
                carryOut(core.received(message, from: id, size: bytes.count + 18, now: now))
            }
        case 6:
            let step = Int64(input.uint16())
            now = now + (input.bool() ? .milliseconds(step) : .seconds(Int64(step) * 16))
            carryOut(core.expireMail(now: now))
            carryOut(core.flushPresence(now: now))
        case 7:
            let id = client(&input)
            let count = Int(input.uint16())
            _ = core.forward(circuit: UInt32(input.byte() % 4), payloadCount: count, from: id, size: count + 24, now: now)
        default:
            // A burst of small data messages, to reach the rate limits.
            let id = client(&input)
            let circuit = UInt32(input.byte() % 4)
            for _ in 0..<Int(input.byte()) {
                carryOut(core.received(.data(circuit: circuit, payload: [1]), from: id, size: 25, now: now))
            }
        }
        check()
    }

    mutating func buildMessage(_ input: inout FuzzInput) -> RelayMessage {
        let peer = RelayCoreTarget.identityIDs[Int(input.byte()) % RelayCoreTarget.identityIDs.count]
        switch input.byte() % 12 {
        case 0: return .register(network: RelayCoreTarget.networks[Int(input.byte()) % 3])
        case 1: return .list
        case 2: return .open(circuit: UInt32(input.byte() % 4), peer: peer)
        case 3: return .data(circuit: UInt32(input.byte() % 4), payload: input.chunk())
        case 4: return .close(circuit: UInt32(input.byte() % 4))
        case 5: return .lookup(peer: peer)
        case 6: return .store(peer: peer, sealed: input.chunk(long: true).prefix(RelayLimits.maxSealedMessage).map { $0 })
        case 7: return .mailAck(id: UInt64(input.byte() % 8))
        case 8: return .ping(token: 1)
        case 9: return .watch
        case 10: return .post(sealed: input.chunk(long: true).prefix(RelayLimits.maxPostBytes).map { $0 })
        default:
            // Relay-only types.
            let pick = Int(input.byte()) % 9
            return pick == 8 ? .roomPost(peer: peer, sealed: [1]) : RelayCoreTarget.sampleMessages()[11 + pick]
        }
    }

    mutating func disconnect(_ id: RelayCore.ClientID, reason: RelayDropReason?) {
        let actions = core.disconnected(id, reason: reason, now: now)
        connected.removeAll { $0 == id }
        carryOut(actions)
    }

    mutating func carryOut(_ actions: [RelayAction]) {
        for action in actions {
            switch action {
            case .send(let to, let message):
                fuzzCheck(connected.contains(to), "sent \(message) to client \(to), not connected")
                // The encoder's preconditions hold, and the client can decode it.
                let encoded = RelayCodec.encode(message)
                fuzzCheck(encoded.count <= RelayLimits.maxMessagePlaintext, "sent \(encoded.count) bytes")
                fuzzCheck((try? RelayCodec.decode(encoded)) == message, "sent a message that does not decode")
                let type = encoded[1]
                fuzzCheck(type >= 0x80 || [4, 5, 6, 7].contains(type), "sent a client-to-relay message type \(type)")
            case .disconnect(let id, let reason):
                disconnect(id, reason: reason)
            case .pauseReading:
                break
            case .persist:
                // The mailbox's writes for the store adapter; what they keep is checked by the
                // core's counts in `check()`.
                break
            }
        }
    }

    func check() {
        let config = RelayCoreTarget.config
        fuzzCheck(core.clientCount == connected.count, "\(core.clientCount) clients, \(connected.count) connected")
        fuzzCheck(core.clientCount <= config.maxClients, "\(core.clientCount) clients over \(config.maxClients)")
        fuzzCheck(core.registeredCount <= core.clientCount, "more registrations than clients")
        fuzzCheck(core.circuitCount * 2 <= core.clientCount * config.maxCircuitsPerClient, "\(core.circuitCount) circuits")
        fuzzCheck(core.storedCount <= RelayLimits.maxStoredTotal, "\(core.storedCount) stored")
        fuzzCheck(core.counters.postCopies <= core.counters.posts * config.maxClients, "more copies than members")
        for id in connected {
            fuzzCheck(core.pendingPresence(of: id) <= core.config.maxPendingPresence, "presence queue over its bound")
        }
    }
}
