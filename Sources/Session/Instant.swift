#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A point on a monotonic clock, in nanoseconds from an arbitrary origin. State machines take
/// it as a parameter with every event, so tests drive time exactly and without sleeping.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    /// The system's monotonic clock (CLOCK_MONOTONIC), read directly: the adapters read it for
    /// every event, and `ContinuousClock`'s 128-bit durations cost more than the read. The origin
    /// is one second before the clock's own, so that no instant is near zero.
    public static func now() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(nanoseconds: UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec) &+ 1_000_000_000)
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    public static func + (a: Instant, d: Duration) -> Instant {
        let ns = d.nanoseconds
        return ns >= 0
            ? Instant(nanoseconds: a.nanoseconds &+ UInt64(ns))
            : Instant(nanoseconds: a.nanoseconds &- min(a.nanoseconds, UInt64(-ns)))
    }

    /// The duration from `b` to `a`; negative when `a` is earlier.
    public static func - (a: Instant, b: Instant) -> Duration {
        a >= b
            ? .nanoseconds(Int64(a.nanoseconds - b.nanoseconds)) : .nanoseconds(-Int64(b.nanoseconds - a.nanoseconds))
    }

    public var description: String { "t+\(nanoseconds)ns" }
}

extension Duration {
    /// Whole nanoseconds, saturating.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return ns.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }

    /// Seconds as a floating-point number, for display.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Milliseconds with two decimals, for display: "0.42 ms".
    public var millisecondsText: String {
        let ms = Double(nanoseconds) / 1e6
        return abs(ms) < 10 ? String(format2: ms) + " ms" : String(Int(ms.rounded())) + " ms"
    }
}

extension String {
    /// Two decimals without Foundation.
    init(format2 value: Double) {
        let hundredths = Int((abs(value) * 100).rounded())
        let whole = hundredths / 100
        let frac = hundredths % 100
        self = (value < 0 && hundredths > 0 ? "-" : "") + "\(whole)." + (frac < 10 ? "0" : "") + "\(frac)"
    }
}
