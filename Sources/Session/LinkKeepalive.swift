/// The timers of an established link, shared by peer sessions and the relay link: a keepalive
/// ping every `keepaliveInterval` (which also measures the round trip) and the idle timeout
/// after which a silent peer is taken to be gone. A pure value: the owner reports what arrived
/// and when, asks what is due at `nextDeadline`, and sends the pings and pongs in its own format.
///
/// Both limits are exclusive, as the handshake's: a link silent for exactly `idleTimeout` has
/// timed out; a ping is due once exactly `keepaliveInterval` has passed since the last one.
struct LinkKeepalive: Sendable {
    /// When anything last arrived from the peer (the start of the link before that).
    private(set) var lastReceived: Instant
    /// When this side last sent a ping (the start of the link before that).
    private(set) var lastPingSent: Instant
    /// The token of the newest ping not yet answered: only its pong is measured.
    private var outstandingPing: UInt64?
    /// The latest measured round trip (a pong, or an acknowledgement the owner measured).
    var roundTrip: Duration?
    /// Nil on a side that never pings (the relay: only its clients do).
    private let intervalNanoseconds: UInt64?
    private let idleNanoseconds: UInt64

    /// A link established at `now`. `keepaliveInterval` nil: this side only answers pings.
    /// Negative durations count as zero. In nanoseconds worked out once: `Duration` arithmetic
    /// is 128-bit, and the relay asks for `nextDeadline` after every message.
    init(now: Instant, keepaliveInterval: Duration?, idleTimeout: Duration) {
        lastReceived = now
        lastPingSent = now
        intervalNanoseconds = keepaliveInterval.map { UInt64(clamping: $0.nanoseconds) }
        idleNanoseconds = UInt64(clamping: idleTimeout.nanoseconds)
    }

    /// When the link times out unless something arrives first.
    var idleDeadline: Instant { Instant(nanoseconds: lastReceived.nanoseconds &+ idleNanoseconds) }

    /// When the next ping is due; nil on a side that does not ping.
    var pingDeadline: Instant? {
        intervalNanoseconds.map { Instant(nanoseconds: lastPingSent.nanoseconds &+ $0) }
    }

    /// The earlier of the two.
    var nextDeadline: Instant {
        guard let ping = pingDeadline else { return idleDeadline }
        return min(ping, idleDeadline)
    }

    /// Something arrived from the peer (any authenticated message, not only a pong).
    mutating func received(now: Instant) { lastReceived = now }

    /// True once nothing has arrived for `idleTimeout`.
    func hasTimedOut(now: Instant) -> Bool { now >= idleDeadline }

    /// The token of a ping to send now when one is due (the schedule restarts from `now`);
    /// nil when none is.
    mutating func pingIfDue(now: Instant) -> UInt64? {
        guard let due = pingDeadline, now >= due else { return nil }
        return ping(now: now)
    }

    /// A ping to send now, outside the schedule; the next one is due a full interval later. A
    /// ping still unanswered is forgotten. Its token is `now` in nanoseconds, so that its pong
    /// gives the round trip without a table.
    mutating func ping(now: Instant) -> UInt64 {
        lastPingSent = now
        outstandingPing = now.nanoseconds
        return now.nanoseconds
    }

    /// A pong arrived: the round trip when it answers the newest ping, nil otherwise (a stale or
    /// unsolicited pong is ignored).
    mutating func pong(token: UInt64, now: Instant) -> Duration? {
        guard outstandingPing == token else { return nil }
        outstandingPing = nil
        let rtt = now - Instant(nanoseconds: token)
        roundTrip = rtt
        return rtt
    }
}
