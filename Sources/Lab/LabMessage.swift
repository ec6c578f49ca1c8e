#if canImport(Glibc)
    import Glibc
#endif

/// The text of a lab message: `lab:<nanoseconds on CLOCK_REALTIME when sent>:` padded with dots
/// to the planned size. The receiver reads the send time from the text, because the session's
/// own `sentAt` counts whole milliseconds and loopback latencies are well below one. The lab's
/// processes share one kernel (loopback or namespaces), hence one real-time clock.
enum LabMessage {
    static let prefix = "lab:"
    /// "lab:" + 19 digits + ":".
    static let minimumSize = 24

    static func text(sentAtNanos: Int64, size: Int) -> String {
        let head = prefix + String(sentAtNanos) + ":"
        return head + String(repeating: ".", count: max(0, size - head.utf8.count))
    }

    /// The send time a lab message carries, or nil for any other text.
    static func sentAtNanos(of text: String) -> Int64? {
        guard text.hasPrefix(prefix) else { return nil }
        let digits = text.utf8.dropFirst(prefix.utf8.count).prefix { $0 != UInt8(ascii: ":") }
        return Int64(String(decoding: digits, as: UTF8.self))
    }

    /// Now on CLOCK_REALTIME, in nanoseconds since the Unix epoch.
    static func realtimeNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

/// This process's CPU time, user plus system, in microseconds.
enum ProcessCPU {
    static func microseconds() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let user = Int(usage.ru_utime.tv_sec) * 1_000_000 + Int(usage.ru_utime.tv_usec)
        let system = Int(usage.ru_stime.tv_sec) * 1_000_000 + Int(usage.ru_stime.tv_usec)
        return user + system
    }
}
