import Identity
import Wire

/// What the table keeps about one running instance of a peer.
struct InstanceEntry: Sendable {
    var counter: UInt64
    var nickname: String
    var capabilities: Capabilities
    var ports: [UInt16]
    var validity: Duration
    let firstHeard: Instant
    /// The sender's wall clock in the first packet heard from this instance: orders the
    /// instances of one identity (`PeerEntry.primary`). Never changed by later packets.
    let firstTimestamp: UInt64
    var lastHeard: Instant
    /// One address per link; a new address on the same link replaces the old one.
    var addresses: [DiscoveryLink: (host: String, lastHeard: Instant)] = [:]
    /// The links the packet with `counter` arrived on: the same packet on another link is a
    /// duplicate, on the same link a replay.
    var linksAtCounter: Set<DiscoveryLink> = []

    init(packet: DiscoveryPacket, source: DiscoverySource, now: Instant) {
        counter = packet.counter
        nickname = packet.nickname
        capabilities = packet.capabilities
        ports = packet.ports
        validity = min(.milliseconds(Int64(packet.validity)), DiscoveryLimits.maxValidity)
        firstHeard = now
        firstTimestamp = packet.timestamp
        lastHeard = now
        heard(from: source, now: now)
    }

    mutating func update(from packet: DiscoveryPacket, source: DiscoverySource, now: Instant) {
        counter = packet.counter
        linksAtCounter = []
        nickname = packet.nickname
        capabilities = packet.capabilities
        ports = packet.ports
        validity = min(.milliseconds(Int64(packet.validity)), DiscoveryLimits.maxValidity)
        heard(from: source, now: now)
    }

    mutating func heard(from source: DiscoverySource, now: Instant) {
        lastHeard = now
        linksAtCounter.insert(source.link)
        if addresses[source.link] == nil, addresses.count >= DiscoveryLimits.maxAddressesPerInstance,
            let oldest = addresses.min(by: { $0.value.lastHeard < $1.value.lastHeard })
        {
            addresses[oldest.key] = nil
        }
        addresses[source.link] = (source.host, now)
    }

    var expiry: Instant { lastHeard + validity }

    /// Drops addresses not heard for the validity; false when none is left.
    mutating func pruneAddresses(now: Instant) -> Bool {
        addresses = addresses.filter { now < $0.value.lastHeard + validity }
        return !addresses.isEmpty
    }

    var sortedAddresses: [DiscoveredAddress] {
        addresses.map { DiscoveredAddress(host: $0.value.host, link: $0.key) }.sorted()
    }

    var nextAddressExpiry: Instant? {
        addresses.values.map { $0.lastHeard + validity }.min()
    }
}

/// A table key: a peer ID's bytes, compared plainly. Peer IDs are public; `PeerID`'s own `==`
/// takes constant time, which a lookup does not need and would pay for on every packet.
struct PeerKey: Hashable, Sendable {
    let bytes: [UInt8]
    init(_ id: PeerID) { bytes = id.bytes }
}

/// Which table a packet concerns: peers (kinds 1–3) or relays (kinds 4–5). One identity may
/// be listed in both (a user running `parley relay` and `parley chat` with one identity).
enum Roster: Sendable, CaseIterable {
    case peers, relays

    init(_ kind: DiscoveryPacket.Kind) { self = kind.isRelay ? .relays : .peers }

    var capacity: Int { self == .peers ? DiscoveryLimits.maxPeers : DiscoveryLimits.maxRelays }
    var perHost: Int { self == .peers ? DiscoveryLimits.maxPeersPerHost : DiscoveryLimits.maxRelaysPerHost }
    var table: WritableKeyPath<DiscoveryMachine, [PeerKey: PeerEntry]> { self == .peers ? \.table : \.relayTable }
}

/// One peer ID in the table, with its instances.
struct PeerEntry: Sendable {
    let id: PeerID
    /// When the entry was made: kept while its instances come and go.
    let firstSeen: Instant
    var instances: [UInt64: InstanceEntry] = [:]
    var confirmed = false
    /// A session proved that the peer holds this key: never evicted for a newcomer.
    var proven = false
    /// Signature checks this entry may spend when the global budget is gone.
    var reserve: TokenBucket
    /// The listing last reported to the owner, to tell real changes from mere refreshes.
    var reported: DiscoveredPeer?

    init(id: PeerID, firstSeen: Instant) {
        self.id = id
        self.firstSeen = firstSeen
        reserve = TokenBucket(
            rate: DiscoveryLimits.listedVerificationRate, burst: DiscoveryLimits.listedVerificationBurst,
            now: firstSeen)
    }

    var lastSeen: Instant { instances.values.map(\.lastHeard).max() ?? .zero }

    /// The instance that speaks for the peer (nickname, ports, addresses): the newest, judged by
    /// the sender's clock in the first packet heard from each instance; on a tie, the one heard
    /// first. A restarted peer (a new instance) thus replaces its dead predecessor as soon as
    /// its first valid packet arrives. The order of two instances is fixed once both are known,
    /// so two live instances announcing in turn do not make the listing flap, and a recording of
    /// a dead instance cannot win back the listing: its timestamps predate its successor's.
    var primary: InstanceEntry? {
        instances.max { a, b in
            if a.value.firstTimestamp != b.value.firstTimestamp {
                return a.value.firstTimestamp < b.value.firstTimestamp
            }
            return (b.value.firstHeard, b.key) < (a.value.firstHeard, a.key)
        }?.value
    }

    /// The listing, as the primary instance tells it.
    var listing: DiscoveredPeer? {
        guard let primary else { return nil }
        let addresses = primary.sortedAddresses
        guard let address = addresses.first, !primary.ports.isEmpty else { return nil }
        return DiscoveredPeer(
            peerID: id, nickname: primary.nickname, capabilities: primary.capabilities, ports: primary.ports,
            address: address, addresses: addresses, lastSeen: lastSeen, confirmed: confirmed,
            instances: instances.count)
    }

    /// The listing of an entry of the relay table.
    var relayListing: DiscoveredRelay? { listing.map { relay($0) } }

    func relay(_ listing: DiscoveredPeer) -> DiscoveredRelay {
        DiscoveredRelay(
            peerID: listing.peerID, nickname: listing.nickname, ports: listing.ports, address: listing.address,
            addresses: listing.addresses, firstSeen: firstSeen, lastSeen: listing.lastSeen,
            confirmed: listing.confirmed, instances: listing.instances)
    }

    /// Whether any instance was heard from `host`.
    func wasHeard(from host: String) -> Bool {
        instances.values.contains { $0.addresses.values.contains { $0.host == host } }
    }
}
