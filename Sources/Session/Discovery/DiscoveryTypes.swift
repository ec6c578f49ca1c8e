import Identity
import Wire

/// One of our multicast links: an interface and an address family. The adapter opens one
/// socket per link; the machine only names them.
public struct DiscoveryLink: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Family: Int, Sendable, Comparable {
        case ipv4 = 4
        case ipv6 = 6
        public static func < (a: Family, b: Family) -> Bool { a.rawValue < b.rawValue }
    }

    public let interface: String
    public let family: Family

    public init(interface: String, family: Family) {
        self.interface = interface
        self.family = family
    }

    /// IPv4 first, then by interface name: the order in which addresses are preferred.
    public static func < (a: DiscoveryLink, b: DiscoveryLink) -> Bool {
        (a.family, a.interface) < (b.family, b.interface)
    }

    public var description: String { "\(interface)/\(family == .ipv4 ? "IPv4" : "IPv6")" }
}

/// Where a datagram came from: the link it arrived on and the sender's address and UDP port.
public struct DiscoverySource: Hashable, Sendable {
    public let link: DiscoveryLink
    /// The sender's IP address as text; an IPv6 link-local one carries its zone (`fe80::1%eth0`).
    public let host: String
    public let port: UInt16

    public init(link: DiscoveryLink, host: String, port: UInt16) {
        self.link = link
        self.host = host
        self.port = port
    }
}

/// Where a peer was heard: its address and the link.
public struct DiscoveredAddress: Hashable, Sendable, Comparable {
    public let host: String
    public let link: DiscoveryLink

    public init(host: String, link: DiscoveryLink) {
        self.host = host
        self.link = link
    }

    public static func < (a: DiscoveredAddress, b: DiscoveredAddress) -> Bool {
        (a.link, a.host) < (b.link, b.host)
    }

    /// `192.0.2.7:7000`, `[fe80::1%eth0]:7000`.
    public func endpointText(port: UInt16) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// A peer as the discovery table lists it.
public struct DiscoveredPeer: Sendable, Equatable {
    public let peerID: PeerID
    public var nickname: String
    public var capabilities: Capabilities
    /// TCP ports, as announced; never empty.
    public var ports: [UInt16]
    /// The address to use: the preferred of `addresses` (IPv4 first).
    public var address: DiscoveredAddress
    /// Every address the peer was heard from recently, one per link at most.
    public var addresses: [DiscoveredAddress]
    /// When a packet from the peer last arrived.
    public var lastSeen: Instant
    /// Answered one of our queries, was heard again after a while, or proved itself in a
    /// session. Eviction from a full table spares confirmed peers.
    public var confirmed: Bool
    /// How many running instances of this identity were heard.
    public var instances: Int

    public var fingerprint: Fingerprint { peerID.fingerprint }
    /// `host:port` for the first announced port.
    public var endpointText: String { address.endpointText(port: ports[0]) }

    /// True when what a user sees of the peer (all but the time it was last heard) is the same.
    public func listsTheSame(as other: DiscoveredPeer) -> Bool {
        peerID == other.peerID && nickname == other.nickname && capabilities == other.capabilities
            && ports == other.ports && address == other.address && addresses == other.addresses
    }
}

/// A relay announced on the LAN (`DiscoveryPacket.Kind.relay`), as the discovery table lists
/// it, apart from peers. Only a hint, like a peer's announcement: whoever uses it must expect
/// `peerID` in the relay link's handshake (docs/PROTOCOL.md §14.1), so that an announcement
/// naming one relay and pointing at another fails there.
public struct DiscoveredRelay: Sendable, Equatable {
    public let peerID: PeerID
    /// The relay identity's nickname, as announced.
    public var nickname: String
    /// TCP ports where it accepts relay links, as announced; never empty.
    public var ports: [UInt16]
    /// The address to use: the preferred of `addresses` (IPv4 first).
    public var address: DiscoveredAddress
    public var addresses: [DiscoveredAddress]
    /// When it was first heard: without other preference, clients use the relay heard first.
    public var firstSeen: Instant
    public var lastSeen: Instant
    /// Answered one of our queries, or was heard again a while after it was first heard.
    public var confirmed: Bool
    public var instances: Int

    public init(
        peerID: PeerID, nickname: String, ports: [UInt16], address: DiscoveredAddress,
        addresses: [DiscoveredAddress], firstSeen: Instant, lastSeen: Instant, confirmed: Bool = false,
        instances: Int = 1
    ) {
        precondition(!ports.isEmpty, "a relay announces at least one port")
        self.peerID = peerID
        self.nickname = nickname
        self.ports = ports
        self.address = address
        self.addresses = addresses
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.confirmed = confirmed
        self.instances = instances
    }

    public var fingerprint: Fingerprint { peerID.fingerprint }
    /// `host:port` for the first announced port.
    public var endpointText: String { address.endpointText(port: ports[0]) }

    /// True when what a user sees of the relay (all but the time it was last heard) is the same.
    public func listsTheSame(as other: DiscoveredRelay) -> Bool {
        peerID == other.peerID && nickname == other.nickname && ports == other.ports && address == other.address
            && addresses == other.addresses
    }
}

/// Why a peer or a relay left the table.
public enum DiscoveryDeparture: String, Sendable, Equatable {
    /// It said goodbye.
    case goodbye
    /// Nothing was heard from it for its validity.
    case expired
    /// The table was full and a newcomer took its place.
    case evicted
}

/// Where to send a datagram.
public enum DiscoveryTarget: Hashable, Sendable {
    case allLinks
    case link(DiscoveryLink)
}

/// What the adapter must do, in order.
public enum DiscoveryAction: Sendable, Equatable {
    /// Multicast this datagram to the group on the target links.
    case send([UInt8], DiscoveryTarget)
    case peerAdded(DiscoveredPeer)
    /// The nickname, ports, capabilities or addresses changed.
    case peerUpdated(DiscoveredPeer)
    case peerRemoved(DiscoveredPeer, DiscoveryDeparture)
    case relayAdded(DiscoveredRelay)
    /// The nickname, ports or addresses changed.
    case relayUpdated(DiscoveredRelay)
    case relayRemoved(DiscoveredRelay, DiscoveryDeparture)
}

/// Why a received datagram was dropped. Counted, never answered.
public enum DiscoveryDropReason: String, CaseIterable, Sendable {
    case rateLimited = "rate-limited"
    case overBudget = "over-budget"
    case oversized
    case notParley = "not-parley"
    case unsupportedVersion = "unsupported-version"
    case malformed
    case badSignature = "bad-signature"
    case replay
    case stale
    case tableFull = "table-full"
    case tooManyFromHost = "too-many-from-host"
}

/// Counters, for `parley peers --stats` and for tests.
public struct DiscoveryStats: Sendable, Equatable {
    public var datagramsReceived = 0
    /// Datagrams that passed every check and changed or confirmed something.
    public var accepted = 0
    /// Our own datagrams, looped back or heard on another link: ignored.
    public var own = 0
    /// The same packet heard again on another link: it only adds an address.
    public var duplicates = 0
    /// Valid packets a relay does not act on (everything but queries), dropped before the
    /// signature check.
    public var ignored = 0
    public var drops: [DiscoveryDropReason: Int] = [:]
    public var evictions = 0
    /// Packets this side built, and their bytes (each goes out once per target link).
    public var packetsSent = 0
    public var bytesSent = 0

    public init() {}

    public var dropped: Int { drops.values.reduce(0, +) }
    public subscript(reason: DiscoveryDropReason) -> Int { drops[reason] ?? 0 }
}
