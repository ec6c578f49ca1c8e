import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A network namespace private to this benchmark process, so that its multicast never reaches
/// the machine's interfaces: one thread moves into a new namespace (`unshare(CLONE_NEWNET)`
/// affects the calling thread only) and opens every socket there; sockets stay in the namespace
/// they were opened in, whichever thread uses them. Its loopback is brought up with multicast
/// on (`nsenter` + `ip`). Needs root. Nothing outlives the process.
final class PrivateNetwork: @unchecked Sendable {
    /// Why it cannot be used here, or nil.
    static let unavailableReason: String? = {
        guard geteuid() == 0 else { return "needs root to create a network namespace" }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/nsenter") else { return "needs nsenter" }
        guard ipPath != nil else { return "needs ip (iproute2)" }
        guard unshare != nil else { return "unshare(2) is not available" }
        return nil
    }()

    private static let ipPath = ["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    private typealias Unshare = @convention(c) (Int32) -> Int32
    /// A GNU extension the Glibc module does not import: found by name.
    private static let unshare: Unshare? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unshare").map {
        unsafeBitCast($0, to: Unshare.self)
    }

    private let condition = NSCondition()
    private var queue: [() -> Void] = []
    private var path = ""

    private init() {}

    static func make() async throws -> PrivateNetwork {
        if let reason = unavailableReason { throw BenchmarkFailure(reason) }
        let network = PrivateNetwork()
        try await withCheckedThrowingContinuation { (ready: CheckedContinuation<Void, Error>) in
            Thread {
                guard unshare?(0x4000_0000) == 0 else {  // CLONE_NEWNET
                    ready.resume(throwing: BenchmarkFailure("unshare: \(String(cString: strerror(errno)))"))
                    return
                }
                var buffer = [CChar](repeating: 0, count: 128)
                let length = readlink("/proc/thread-self", &buffer, buffer.count - 1)
                network.path =
                    "/proc/"
                    + String(decoding: buffer.prefix(max(0, length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    + "/ns/net"
                ready.resume()
                network.serve()
            }.start()
        }
        try network.ip("link set lo up multicast on")
        return network
    }

    /// Runs `body` on the namespace's thread.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            queue.append { continuation.resume(with: Result { try body() }) }
            condition.signal()
            condition.unlock()
        }
    }

    private func ip(_ arguments: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--net=\(path)", Self.ipPath!] + arguments.split(separator: " ").map(String.init)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchmarkFailure("ip \(arguments) failed") }
    }

    private func serve() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let work = queue.removeFirst()
            condition.unlock()
            work()
        }
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
