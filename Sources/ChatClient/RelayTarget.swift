import Identity
import Net
import RunSupport
import Session
import Wire

/// Where and how to reach a relay given as HOST:PORT (`--relay`), as a value that can travel into tasks.
public struct RelayTarget: Sendable {
    let host: String
    let port: Int
    let network: [UInt8]
    let expected: ExpectedPeer?

    public init(host: String, port: Int, network: [UInt8], expected: ExpectedPeer?) {
        self.host = host
        self.port = port
        self.network = network
        self.expected = expected
    }

    public func connect(
        credentials: SessionCredentials, sessionConfig: SessionConfig,
        onSession: @escaping @Sendable (PeerConnection, RelayPeerEntry) -> Void,
        onMail: @escaping @Sendable (UInt64, [UInt8]) -> Void = { _, _ in }, watchPresence: Bool = false
    ) async throws -> RelayClient {
        do throws(RelayClientError) {
            return try await RelayClient.connect(
                host: host, port: port, credentials: credentials, network: network,
                linkConfig: RelayLinkMachine.Config(expectedPeer: expected), sessionConfig: sessionConfig,
                onSession: onSession, onMail: onMail, watchPresence: watchPresence)
        } catch {
            throw Failure(message: error.description, code: error.exitStatus)
        }
    }
}
