import Identity
import Wire

/// LAN discovery as a pure state machine: datagrams and time in, datagrams to send and peer
/// changes out. The adapter calls `start`, `receive` for every datagram with the link it came
/// on, `tick` at `nextDeadline`, and `stop`; it carries out the returned actions in order.
///
/// Time comes in twice: `now` (monotonic) drives every timer; `wallClock` (milliseconds since
/// the Unix epoch) is only written into packets and compared with the timestamps of packets
/// from unknown instances. Randomness (instance ID, nonces, jitter, answer delays) comes from
/// the injected generator.
public struct DiscoveryMachine: Sendable {
    enum Phase: Sendable { case idle, running, stopped }

    struct PendingAnswer: Sendable {
        var due: Instant
        var nonces: [UInt64]
    }

    public let config: DiscoveryConfig
    /// Ours; its nickname is what packets announce (`changeNickname` changes it).
    var identity: LocalIdentity
    public let peerID: PeerID
    /// This run's instance ID, drawn at random.
    public let instance: UInt64
    var random: any RandomNumberGenerator & Sendable
    var phase = Phase.idle
    var counter: UInt64 = 0
    var table: [PeerKey: PeerEntry] = [:]
    /// Relays announced on the LAN, apart from peers (never filled in the relay role).
    var relayTable: [PeerKey: PeerEntry] = [:]
    var departed = DepartedInstances()
    /// Valid packets per verified key, counted after the signature check: a source address can
    /// be spoofed and a peer ID claimed, but only the key's holder can spend its allowance.
    var senders = RateLimiter<PeerKey>(rate: DiscoveryLimits.senderRate, burst: DiscoveryLimits.senderBurst)
    /// The one limit before the signature check: signatures verified per second, from anyone.
    var verifications: TokenBucket?
    /// Peers a session proved (`confirm`), remembered while they come and go from the table.
    var proven: Set<PeerKey> = []
    var pendingAnswers: [DiscoveryLink: PendingAnswer] = [:]
    var lastAnswer: [DiscoveryLink: Instant] = [:]
    var nextAnnounce: Instant?
    var triggeredAnnounce: Instant?
    var lastTriggeredAnnounce: Instant?
    var lastStaleQuery: Instant?
    /// Our recent query nonces and until when an answer echoing one is fresh.
    var outstandingQueries: [(nonce: UInt64, until: Instant)] = []
    public internal(set) var stats = DiscoveryStats()

    static let maxOutstandingQueries = 8

    public init(
        identity: LocalIdentity, config: DiscoveryConfig,
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        precondition(Nickname.isValid(identity.nickname), "invalid nickname")
        self.identity = identity
        self.config = config
        self.random = random
        peerID = identity.peerID
        instance = self.random.next()
    }

    // MARK: Queries

    /// The peers listed now, by nickname then peer ID.
    public var peers: [DiscoveredPeer] {
        table.values.compactMap(\.listing)
            .sorted { ($0.nickname, $0.peerID.description) < ($1.nickname, $1.peerID.description) }
    }

    public func peer(_ id: PeerID) -> DiscoveredPeer? { table[PeerKey(id)]?.listing }

    /// The relays announced now, by nickname then peer ID.
    public var relays: [DiscoveredRelay] {
        relayTable.values.compactMap(\.relayListing)
            .sorted { ($0.nickname, $0.peerID.description) < ($1.nickname, $1.peerID.description) }
    }

    public var isRunning: Bool { phase == .running }

    /// When `tick` must next be called; nil when nothing is pending.
    public var nextDeadline: Instant? {
        guard phase == .running else { return nil }
        var earliest: Instant?
        func consider(_ deadline: Instant?) {
            if let deadline, earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
        consider(nextAnnounce)
        consider(triggeredAnnounce)
        for answer in pendingAnswers.values { consider(answer.due) }
        for entries in [table, relayTable] {
            for entry in entries.values {
                for instance in entry.instances.values {
                    consider(instance.expiry)
                    for address in instance.addresses.values { consider(address.lastHeard + instance.validity) }
                }
            }
        }
        return earliest
    }

    // MARK: Events

    /// Starts: a query on every link (listing our ports, so it announces us too unless we are
    /// passive); the first re-announcement after `startupRepeat`. A relay, which looks for no
    /// one, announces itself instead of querying.
    public mutating func start(now: Instant, wallClock: UInt64) -> [DiscoveryAction] {
        guard phase == .idle else { return [] }
        phase = .running
        verifications = TokenBucket(
            rate: DiscoveryLimits.verificationRate, burst: DiscoveryLimits.verificationBurst, now: now)
        if !config.isPassive { nextAnnounce = now + jittered(config.startupRepeat) }
        if config.role == .relay { return send(.relay, on: .allLinks, wallClock: wallClock) }
        return query(on: .allLinks, now: now, wallClock: wallClock)
    }

    /// Sends a fresh query on every link: every peer and relay answers. (A relay announces.)
    public mutating func refresh(now: Instant, wallClock: UInt64) -> [DiscoveryAction] {
        guard phase == .running else { return [] }
        if config.role == .relay { return send(.relay, on: .allLinks, wallClock: wallClock) }
        return query(on: .allLinks, now: now, wallClock: wallClock)
    }

    /// Timers: expiry, answers due, announcements due.
    public mutating func tick(now: Instant, wallClock: UInt64) -> [DiscoveryAction] {
        guard phase == .running else { return [] }
        var actions = expire(now: now)
        for (link, answer) in pendingAnswers.sorted(by: { $0.key < $1.key }) where answer.due <= now {
            pendingAnswers[link] = nil
            lastAnswer[link] = now
            actions += send(config.announceKind, nonces: answer.nonces, on: .link(link), wallClock: wallClock)
        }
        if let due = nextAnnounce, due <= now {
            nextAnnounce = now + jittered(config.announceInterval)
            triggeredAnnounce = nil
            actions += send(config.announceKind, on: .allLinks, wallClock: wallClock)
        } else if let due = triggeredAnnounce, due <= now {
            triggeredAnnounce = nil
            lastTriggeredAnnounce = now
            actions += send(config.announceKind, on: .allLinks, wallClock: wallClock)
        }
        outstandingQueries.removeAll { $0.until <= now }
        return actions
    }

    /// Stops: a goodbye on every link unless passive. Nothing happens afterwards.
    public mutating func stop(now: Instant, wallClock: UInt64) -> [DiscoveryAction] {
        guard phase == .running else {
            phase = .stopped
            return []
        }
        phase = .stopped
        pendingAnswers.removeAll()
        nextAnnounce = nil
        triggeredAnnounce = nil
        guard !config.isPassive else { return [] }
        return send(config.goodbyeKind, on: .allLinks, wallClock: wallClock)
    }

    /// Announces `nickname` from now on; a running machine that is not passive announces it at
    /// once on every link (the regular schedule goes on as before). A nickname `Nickname.isValid`
    /// refuses changes nothing.
    public mutating func changeNickname(
        to nickname: String, wallClock: UInt64
    ) throws(IdentityError) -> [DiscoveryAction] {
        guard Nickname.isValid(nickname) else { throw .invalidNickname(nickname) }
        identity.nickname = nickname
        guard phase == .running, !config.isPassive else { return [] }
        return send(config.announceKind, on: .allLinks, wallClock: wallClock)
    }

    /// The nickname packets announce.
    public var nickname: String { identity.nickname }

    /// A TCP session proved that this peer holds its key (or one did before: the owner pinned
    /// it): spare it when the table is full, and from now on whenever it is heard again.
    public mutating func confirm(_ id: PeerID) {
        proven.insert(PeerKey(id))
        if proven.count > DiscoveryLimits.maxProvenRemembered { proven.remove(proven.first!) }
        table[PeerKey(id)]?.confirmed = true
        table[PeerKey(id)]?.proven = true
    }

    // MARK: Sending

    mutating func query(on target: DiscoveryTarget, now: Instant, wallClock: UInt64) -> [DiscoveryAction] {
        var nonce: UInt64 = 0
        while nonce == 0 { nonce = random.next() }
        outstandingQueries.append((nonce, now + config.queryLifetime))
        if outstandingQueries.count > Self.maxOutstandingQueries { outstandingQueries.removeFirst() }
        return send(.query, nonces: [nonce], on: target, wallClock: wallClock)
    }

    mutating func send(
        _ kind: DiscoveryPacket.Kind, nonces: [UInt64] = [], on target: DiscoveryTarget, wallClock: UInt64
    ) -> [DiscoveryAction] {
        counter += 1
        // A relay's capability bits are reserved: it sends none.
        let packet = DiscoveryPacket(
            kind: kind, peerID: peerID.bytes, instance: instance, counter: counter, timestamp: wallClock,
            validity: config.validityMilliseconds, capabilities: kind.isRelay ? [] : config.capabilities,
            ports: kind == .goodbye || kind == .relayGoodbye ? [] : config.ports, nickname: identity.nickname,
            nonces: nonces)
        guard let datagram = try? identity.signedDatagram(packet) else { return [] }
        stats.packetsSent += 1
        stats.bytesSent += datagram.count
        return [.send(datagram, target)]
    }

    // MARK: Randomness

    /// `base × (1 ± jitter)`, uniformly.
    mutating func jittered(_ base: Duration) -> Duration {
        let factor = 1 + config.jitter * (2 * unitRandom() - 1)
        return .nanoseconds(Int64(Double(base.nanoseconds) * factor))
    }

    /// Uniform in 0...limit.
    mutating func randomDelay(upTo limit: Duration) -> Duration {
        .nanoseconds(Int64(Double(limit.nanoseconds) * unitRandom()))
    }

    /// Uniform in [0, 1].
    mutating func unitRandom() -> Double {
        Double(random.next() >> 11) / Double(1 << 53 - 1)
    }
}
