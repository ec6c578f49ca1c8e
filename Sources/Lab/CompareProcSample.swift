import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Another process's load as the kernel counts it (/proc), for the relay: CPU time (user plus
/// system, all threads), and the bytes it read and wrote (its sockets' payload: the relay
/// reads and writes nothing else while it runs).
struct ProcSample: Sendable, Equatable {
    var cpuSeconds: Double
    var bytesRead: Int
    var bytesWritten: Int

    static func read(pid: Int32) -> ProcSample? {
        guard let stat = text("/proc/\(pid)/stat"), let io = text("/proc/\(pid)/io"),
            let ticks = cpuTicks(stat: stat), let counts = ioCounts(io)
        else { return nil }
        let perSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        // The scheduler's nanoseconds per thread are finer than the 10 ms ticks of stat; its
        // threads (the event loops) live as long as it does.
        let cpu = threadsNanoseconds(pid: pid).map { Double($0) / 1e9 } ?? Double(ticks) / max(perSecond, 1)
        return ProcSample(cpuSeconds: cpu, bytesRead: counts.read, bytesWritten: counts.written)
    }

    /// The sum of the first field (time on a CPU, nanoseconds) of /proc/PID/task/*/schedstat.
    static func threadsNanoseconds(pid: Int32) -> Int? {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return nil }
        var total = 0
        for task in tasks {
            guard let line = text("/proc/\(pid)/task/\(task)/schedstat"),
                let first = line.split(separator: " ").first, let value = Int(first)
            else { return nil }
            total += value
        }
        return total
    }

    /// utime + stime (fields 14 and 15 of /proc/PID/stat), counted after the command name,
    /// which is in parentheses and may hold spaces.
    static func cpuTicks(stat: String) -> Int? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state): utime is field 14, stime field 15.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }

    /// `rchar` and `wchar` of /proc/PID/io.
    static func ioCounts(_ io: String) -> (read: Int, written: Int)? {
        var values: [Substring: Int] = [:]
        for line in io.split(separator: "\n") {
            let parts = line.split(separator: ":")
            if parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) {
                values[parts[0]] = value
            }
        }
        guard let read = values["rchar"], let written = values["wchar"] else { return nil }
        return (read, written)
    }

    /// Established TCP connections on `localPort` in the process's network namespace
    /// (/proc/PID/net/tcp and tcp6: the server side of each client connection).
    static func establishedConnections(pid: Int32, localPort: Int) -> Int {
        ["tcp", "tcp6"].compactMap { text("/proc/\(pid)/net/\($0)") }.map {
            establishedConnections(table: $0, localPort: localPort)
        }.reduce(0, +)
    }

    /// Counts the rows of a /proc/net/tcp table in state 01 (ESTABLISHED) whose local port
    /// (hexadecimal, after the address's colon) is `localPort`.
    static func establishedConnections(table: String, localPort: Int) -> Int {
        table.split(separator: "\n").dropFirst().filter { row in
            let columns = row.split(separator: " ")
            guard columns.count > 3, let colon = columns[1].lastIndex(of: ":"),
                let port = Int(columns[1][columns[1].index(after: colon)...], radix: 16)
            else { return false }
            return port == localPort && columns[3] == "01"
        }.count
    }

    /// The whole file, read to its end: /proc files say they are empty, and Foundation's
    /// `contents(atPath:)` stops after the first page of a long one (/proc/net/tcp).
    static func text(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count < 64 * 1024 * 1024 {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `GET /metrics` from a relay's metrics listener on 127.0.0.1, in the network namespace of
/// another process when that process runs in one (the lab's relay host). Blocking sockets on a
/// thread of its own (which alone enters the namespace, and ends with the request), bounded by
/// a 3-second timeout.
enum MetricsScrape {
    static let timeoutSeconds = 3

    static func get(port: Int, inNamespaceOf pid: Int32?) async -> String? {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: blockingGet(port: port, inNamespaceOf: pid)) }
            thread.start()
        }
    }

    private static func blockingGet(port: Int, inNamespaceOf pid: Int32?) -> String? {
        if let pid, !enterNetworkNamespace(of: pid) { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count
        else { return nil }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while response.count < 1024 * 1024 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200") || text.hasPrefix("HTTP/1.0 200"),
            let body = text.range(of: "\r\n\r\n")
        else { return nil }
        return String(text[body.upperBound...])
    }

    /// Moves the calling thread into `pid`'s network namespace (setns, looked up at run time:
    /// Glibc declares it only for _GNU_SOURCE). Needs root, as --netns does.
    private static func enterNetworkNamespace(of pid: Int32) -> Bool {
        typealias SetNS = @convention(c) (Int32, Int32) -> Int32
        let newNet: Int32 = 0x4000_0000  // CLONE_NEWNET
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return false }
        let setns = unsafeBitCast(symbol, to: SetNS.self)
        let fd = open("/proc/\(pid)/ns/net", O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return setns(fd, newNet) == 0
    }
}
