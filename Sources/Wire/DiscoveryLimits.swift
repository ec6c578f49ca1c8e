/// Every bound LAN discovery puts on what arrives over multicast, each with its reason.
/// docs/PROTOCOL.md §"Discovery limits" lists the same numbers; tests check each at the limit
/// and one past it. Anyone on the link can send these packets, so every one is untrusted.
public enum DiscoveryLimits {
    /// Largest discovery packet accepted or sent, in bytes of UDP payload. A full packet (4 ports,
    /// a 32-byte nickname, 16 answered queries) is 315 bytes, so this leaves room for extensions
    /// and still fits any link's MTU (IPv6 guarantees 1280) without fragmentation.
    public static let maxPacket = 512

    /// TCP ports one announcement may list.
    public static let maxPorts = 4

    /// Query nonces one answer may echo. Answers to queries that arrive close together are sent
    /// as one packet; past this many, the oldest queries are answered without an echo.
    public static let maxEchoedNonces = 16

    /// Longest validity a receiver honours, whatever an announcement asks for: a peer that stops
    /// announcing is gone from every list within an hour at most.
    public static let maxValidity: Duration = .seconds(3600)

    /// How far a packet's timestamp may be from the receiver's wall clock when it comes from a
    /// sender instance the receiver does not know and does not answer one of its queries. Past
    /// it the packet counts as stale (perhaps a recording replayed); the receiver then sends a
    /// query, and an answer echoing its nonce proves freshness without any clock.
    public static let maxClockSkew: Duration = .seconds(120)

    /// Peers in one discovery table. A newcomer to a full table replaces the unconfirmed peer
    /// heard least recently, or is dropped when every peer is confirmed.
    public static let maxPeers = 256

    /// Peers listed with the same source IP address. Several users may share a host, but one
    /// address cannot fill the table with made-up identities.
    public static let maxPeersPerHost = 64

    /// Relays in one discovery table (listed apart from peers: `DiscoveryPacket.Kind.relay`). A
    /// LAN has one relay, rarely a few; a newcomer to a full table is handled as for peers.
    public static let maxRelays = 16

    /// Relays listed with the same source IP address: a host may run a few relays (several
    /// identities or ports), but one address cannot fill the relay table.
    public static let maxRelaysPerHost = 4

    /// Running instances remembered per peer ID (the same identity started several times).
    public static let maxInstancesPerPeer = 4

    /// Addresses remembered per instance: at most one per interface and address family.
    public static let maxAddressesPerInstance = 8

    /// Ended instances (goodbye, expiry, eviction) whose last counter is kept, so that replays of
    /// their recorded packets are refused instead of bringing them back.
    public static let departedMemory = 256

    /// Valid packets per second accepted from one identity key, on average and in a burst,
    /// counted after the signature check (a source address or a claimed key is spoofable, so
    /// nothing before it is charged to either). One instance sends at most a query, a few
    /// answers and an announcement in any second, far below this; the burst lets four
    /// instances of one identity start together.
    public static let senderRate = 20
    public static let senderBurst = 40

    /// Identity keys whose rates are tracked at once; past this, those idle longest are
    /// forgotten.
    public static let maxTrackedSources = 1024

    /// Signatures verified per second across all sources, on average and in a burst. One check
    /// costs tens of microseconds, so a flood of packets takes a few percent of a core at most.
    public static let verificationRate = 1000
    public static let verificationBurst = 2000

    /// Signature checks one listed peer (or relay) may spend per second, on average and in a
    /// burst, once the global budget is spent: its own announcements (one every 10 s, answers
    /// to queries) still get checked during a flood of forgeries.
    public static let listedVerificationRate = 2
    public static let listedVerificationBurst = 8

    /// Peers proven by a session whose proof outlives their listing: when they are heard
    /// again they are spared from eviction at once.
    public static let maxProvenRemembered = 1024
}
