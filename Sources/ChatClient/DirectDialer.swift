import Identity
import Net
import Session

/// Opens direct sessions to discovered peers for the chat: each address the peer was heard
/// from in turn, on its first announced port. The announcement only says where to connect:
/// the handshake must prove the announced peer ID, and `--expect`, if given, must agree.
public struct DirectDialer: Sendable {
    let credentials: SessionCredentials
    let config: SessionConfig

    public init(credentials: SessionCredentials, config: SessionConfig) {
        self.credentials = credentials
        self.config = config
    }

    /// The session settings for `peer`: expecting exactly its peer ID.
    func config(for peer: DiscoveredPeer) throws -> SessionConfig {
        if let expected = config.expectedPeer, !expected.matches(peer.peerID) {
            throw ConnectError.failed("\(peer.nickname) is not the peer --expect names")
        }
        var config = config
        config.expectedPeer = .peerID(peer.peerID)
        return config
    }

    /// A TCP connection with the session's handshake started; the last address's error when
    /// none connects.
    func connect(to peer: DiscoveredPeer) async throws -> PeerConnection {
        let config = try config(for: peer)
        var lastError = ConnectError.failed("no address")
        for address in peer.addresses {
            do throws(ConnectError) {
                return try await SessionConnector.connect(
                    host: address.host, port: Int(peer.ports[0]), credentials: credentials, config: config)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }
}
