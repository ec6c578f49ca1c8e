#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's limit on open file descriptors. Every connection costs one, and the usual soft
/// limit (1,024) is far below the hard one (often 524,288): a listener that runs out cannot
/// accept, and libdispatch aborts the whole process when it cannot open a file it needs. So every
/// command that listens or dials raises its soft limit to the hard limit first, and the
/// connection caps (`ListenerLimits`) stay well below what remains.
public enum DescriptorLimit {
    /// Raises the soft `RLIMIT_NOFILE` to the hard limit and returns both as they are afterwards
    /// (the soft limit unchanged if raising it failed). An unlimited limit (RLIM_INFINITY) reads as `Int.max`.
    @discardableResult
    public static func raiseSoftLimit() -> (soft: Int, hard: Int) {
        var limit = rlimit()
        guard getrlimit(resourceNumber, &limit) == 0 else { return (0, 0) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resourceNumber, &raised) == 0 { limit = raised }
        }
        return (count(limit.rlim_cur), count(limit.rlim_max))
    }

    private static func count(_ value: rlim_t) -> Int {
        value >= rlim_t(Int.max) ? Int.max : Int(value)
    }

    #if canImport(Glibc)
        private static let resourceNumber = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resourceNumber = RLIMIT_NOFILE
    #endif
}
