import Identity
import Net
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
        if change.online { await openForOutbox([peer]) }
    }

    /// Opens a session to each of `peers` that our outbox holds messages for and that has none
    /// ready: directly when discovered, else through the relay.
    func openForOutbox(_ peers: some Sequence<PeerID>) async {
        let waiting = Set((try? await store.perform { try $0.peersWithPendingMessages() }) ?? [])
        for peer in peers where waiting.contains(peer) && readySession(with: peer) == nil {
            if let found = discovered[peer] { dial(found) } else if relayReaches(peer) { dialThroughRelay(peer) }
        }
    }
}
