#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's limit on open file descriptors. Every connection holds one: a server that
/// runs out cannot accept, and libraries that open files (libdispatch reads /proc) fail in
/// ways that end the process (libdispatch aborts when it cannot open /proc). Every command
/// raises the soft limit at start (Parley.swift), and the connection caps (`ListenerLimits`,
/// the relay's `--max-clients`) stay well below it.
public enum DescriptorLimit {
    /// Raises the soft RLIMIT_NOFILE to the hard limit; returns both as they are afterwards
    /// (unchanged when raising fails).
    @discardableResult
    public static func raiseSoftLimit() -> (soft: Int, hard: Int) {
        #if os(Linux)
            let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
            let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return (1024, 1024) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return (clamp(limit.rlim_cur), clamp(limit.rlim_max))
    }

    private static func clamp(_ value: rlim_t) -> Int {
        // RLIM_INFINITY is all ones.
        value > rlim_t(Int32.max) ? Int(Int32.max) : Int(value)
    }
}
