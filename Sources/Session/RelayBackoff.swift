/// Delays between attempts to reach a relay again: exponential from `initial` up to `maximum`,
/// each drawn at random between half and all of its nominal value ("equal jitter"), so clients
/// that lost one relay together do not all come back in the same instant. Pure: the random
/// source is a parameter.
public struct RelayBackoff: Sendable, Equatable {
    public let initial: Duration
    public let maximum: Duration
    public private(set) var attempt = 0

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        precondition(initial > .zero && maximum >= initial)
        self.initial = initial
        self.maximum = maximum
    }

    /// The nominal delay before the next attempt, without jitter.
    public var nominal: Duration {
        let factor = Int64(1) << Int64(min(attempt, 30))
        let ns = initial.nanoseconds.multipliedReportingOverflow(by: factor)
        return ns.overflow ? maximum : min(maximum, .nanoseconds(ns.partialValue))
    }

    /// The delay before the next attempt; `unit` is a random number in 0..<1.
    public mutating func next(unit: Double) -> Duration {
        let base = nominal.nanoseconds
        attempt += 1
        let jittered = Double(base) / 2 + Double(base) / 2 * min(max(unit, 0), 1)
        return .nanoseconds(Int64(jittered))
    }

    public mutating func next() -> Duration { next(unit: Double.random(in: 0..<1)) }

    /// A connection succeeded: the next loss starts from `initial` again.
    public mutating func reset() { attempt = 0 }
}
