import Identity
import Net
import Session

/// Which discovery events `parley peers --watch` prints after its lists. The event streams
/// hold every event since discovery started, also those from before the lists were taken:
/// replayed, they made a peer first heard on IPv6 flip to `[fe80::…]` and back in two
/// spurious `~` lines. An event older than what the list (or the last line) showed about a
/// peer or relay is history, not news, and prints nothing.
public struct ListingWatch<Item: WatchedListing> {
    /// What the user last saw of each one.
    private(set) var shown: [PeerID: Item]
    /// Read before the list was taken: one not in the list, heard before this, had already
    /// left again when the list was taken.
    let listedAt: Instant

    public init(listed items: [Item], listedAt: Instant) {
        shown = Dictionary(items.map { ($0.peerID, $0) }, uniquingKeysWith: { $1 })
        self.listedAt = listedAt
    }

    /// Heard (added or updated): true to print it as new, false as changed, nil for nothing.
    mutating func heard(_ item: Item) -> Bool? {
        if let before = shown[item.peerID] {
            if item.lastSeen < before.lastSeen || before.listsTheSame(as: item) { return nil }
            shown[item.peerID] = item
            return false
        }
        if item.lastSeen < listedAt { return nil }
        shown[item.peerID] = item
        return true
    }

    /// Gone: true to print it.
    mutating func left(_ item: Item) -> Bool {
        guard let before = shown[item.peerID], item.lastSeen >= before.lastSeen else { return false }
        shown[item.peerID] = nil
        return true
    }
}

/// A peer or relay as discovery lists it, for `ListingWatch`.
public protocol WatchedListing {
    var peerID: PeerID { get }
    var lastSeen: Instant { get }
    func listsTheSame(as other: Self) -> Bool
}

extension DiscoveredPeer: WatchedListing {}
extension DiscoveredRelay: WatchedListing {}

public typealias PeerWatch = ListingWatch<DiscoveredPeer>
public typealias RelayWatch = ListingWatch<DiscoveredRelay>

extension ListingWatch where Item == DiscoveredPeer {
    /// The line-worthy change a peer event brings, or nil.
    public mutating func change(for event: DiscoveryEvent) -> PeerChange? {
        switch event {
        case .added(let peer), .updated(let peer):
            heard(peer).map { $0 ? .added(peer) : .updated(peer) }
        case .removed(let peer, let why):
            left(peer) ? .removed(peer, why) : nil
        }
    }
}

extension ListingWatch where Item == DiscoveredRelay {
    /// The line-worthy change a relay announcement brings, or nil.
    public mutating func change(for event: RelayAnnouncement) -> RelayAnnouncement? {
        switch event {
        case .added(let relay), .updated(let relay):
            heard(relay).map { $0 ? .added(relay) : .updated(relay) }
        case .removed(let relay, let why):
            left(relay) ? .removed(relay, why) : nil
        }
    }
}

extension ListingWatch: Sendable where Item: Sendable {}
