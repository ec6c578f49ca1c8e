import Identity
import Net
import Store
import Wire

/// The relay's presence pushes (`watch`, docs/PROTOCOL.md §14.4): a peer that registers while
/// our outbox holds messages for it gets a session at once, as a listing (`/peers`) would give.
extension ChatController {
    /// `change` arrived from `client`, the relay in use (pushes of a relay since left are ignored).
    func relayPresence(_ change: RelayPresenceChange, from client: RelayClient) async {
        guard relayState.client === client, let peer = PeerID(bytes: change.peer.peerID), peer != me else { return }
        if change.online {
            relayState.peers[peer] = change.peer.nickname
            relayState.known[peer] = change.peer.nickname
        } else {
            relayState.peers[peer] = nil
        }
        publishPeers()
        guard change.online, readySession(with: peer) == nil else { return }
        // Messages left on the relay this run reach the peer with its registration, as mail,
        // and are acknowledged that way: only the others need a session.
        let pending = (try? await store.perform { try $0.pendingOutbox(for: peer) }) ?? []
        let unsent = pending.contains { !relayState.leftOnRelay.contains(.init(peer: peer, id: $0.messageID)) }
        guard unsent, relayState.client === client, readySession(with: peer) == nil else { return }
        if let found = discovered[peer] { dial(found) } else if relayReaches(peer) { dialThroughRelay(peer) }
    }
}
