import ChatCore
import ChatModel
import Identity
import Net
import Store
import Wire

/// The relay's presence pushes (`watch`, docs/PROTOCOL.md §14.4): the relay's peer list follows
/// them, and the chat core hears `relayPresence(peer, online:)`: a peer that registers while our
/// outbox holds messages for it that need a session (not those left on the relay as mail, which
/// reach it with its registration) gets one at once.
extension ChatController {
    /// `change` arrived from `client`, the relay in use (pushes of a relay since left are ignored).
    func relayPresence(_ change: RelayPresenceChange, from client: RelayClient) {
        guard relayState.client === client, let peer = PeerID(bytes: change.peer.peerID), peer != me else { return }
        if change.online {
            relayState.peers[peer] = change.peer.nickname
            relayState.known[peer] = change.peer.nickname
            apply(.named(peer, LineOutput.sanitize(change.peer.nickname)))
        } else {
            relayState.peers[peer] = nil
        }
        publishPeers()
        apply(.relayPresence(peer, online: change.online))
    }
}
