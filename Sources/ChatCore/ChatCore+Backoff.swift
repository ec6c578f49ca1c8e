import Identity
import Session

/// A peer's failed opens since its last new route: the same route is tried again after a wait
/// from `ReconnectSchedule` (`ChatCore.dialRetryFirst`, doubling up to `dialRetryMaximum`, with
/// jitter), not on every typed line. A new route (discovery sees a new address, the relay says
/// the peer registered, a session comes up) drops it: the next open goes out at once.
struct DialBackoff: Sendable {
    var schedule: ReconnectSchedule
    /// When the retry timer opens again; nil once it fired.
    var retryAt: Instant?
    /// The summary (`ChatCore.retrySummary`) was shown for this run of failures.
    var summarised = false

    /// Opens that failed in a row.
    var failures: Int { schedule.failures }
}

extension ChatCore {
    /// A peer that restarted is usually back within a second: the first retry comes that soon.
    public static let dialRetryFirst = Duration.milliseconds(500)
    /// A peer down for long costs one connection attempt this often while messages wait for it
    /// (the chaos test saw 1,926 dial lines in one run when every typed line dialed).
    public static let dialRetryMaximum = Duration.seconds(30)

    /// Opens to the peer that failed in a row since its last new route (0: the next is a first
    /// attempt). The actor keeps the dial and failure lines of retries quiet.
    public func failedOpens(of peer: PeerID) -> Int {
        peers[peer]?.backoff?.failures ?? 0
    }

    /// The open failed on a route that has not changed: the next one waits for `.dialRetry`.
    /// Once the waits reach their maximum, one line says so (not one line per attempt).
    mutating func scheduleRetry(_ peer: PeerID) {
        var backoff =
            peers[peer]?.backoff
            ?? DialBackoff(
                schedule: ReconnectSchedule(first: Self.dialRetryFirst, maximum: Self.dialRetryMaximum, random: random))
        let due = now + backoff.schedule.nextDelay()
        backoff.retryAt = due
        if backoff.schedule.atMaximum, !backoff.summarised {
            backoff.summarised = true
            let nick = nickname(of: peer)
            show(
                "\(nick) still unreachable after \(backoff.failures) attempts; trying again every \(Self.dialRetryMaximum.seconds) s, at once when \(nick) is seen at a new address or on the relay; messages stay queued",
                in: .peer(peer))
        }
        peers[peer]?.backoff = backoff
        actions.append(.schedule(.dialRetry(peer), at: due))
    }

    /// The retry is due: open again if something still waits and no session carries it.
    mutating func retryTimer(_ peer: PeerID) {
        guard let due = peers[peer]?.backoff?.retryAt, now >= due else { return }
        peers[peer]?.backoff?.retryAt = nil
        guard preferredSession(of: peer) == nil, hasQueued(peer) else { return }
        open(peer)
    }
}

extension Duration {
    /// Whole seconds, for notices.
    fileprivate var seconds: Int64 { components.seconds }
}
