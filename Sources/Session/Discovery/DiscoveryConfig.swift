import Wire

/// What a discovery participant is on the LAN (docs/PROTOCOL.md §10).
public enum DiscoveryRole: Sendable, Equatable {
    /// A peer (`parley chat`), or with no ports a passive listener (`parley peers`): it queries,
    /// announces itself, answers queries, and lists the peers and the relays it hears.
    case peer
    /// A relay (`parley relay --announce`): it announces itself with relay packets and answers
    /// every query with one; it lists no one and ignores everything but queries.
    case relay
}

/// Timing and identity of one discovery participant. The defaults are documented in
/// docs/PROTOCOL.md §10.2 and Man/parley.1.
public struct DiscoveryConfig: Sendable, Equatable {
    /// TCP ports where this side accepts sessions (a relay: relay links). Empty means passive:
    /// it queries and listens but never announces, answers or says goodbye (`parley peers`).
    public var ports: [UInt16]
    /// A peer, or a relay announcing itself (which needs ports).
    public var role: DiscoveryRole
    public var capabilities: Capabilities
    /// Time between periodic announcements, before jitter.
    public var announceInterval: Duration
    /// Each interval is drawn uniformly from `announceInterval × (1 ± jitter)`, so peers that
    /// started together drift apart instead of announcing in step.
    public var jitter: Double
    /// The first re-announcement follows the start after this long (plus jitter), in case the
    /// start-up query was lost; later ones follow `announceInterval`.
    public var startupRepeat: Duration
    /// Receivers keep us listed this many intervals without hearing from us.
    public var validityIntervals: Int
    /// An answer to a query waits a random time up to this, so that a room of peers does not
    /// answer in one burst, and queries arriving meanwhile share one answer.
    public var maxAnswerDelay: Duration
    /// At least this long between two answers on one link, whatever the queries.
    public var minAnswerGap: Duration
    /// At least this long between two extra announcements made because a new peer appeared.
    public var minTriggeredAnnounceGap: Duration
    /// At least this long between two queries sent because a stale packet arrived.
    public var minStaleQueryGap: Duration
    /// How long one of our query nonces proves the freshness of answers echoing it.
    public var queryLifetime: Duration
    /// A peer heard again this long after it was first heard counts as confirmed (table
    /// eviction spares confirmed peers).
    public var confirmAfter: Duration

    public static let defaultAnnounceInterval: Duration = .seconds(10)

    public init(
        ports: [UInt16], capabilities: Capabilities = .current,
        announceInterval: Duration = defaultAnnounceInterval, jitter: Double = 0.1,
        startupRepeat: Duration = .seconds(1), validityIntervals: Int = 3,
        maxAnswerDelay: Duration = .milliseconds(100), minAnswerGap: Duration = .milliseconds(100),
        minTriggeredAnnounceGap: Duration = .seconds(1), minStaleQueryGap: Duration = .seconds(5),
        queryLifetime: Duration = .seconds(5), confirmAfter: Duration = .seconds(1), role: DiscoveryRole = .peer
    ) {
        precondition(ports.count <= DiscoveryLimits.maxPorts && !ports.contains(0), "bad ports")
        precondition(role == .peer || !ports.isEmpty, "a relay announces at least one port")
        precondition(jitter >= 0 && jitter < 1, "jitter is a fraction below 1")
        precondition(announceInterval > .zero && validityIntervals > 0)
        self.ports = ports
        self.role = role
        self.capabilities = capabilities
        self.announceInterval = announceInterval
        self.jitter = jitter
        self.startupRepeat = startupRepeat
        self.validityIntervals = validityIntervals
        self.maxAnswerDelay = maxAnswerDelay
        self.minAnswerGap = minAnswerGap
        self.minTriggeredAnnounceGap = minTriggeredAnnounceGap
        self.minStaleQueryGap = minStaleQueryGap
        self.queryLifetime = queryLifetime
        self.confirmAfter = confirmAfter
    }

    public var isPassive: Bool { ports.isEmpty }

    /// What this side announces itself with, and says goodbye with.
    var announceKind: DiscoveryPacket.Kind { role == .relay ? .relay : .announce }
    var goodbyeKind: DiscoveryPacket.Kind { role == .relay ? .relayGoodbye : .goodbye }

    /// What our packets ask receivers to keep us for, in milliseconds.
    var validityMilliseconds: UInt32 {
        let ms = (announceInterval * validityIntervals).nanoseconds / 1_000_000
        return UInt32(clamping: ms)
    }
}
