import Identity
import NIOCore
import Net
import Session
import Wire

/// One session as the lab node uses it, whichever way it reaches the peer. `PeerConnection`
/// (a direct TCP session) is one; `RelayedSession` (a session carried through the relay) another.
protocol LabSession: Sendable {
    var events: AsyncStream<SessionEvent> { get }
    @discardableResult
    func send(_ text: String, id: MessageID, sentAt: UInt64) async throws -> MessageID
    func close() async
    /// Bytes this session's own TCP connection carried, or nil when it has none of its own
    /// (a relayed session shares the node's connection to the relay: the route counts that).
    func byteCounts() async -> TCPByteCounts?
    /// Whether the session has a TCP connection of its own (a direct one) rather than sharing
    /// the node's connection to the relay.
    var ownsConnection: Bool { get }
    /// The session itself, for the calls of the voice workload.
    var peerConnection: PeerConnection { get }
}

extension PeerConnection: LabSession {
    func byteCounts() async -> TCPByteCounts? {
        guard let channel else { return nil }
        return await KernelTCPInfo.counts(of: channel)
    }
    var ownsConnection: Bool { !isRelayed }
    var peerConnection: PeerConnection { self }
}

/// How a lab node opens its sessions: the peer-to-peer model connects to each peer directly,
/// the client/server model sends every session through the relay.
protocol LabRoute: Sendable {
    /// Opens a session to each peer and hands each to `adopt` as soon as it exists (before its
    /// handshake completes). Incoming sessions reach `adopt` too, from whoever accepts them.
    func open(
        credentials: SessionCredentials, config: SessionConfig,
        adopt: @escaping @Sendable (any LabSession) async -> Void
    ) async throws(LabFailure)

    /// Bytes carried by connections the route owns beyond the sessions' own (the connection
    /// to the relay); zero for direct sessions.
    func extraByteCounts() async -> TCPByteCounts

    /// TCP connections the route owns beyond the sessions' own: 1 while the relay link is up.
    func extraConnections() async -> Int

    /// Closes what the route owns beyond the sessions (the relay link).
    func close() async
}

/// Every session straight to the peer's address, proving the identity given.
struct DirectRoute: LabRoute {
    let peers: [LabPeerAddress]

    func open(
        credentials: SessionCredentials, config: SessionConfig,
        adopt: @escaping @Sendable (any LabSession) async -> Void
    ) async throws(LabFailure) {
        try await withTaskGroupThrowingFirst(peers) { peer throws(LabFailure) in
            guard let expected = ExpectedPeer(peer.peerID) else {
                throw LabFailure(message: "not a peer ID: \(peer.peerID)")
            }
            var config = config
            config.expectedPeer = expected
            do throws(ConnectError) {
                let connection = try await SessionConnector.connect(
                    host: peer.host, port: peer.port, credentials: credentials, config: config)
                await adopt(connection)
            } catch {
                throw LabFailure(message: error.description)
            }
        }
    }

    func extraByteCounts() async -> TCPByteCounts { .zero }
    func extraConnections() async -> Int { 0 }
    func close() async {}
}

extension LabPath {
    var route: any LabRoute {
        switch self {
        case .direct(let peers): DirectRoute(peers: peers)
        case .relay(let host, let port, let fingerprint, let peers):
            RelayRoute(host: host, port: port, relayFingerprint: fingerprint, peers: peers)
        }
    }
}

/// Runs `body` for every element concurrently; the first failure cancels the rest and is thrown.
func withTaskGroupThrowingFirst<Element: Sendable>(
    _ elements: [Element], _ body: @escaping @Sendable (Element) async throws(LabFailure) -> Void
) async throws(LabFailure) {
    let failure: LabFailure? = await withTaskGroup(of: LabFailure?.self) { group in
        for element in elements {
            group.addTask {
                do throws(LabFailure) {
                    try await body(element)
                    return nil
                } catch {
                    return error
                }
            }
        }
        for await result in group {
            if let result {
                group.cancelAll()
                return result
            }
        }
        return nil
    }
    if let failure { throw failure }
}
