import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// What the load tests need beyond `RawClient`: enough file descriptors, waiting for many
/// connections to close without blocking a thread, and reading a relay's `/metrics`.
enum LoadSupport {
    /// Raises this process's soft limit on open files to `needed` when it is lower (up to the
    /// hard limit); returns the limit now in force.
    @discardableResult
    static func ensureOpenFiles(_ needed: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < rlim_t(needed) {
            limit.rlim_cur = min(limit.rlim_max, rlim_t(needed))
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }

    /// Starts watching `fds` at once, on a thread of its own (so that the times are right however
    /// busy the test's tasks are), until the peer has closed each (EOF or reset) or `deadline`
    /// passes; `value` gives when each closed (nil: still open). Whatever arrives on a socket is
    /// read and discarded.
    static func watchCloses(of fds: [Int32], until deadline: ContinuousClock.Instant) -> Task<
        [ContinuousClock.Instant?], Never
    > {
        let result = NIOLockedValueBox<[ContinuousClock.Instant?]?>(nil)
        Thread {
            var closedAt = [ContinuousClock.Instant?](repeating: nil, count: fds.count)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while closedAt.contains(where: { $0 == nil }) && ContinuousClock.now < deadline {
                var polls = fds.indices.filter { closedAt[$0] == nil }.map {
                    pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0)
                }
                guard poll(&polls, nfds_t(polls.count), 10) > 0 else { continue }
                let now = ContinuousClock.now
                for entry in polls where entry.revents != 0 {
                    let n = buffer.withUnsafeMutableBytes {
                        recv(entry.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
                    }
                    if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                        if let index = fds.firstIndex(of: entry.fd) { closedAt[index] = now }
                    }
                }
            }
            result.withLockedValue { $0 = closedAt }
        }.start()
        return Task {
            while result.withLockedValue({ $0 }) == nil { try? await Task.sleep(for: .milliseconds(20)) }
            return result.withLockedValue { $0 } ?? []
        }
    }

    /// `metrics(port:)` on a thread of its own, for a relay in this process: its metrics handler
    /// computes the answer on the shared task pool, which two tests blocked in `recv` at once
    /// would leave without a thread (on 2 cores) until their receive timeouts.
    /// A read that gets no answer within its 5 s receive timeout (the pool was busy for that long)
    /// is tried again, up to `attempts` times.
    static func metricsOffPool(port: Int, attempts: Int = 3) async throws -> String {
        var attempt = 0
        while true {
            attempt += 1
            let result = NIOLockedValueBox<Result<String, Error>?>(nil)
            // The read runs outside the lock: a reader holding it would block the polling task's
            // thread (on the shared pool) for as long as the read takes.
            Thread {
                let outcome = Result { try metrics(port: port) }
                result.withLockedValue { $0 = outcome }
            }.start()
            while result.withLockedValue({ $0 }) == nil { try await Task.sleep(for: .milliseconds(5)) }
            switch result.withLockedValue({ $0 })! {
            case .success(let body): return body
            case .failure(let error): if attempt >= attempts { throw error }
            }
        }
    }

    /// `GET /metrics` from a relay's metrics listener on loopback; the body.
    static func metrics(port: Int) throws -> String { try metricsResponse(port: port).body }

    /// `GET /metrics` from a relay's metrics listener on loopback; the response's head (status
    /// line and headers) and body.
    static func metricsResponse(port: Int) throws -> (head: String, body: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let body = text.range(of: "\r\n\r\n") else { throw POSIXError(.EPROTO) }
        return (String(text[..<body.lowerBound]), String(text[body.upperBound...]))
    }

    /// The value of one sample in Prometheus text (`name{labels} value`), or nil. Counters are
    /// written as integers (`3`), gauges as floating point (`3.0`): both read as 3; a value that
    /// is no whole number is nil.
    static func sample(_ name: String, in metrics: String) -> Int? {
        for line in metrics.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1)).flatMap { Int(exactly: $0) }
        }
        return nil
    }
}

/// Percentiles of a sample, nearest rank.
extension Array where Element == Duration {
    func percentile(_ p: Double) -> Duration {
        let sorted = self.sorted()
        guard !sorted.isEmpty else { return .zero }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank))]
    }
}

/// Real-time scheduling for the threads a latency comparison measures. The machine the tests
/// run on is shared (compilers, other test runs): at ordinary priority its load, not the code
/// under test, decides the tails (p99 anywhere from 5 to 50 ms from one second to the next;
/// even at nice -20 the clients' threads lose the CPU to the relay's work for milliseconds).
/// The measured threads (the clients' own event loops and the relay process) run SCHED_FIFO
/// instead; every other thread, the flooder's included, stays as it was. None of them spins:
/// they block on their sockets, and the kernel keeps 5 % of each second for everything else.
/// Needs root (CAP_SYS_NICE).
enum Priority {
    static let realtimePriority: Int32 = 5

    /// Why real-time scheduling cannot be had here, or nil when it can.
    static let unavailableReason: String? = geteuid() == 0 ? nil : "needs root for real-time scheduling"

    /// The calling thread to SCHED_FIFO (`on`) or back to SCHED_OTHER; false when refused.
    @discardableResult
    static func realtimeThisThread(_ on: Bool) -> Bool {
        set(0, realtime: on)
    }

    /// Every thread of process `pid` to SCHED_FIFO; false when refused.
    static func realtime(process pid: pid_t) -> Bool {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else {
            return false
        }
        return tasks.compactMap { Int32($0) }.allSatisfy { set($0, realtime: true) }
    }

    private static func set(_ tid: Int32, realtime: Bool) -> Bool {
        var param = sched_param()
        param.sched_priority = realtime ? realtimePriority : 0
        return sched_setscheduler(tid, realtime ? SCHED_FIFO : SCHED_OTHER, &param) == 0
    }
}
