import Session

/// A token bucket that may go into debt: `rate` tokens a second, at most `burst` saved up. A
/// cost larger than what is left is still taken (the message was already read); the bucket
/// then says how long until it is out of debt, and the relay reads nothing more from that
/// client until then. Pure: time comes in with every call.
struct RelayBucket: Sendable, Equatable {
    let rate: Double
    let burst: Double
    private(set) var tokens: Double
    private(set) var updated: Instant

    init(rate: Int, burst: Int, now: Instant) {
        precondition(rate > 0 && burst > 0)
        self.rate = Double(rate)
        self.burst = Double(burst)
        tokens = Double(burst)
        updated = now
    }

    /// Takes `cost` tokens. Returns nil while the bucket is not in debt, else when it will be
    /// out of debt again.
    mutating func take(_ cost: Int, now: Instant) -> Instant? {
        refill(now: now)
        tokens -= Double(cost)
        return resumeTime
    }

    /// When the debt is paid off; nil when there is none.
    var resumeTime: Instant? {
        guard tokens < 0 else { return nil }
        return updated + .nanoseconds(Int64((-tokens / rate * 1e9).rounded(.up)))
    }

    private mutating func refill(now: Instant) {
        guard now > updated else { return }
        // In nanoseconds directly: `Duration` arithmetic is 128-bit, and this runs for every message.
        tokens = min(burst, tokens + Double(now.nanoseconds - updated.nanoseconds) / 1e9 * rate)
        updated = now
    }
}
