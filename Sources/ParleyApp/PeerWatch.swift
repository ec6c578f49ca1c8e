import Identity
import Net
import Session

/// Which discovery events `parley peers --watch` prints after its table. The event stream
/// holds every event since discovery started, also those from before the table was taken:
/// replayed, they made a peer first heard on IPv6 flip to `[fe80::…]` and back in two
/// spurious `~` lines. An event older than what the table (or the last line) showed is
/// history, not news, and prints nothing.
struct PeerWatch {
    /// What the user last saw of each peer.
    private(set) var shown: [PeerID: DiscoveredPeer]
    /// Read before the table was taken: a peer not in the table, heard before this, had
    /// already left again when the table was taken.
    let listedAt: Instant

    init(listed peers: [DiscoveredPeer], listedAt: Instant) {
        shown = Dictionary(peers.map { ($0.peerID, $0) }, uniquingKeysWith: { $1 })
        self.listedAt = listedAt
    }

    /// The line-worthy change an event brings, or nil.
    mutating func change(for event: DiscoveryEvent) -> PeerChange? {
        switch event {
        case .added(let peer), .updated(let peer):
            if let before = shown[peer.peerID] {
                if peer.lastSeen < before.lastSeen || before.listsTheSame(as: peer) { return nil }
                shown[peer.peerID] = peer
                return .updated(peer)
            }
            if peer.lastSeen < listedAt { return nil }
            shown[peer.peerID] = peer
            return .added(peer)
        case .removed(let peer, let why):
            guard let before = shown[peer.peerID], peer.lastSeen >= before.lastSeen else { return nil }
            shown[peer.peerID] = nil
            return .removed(peer, why)
        }
    }
}
