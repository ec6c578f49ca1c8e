import ChatModel
import Identity
import Net
import RunSupport
import Session
import Wire

extension RelayClient {
    /// Resolves what a user typed (peer ID, fingerprint, or nickname) among the relay's peers.
    public func resolve(_ name: String) async throws -> PeerID {
        if let id = PeerID(name) { return id }
        let peers = try await self.peers()
        let expected = ExpectedPeer(name)
        let matches = peers.filter { entry in
            guard let id = PeerID(bytes: entry.peerID) else { return false }
            return expected?.matches(id) ?? (entry.nickname == name)
        }
        guard matches.count == 1, let id = PeerID(bytes: matches[0].peerID) else {
            throw Failure(
                message: matches.isEmpty
                    ? "no peer \(LineOutput.sanitize(name)) on the relay" : "\(matches.count) peers match \(name)",
                code: .unreachable)
        }
        return id
    }
}

extension RelayClient {
    /// `open`, with the relay's refusals turned into messages and exit codes for the user.
    public func openSession(to peer: PeerID, config: SessionConfig) async throws -> PeerConnection {
        do {
            return try await open(to: peer, config: config)
        } catch let error as RelayClientError {
            throw Failure(message: "\(peer.fingerprint): \(error)", code: error.exitStatus)
        } catch let closed as SessionClosedError {
            throw Failure(message: closed.reason.description, code: closed.reason.exitStatus)
        }
    }
}

/// `send --offline`: the peer is not on the relay now, so the message is left there sealed.
public struct PeerOffline: Error {
    public let relay: RelayClient
    public let peer: PeerID

    public init(relay: RelayClient, peer: PeerID) {
        self.relay = relay
        self.peer = peer
    }

    public func leave(_ text: String, id: MessageID, sentAt: UInt64, credentials: SessionCredentials) async throws {
        let frame = Frame.text(id: id, sentAt: sentAt, text: text)
        do {
            try await relay.sendOffline(frame, to: peer, credentials: credentials)
        } catch let error as RelayClientError {
            throw Failure(
                message: "\(peer.fingerprint) is offline and the relay did not keep the message: \(error)",
                code: error.exitStatus)
        }
        await relay.close()
        print("left on the relay for \(peer.fingerprint), who is offline")
    }
}
