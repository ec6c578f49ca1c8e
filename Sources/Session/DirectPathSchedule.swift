/// When to try the direct path to a peer whose session runs through a relay (docs/PROTOCOL.md
/// §14.11): at once when the relayed session is ready, at once when discovery reports a new
/// route to the peer (but not twice within `routeChangeGap`), and after each failure again
/// with exponential backoff, `initial` doubling up to `maximum`, jittered. One attempt at a
/// time. Pure: the time and the random unit are parameters.
public struct DirectPathSchedule: Sendable, Equatable {
    public enum Trigger: Sendable, Equatable {
        /// The relayed session with the peer became ready.
        case relayedReady
        /// Discovery added or updated the peer (a route, perhaps a new one).
        case routeChanged
        /// The timer set by an earlier `.wait` went off.
        case due
    }

    public enum Decision: Sendable, Equatable {
        /// Start an attempt now (the schedule now counts one running).
        case attempt
        /// Nothing now; the next attempt is due then.
        case wait(until: Instant)
        /// Nothing now: an attempt is running, or none is planned.
        case none
    }

    public static let defaultInitial = Duration.seconds(5)
    public static let defaultMaximum = Duration.seconds(60)
    public static let defaultRouteChangeGap = Duration.seconds(1)

    public let routeChangeGap: Duration
    public private(set) var backoff: RelayBackoff
    /// An attempt is running.
    public private(set) var attempting = false
    /// When the next attempt is due, after a failure.
    public private(set) var nextAttempt: Instant?
    /// When the last attempt started.
    public private(set) var lastStarted: Instant?
    /// Attempts that failed since the schedule began.
    public private(set) var failures = 0

    public init(
        initial: Duration = defaultInitial, maximum: Duration = defaultMaximum,
        routeChangeGap: Duration = defaultRouteChangeGap
    ) {
        backoff = RelayBackoff(initial: initial, maximum: maximum)
        self.routeChangeGap = routeChangeGap
    }

    /// What to do on `trigger` at `now`.
    public mutating func decide(_ trigger: Trigger, now: Instant) -> Decision {
        guard !attempting else { return .none }
        switch trigger {
        case .relayedReady:
            if lastStarted == nil { return start(now) }
        case .routeChanged:
            if lastStarted.map({ now - $0 >= routeChangeGap }) ?? true { return start(now) }
        case .due:
            if let next = nextAttempt, now >= next { return start(now) }
        }
        return nextAttempt.map { .wait(until: $0) } ?? .none
    }

    /// The running attempt failed: returns when the next one is due. `unit` is a random number
    /// in 0..<1 for the jitter.
    public mutating func failed(now: Instant, unit: Double) -> Instant {
        attempting = false
        failures += 1
        let next = now + backoff.next(unit: unit)
        nextAttempt = next
        return next
    }

    /// The running attempt produced a session: nothing more to plan unless it is lost before it
    /// takes over (then `failed`).
    public mutating func opened() {
        attempting = false
        nextAttempt = nil
    }

    private mutating func start(_ now: Instant) -> Decision {
        attempting = true
        lastStarted = now
        nextAttempt = nil
        return .attempt
    }
}
