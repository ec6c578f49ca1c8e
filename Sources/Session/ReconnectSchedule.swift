/// When to try a peer address again (`parley chat --connect`): after a failed attempt or a
/// lost session, wait `first`, then twice as long each time up to `maximum`, each wait drawn at
/// random between half and all of its nominal value, so that clients that lost one peer together
/// do not all come back in the same instant. A session that lived `stableAfter` proves the
/// address works: the next loss starts again from `first`; one that ends sooner (a peer that
/// refuses us, a handshake that fails) keeps the waits growing. Pure: the clock is the caller's
/// and the random source a parameter.
public struct ReconnectSchedule: Sendable {
    /// A restarted peer is usually back within a second: the first retry comes that soon.
    public static let defaultFirst = Duration.milliseconds(500)
    /// A peer that returns waits at most this long for us (plus the handshake); one TCP
    /// connection attempt every few seconds to a dead address costs nothing.
    public static let defaultMaximum = Duration.seconds(5)
    /// A session this long proves the address works, so the next loss starts over.
    public static let defaultStableAfter = Duration.seconds(10)

    public let first: Duration
    public let maximum: Duration
    public let stableAfter: Duration
    /// Waits since the last reset: the next nominal wait is `first` × 2^failures, capped.
    public private(set) var failures = 0
    private var random: any RandomNumberGenerator & Sendable
    private var upSince: Instant?

    public init(
        first: Duration = defaultFirst, maximum: Duration = defaultMaximum,
        stableAfter: Duration = defaultStableAfter,
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        precondition(first > .zero && maximum >= first, "ReconnectSchedule: 0 < first <= maximum")
        self.first = first
        self.maximum = maximum
        self.stableAfter = stableAfter
        self.random = random
    }

    /// The next wait without jitter.
    public var nominal: Duration {
        let factor = Int64(1) << Int64(min(failures, 30))
        let ns = first.nanoseconds.multipliedReportingOverflow(by: factor)
        return ns.overflow ? maximum : min(maximum, .nanoseconds(ns.partialValue))
    }

    /// True once the waits stopped growing.
    public var atMaximum: Bool { nominal >= maximum }

    /// The attempt failed or the session ended: how long to wait before the next one, in
    /// `nominal / 2 ... nominal`.
    public mutating func nextDelay() -> Duration {
        let base = nominal.nanoseconds
        failures += 1
        let unit = Double(random.next() >> 11) / Double(UInt64(1) << 53)
        return .nanoseconds(base / 2 + Int64(Double(base - base / 2) * unit))
    }

    /// A session with the address is up (its handshake finished).
    public mutating func sessionUp(at now: Instant) {
        upSince = now
    }

    /// The session ended; if it lived `stableAfter`, the waits start over from `first`.
    public mutating func sessionDown(at now: Instant) {
        if let upSince, now - upSince >= stableAfter { failures = 0 }
        upSince = nil
    }
}
