import Identity
import Session
import Wire

/// Identities shared by the tests; generating them is the slow part.
enum People {
    static let alice = LocalIdentity.generate(nickname: "alice")
    static let bob = LocalIdentity.generate(nickname: "bob")
    static let carol = LocalIdentity.generate(nickname: "carol")
    static let mallory = LocalIdentity.generate(nickname: "mallory")
    static let relay = LocalIdentity.generate(nickname: "relay")

    static func credentials(_ identity: LocalIdentity) -> SessionCredentials {
        try! SessionCredentials(identity: identity)
    }
}

let origin = Instant(nanoseconds: 1_000_000_000_000)

/// A client link and a relay link back to back in memory, driven by hand.
struct LinkPair {
    var client: RelayLinkMachine
    var relay: RelayLinkMachine
    var clientSeen: [RelayLinkAction] = []
    var relaySeen: [RelayLinkAction] = []
    var now = origin

    init(
        client: LocalIdentity = People.alice, clientConfig: RelayLinkMachine.Config = .init(),
        relayConfig: RelayLinkMachine.Config = .init()
    ) {
        self.client = RelayLinkMachine(role: .client, credentials: People.credentials(client), config: clientConfig)
        relay = RelayLinkMachine(role: .relay, credentials: People.credentials(People.relay), config: relayConfig)
    }

    /// Starts both and runs the handshake to the end (or to a failure).
    mutating func handshake() {
        relaySeen += relay.start(now: now)
        deliverToRelay(client.start(now: now))
    }

    mutating func deliverToRelay(_ actions: [RelayLinkAction]) {
        clientSeen += actions
        for case .send(let bytes) in actions { deliverToClient(relay.receive(bytes, now: now)) }
    }

    mutating func deliverToClient(_ actions: [RelayLinkAction]) {
        relaySeen += actions
        for case .send(let bytes) in actions { deliverToRelay(client.receive(bytes, now: now)) }
    }

    func messages(atRelay: Bool) -> [RelayMessage] {
        (atRelay ? relaySeen : clientSeen).compactMap { if case .message(let m) = $0 { m } else { nil } }
    }
}

func peerInfo(_ identity: LocalIdentity) -> PeerInfo {
    var pair = LinkPair(client: identity)
    pair.handshake()
    return pair.relay.peer!
}
