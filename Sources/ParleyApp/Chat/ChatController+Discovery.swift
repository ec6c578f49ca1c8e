import Foundation
import Identity
import Net
import Session
import Store

/// The chat client's side of LAN discovery: peers appearing and leaving, and sessions opened on
/// demand (a message for a discovered peer, or an outbox waiting for one that reappears). The
/// announcement only says where to connect; the session's handshake must prove the announced
/// peer ID, or the session is refused.
extension ChatController {
    /// Starts reporting discovery events; `dialer` opens direct sessions to discovered peers.
    func useDiscovery(_ service: DiscoveryService, dialer: DirectDialer) {
        useDiscovery(events: service.events, service: service, dialer: dialer)
    }

    /// The same for discovery events from any source (tests feed their own, without a
    /// service). A session to a discovered peer takes the path chosen for it (`openSession`); a
    /// relayed session with a discovered peer tries to move to the direct path
    /// (ChatController+DirectPath).
    func useDiscovery(events: AsyncStream<DiscoveryEvent>, service: DiscoveryService?, dialer: DirectDialer) {
        discovery = service
        connector = { peer in
            let config = try dialer.config(for: peer)
            return try await self.openSession(to: peer.peerID, config: config) { try await dialer.connect(to: peer) }
        }
        directPath.connector = { try await dialer.connect(to: $0) }
        Task {
            for await event in events { await self.handle(event) }
        }
    }

    func stopDiscovery() async {
        guard let service = discovery else { return }
        discovery = nil
        await service.stop()
    }

    private func handle(_ event: DiscoveryEvent) async {
        switch event {
        case .added(let peer):
            discovered[peer.peerID] = peer
            show(.notice("discovered: \(describe(peer)) at \(peer.endpointText)", in: .room))
            publishPeers()
            // Messages that waited for this peer go out now.
            let waiting = (try? await store.perform { try $0.pendingOutbox(for: peer.peerID) })?.isEmpty == false
            if waiting, discovered[peer.peerID] != nil, readySession(with: peer.peerID) == nil { dial(peer) }
            considerDirectPath(to: peer.peerID, .routeChanged)
        case .updated(let peer):
            let before = discovered[peer.peerID]
            discovered[peer.peerID] = peer
            // Perhaps a new address or port: a relayed session tries the direct path again.
            considerDirectPath(to: peer.peerID, .routeChanged)
            guard before?.nickname != peer.nickname || before?.endpointText != peer.endpointText else { return }
            show(.notice("updated: \(describe(peer)) at \(peer.endpointText)", in: .room))
            publishPeers()
        case .removed(let peer, let why):
            discovered[peer.peerID] = nil
            show(.notice("gone: \(describe(peer)) (\(why.word))", in: .room))
            publishPeers()
        }
    }

    /// Opens a session to a discovered peer, unless one is open or being opened.
    func dial(_ peer: DiscoveredPeer) {
        guard let connector, !dialing.contains(peer.peerID),
            !sessions.values.contains(where: { $0.peer?.peerID == peer.peerID || $0.dialed == peer.peerID })
        else { return }
        dialing.insert(peer.peerID)
        show(.notice("connecting to \(describe(peer)) at \(peer.endpointText)", in: .peer(peer.peerID.description)))
        Task {
            do {
                let link = try await connector(peer)
                self.attach(link, isOutgoing: true, dialed: peer.peerID)
            } catch {
                self.dialing.remove(peer.peerID)
                self.dialFailed(peer.peerID, reason: "cannot reach \(LineOutput.sanitize(peer.nickname)): \(error)")
            }
        }
    }

    /// A session opened for a discovered peer failed before its handshake completed: what was
    /// written for it stays in the outbox until the peer is back.
    func dialFailed(_ id: PeerID, reason: String) {
        failures += 1
        show(.error("\(reason); messages for \(LineOutput.sanitize(nickname(of: id))) stay queued until it is back"))
    }
}
