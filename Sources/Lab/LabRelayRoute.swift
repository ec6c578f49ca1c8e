import Identity
import NIOCore
import Net
import Session
import Wire

/// A session through the relay: the same `PeerConnection` as a direct one, on a circuit of the
/// node's relay link. It has no TCP connection of its own; its bytes are counted on the relay
/// link (`RelayRoute.extraByteCounts`).
struct RelayedSession: LabSession {
    let connection: PeerConnection

    var events: AsyncStream<SessionEvent> { connection.events }
    var ownsConnection: Bool { false }
    var peerConnection: PeerConnection { connection }

    @discardableResult
    func send(_ text: String, id: MessageID, sentAt: UInt64) async throws -> MessageID {
        try await connection.send(text, id: id, sentAt: sentAt)
    }

    func close() async { await connection.close() }
    func byteCounts() async -> TCPByteCounts? { nil }
}

/// The client/server model's route: the node logs in to the relay at `host:port` with its own
/// identity (the relay must prove `relayFingerprint` when given), registers in the lab's
/// network, waits until the peers it must reach are registered too, and opens one relayed
/// session to each. Sessions other nodes open to it through the relay go to `adopt`.
actor RelayRoute: LabRoute {
    /// The relay network every lab node joins.
    static let network = "parley-compare"
    /// How long a node waits for the peers it connects to to register on the relay.
    static let registrationWait = Duration.seconds(20)

    let host: String
    let port: Int
    let relayFingerprint: String?
    let peers: [String]
    private var client: RelayClient?
    private var lastCounts = TCPByteCounts.zero

    init(host: String, port: Int, relayFingerprint: String?, peers: [String]) {
        self.host = host
        self.port = port
        self.relayFingerprint = relayFingerprint
        self.peers = peers
    }

    func open(
        credentials: SessionCredentials, config: SessionConfig,
        adopt: @escaping @Sendable (any LabSession) async -> Void
    ) async throws(LabFailure) {
        var expected: ExpectedPeer?
        if let relayFingerprint {
            guard let pin = ExpectedPeer(relayFingerprint) else {
                throw LabFailure(message: "not a relay fingerprint: \(relayFingerprint)")
            }
            expected = pin
        }
        var targets: [PeerID] = []
        for text in peers {
            guard let id = PeerID(text) else { throw LabFailure(message: "not a peer ID: \(text)") }
            targets.append(id)
        }
        let client: RelayClient
        do throws(RelayClientError) {
            client = try await RelayClient.connect(
                host: host, port: port, credentials: credentials, network: Array(Self.network.utf8),
                linkConfig: RelayLinkMachine.Config(expectedPeer: expected), sessionConfig: config,
                onSession: { connection, _ in Task { await adopt(RelayedSession(connection: connection)) } })
        } catch {
            throw LabFailure(message: "relay \(host):\(port): \(error.description)")
        }
        self.client = client
        try await Self.waitForRegistration(of: targets, on: client)
        try await withTaskGroupThrowingFirst(targets) { peer throws(LabFailure) in
            do {
                let connection = try await client.open(to: peer, config: config)
                await adopt(RelayedSession(connection: connection))
            } catch {
                throw LabFailure(message: "relayed session to \(peer.fingerprint): \(error)")
            }
        }
    }

    /// Polls the relay's list of peers until every one of `targets` is registered.
    private static func waitForRegistration(of targets: [PeerID], on client: RelayClient) async throws(LabFailure) {
        guard !targets.isEmpty else { return }
        let deadline = ContinuousClock.now + registrationWait
        var missing = targets.count
        while ContinuousClock.now < deadline {
            do throws(RelayClientError) {
                let registered = Set(try await client.peers().map(\.peerID))
                missing = targets.filter { !registered.contains($0.bytes) }.count
                if missing == 0 { return }
            } catch {
                throw LabFailure(message: "relay \(client.address): \(error.description)")
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        throw LabFailure(message: "\(missing) peers did not register on the relay within \(registrationWait)")
    }

    func extraByteCounts() async -> TCPByteCounts {
        if let client, let counts = await KernelTCPInfo.counts(of: client.channel) { lastCounts = counts }
        return lastCounts
    }

    func extraConnections() async -> Int { client?.channel.isActive == true ? 1 : 0 }

    func close() async { await client?.close() }
}
