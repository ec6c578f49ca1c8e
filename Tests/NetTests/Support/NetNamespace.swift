import Foundation
import RunSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A private network namespace for one test, so that multicast never leaves the machine and
/// never touches the host's interfaces: a thread of this process moves into a new namespace
/// (`unshare(CLONE_NEWNET)`, which affects that thread only), and sockets opened on that thread
/// belong to the namespace for life, whichever thread uses them later. `ip` commands reach the
/// namespace through `nsenter`. Nothing is left behind: the namespace disappears with the
/// thread and the last socket. Needs root.
final class NetNamespace: @unchecked Sendable {
    /// Why namespaces cannot be used here, or nil when they can.
    static let unavailableReason: String? = {
        guard geteuid() == 0 else { return "needs root to create a network namespace" }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/nsenter") else {
            return "needs nsenter (util-linux)"
        }
        guard ipPath != nil else { return "needs ip (iproute2)" }
        guard unshareFunction != nil else { return "unshare(2) is not available" }
        return nil
    }()

    static var isAvailable: Bool { unavailableReason == nil }

    private static let ipPath = ["/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    private typealias Unshare = @convention(c) (Int32) -> Int32
    /// `unshare` is a GNU extension the Glibc module does not import; look it up by name.
    private static let unshareFunction: Unshare? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unshare") else { return nil }
        return unsafeBitCast(symbol, to: Unshare.self)
    }()
    private static let cloneNewNet: Int32 = 0x4000_0000

    private let condition = NSCondition()
    private var queue: [() -> Void] = []
    private var finished = false
    /// `/proc/PID/task/TID/ns/net` of the namespace's thread, for `nsenter` and `ip netns`.
    private(set) var path = ""

    private init() {}

    /// A new namespace with its loopback interface up and multicast-capable. Never blocks the
    /// caller's thread: the cooperative pool is small, and tests run side by side.
    static func make() async throws -> NetNamespace {
        let namespace = NetNamespace()
        // The path comes back through the continuation rather than being written from the
        // namespace's thread: ThreadSanitizer saw that write race with `shell`'s read.
        namespace.path = try await withCheckedThrowingContinuation { (ready: CheckedContinuation<String, Error>) in
            let thread = Thread {
                guard Self.unshareFunction?(Self.cloneNewNet) == 0 else {
                    ready.resume(throwing: NamespaceError("unshare(CLONE_NEWNET): \(String(cString: strerror(errno)))"))
                    return
                }
                var buffer = [CChar](repeating: 0, count: 128)
                let length = readlink("/proc/thread-self", &buffer, buffer.count - 1)
                let task = String(decoding: buffer.prefix(max(0, length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                ready.resume(returning: "/proc/" + task + "/ns/net")
                namespace.serve()
            }
            thread.start()
        }
        try await namespace.ip("link set lo up")
        try await namespace.ip("link set lo multicast on")
        return namespace
    }

    deinit { close() }

    /// Runs `body` on the namespace's thread (sockets it opens belong to the namespace).
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            queue.append { continuation.resume(with: Result { try body() }) }
            condition.signal()
            condition.unlock()
        }
    }

    /// `ip ARGUMENTS` inside the namespace.
    func ip(_ arguments: String) async throws {
        try await shell("\(Self.ipPath!) \(arguments)")
    }

    /// A shell command inside the namespace (network only; the file system is the host's).
    func shell(_ command: String) async throws {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--net=\(path)", "/bin/sh", "-c", command]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let status = try await withCheckedThrowingContinuation { (done: CheckedContinuation<Int32, Error>) in
            process.terminationHandler = { done.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { done.resume(throwing: error) }
        }
        guard status == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw NamespaceError("\(command): exit \(status): \(text)")
        }
    }

    /// Lets the thread end; the namespace lives on until the last socket in it closes.
    func close() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    private func serve() {
        while true {
            condition.lock()
            while queue.isEmpty && !finished { condition.wait() }
            if queue.isEmpty && finished {
                condition.unlock()
                return
            }
            let work = queue.removeFirst()
            condition.unlock()
            work()
        }
    }
}

struct NamespaceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
