// Memory per idle client. The relay runs in the benchmark process; the clients run in a child
// process (this same executable, started with IdleClients.environmentKey set), so that the
// benchmark process's RSS grows by the relay's share alone.

import Dispatch
import Foundation
import Identity
import Net
import Session

#if canImport(Glibc)
    import Glibc
#endif

enum IdleClients {
    static let environmentKey = "PARLEY_RELAY_BENCH_IDLE_CLIENTS"

    /// The relay process's resident memory (glibc's `mallinfo2` is not visible from Swift's
    /// Glibc module, so the heap itself is not read).
    struct Memory {
        var rss: Int

        static func now() -> Memory {
            let pages =
                (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?
                .split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return Memory(rss: pages * Int(sysconf(Int32(_SC_PAGESIZE))))
        }
    }

    /// Starts the child, which connects `warmUp` clients, then on a word from us `count` more.
    /// Returns the relay process's memory growth per client of the `count`.
    static func measure(relay: LoopbackRelay, warmUp: Int, count: Int) async throws -> Memory {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = []
        var environment = ProcessInfo.processInfo.environment
        environment[environmentKey] = "\(relay.port)"
        child.environment = environment
        let toChild = Pipe()
        let fromChild = Pipe()
        child.standardInput = toChild
        child.standardOutput = fromChild
        try child.run()
        defer {
            try? toChild.fileHandleForWriting.close()
            child.waitUntilExit()
        }
        let lines = LineReader(fromChild.fileHandleForReading)

        func connect(_ n: Int, expectingRegistered total: Int) async throws {
            toChild.fileHandleForWriting.write(Data("\(n)\n".utf8))
            // Read on another thread: blocking a cooperative thread would stall the relay's
            // accepting task (RelayServer.run) on this 2-vCPU machine.
            let answer = await withCheckedContinuation { done in
                DispatchQueue.global().async { done.resume(returning: lines.next()) }
            }
            guard answer == "ok \(total)" else {
                throw BenchmarkFailure("the client process did not connect its clients")
            }
            // The child has each client's registration confirmed; the relay has them all.
            let registered = try await relay.server.snapshot().registered
            guard registered == total else { throw BenchmarkFailure("\(registered) of \(total) clients registered") }
        }

        try await connect(warmUp, expectingRegistered: warmUp)
        try await Task.sleep(for: .milliseconds(200))
        let before = Memory.now()
        try await connect(count, expectingRegistered: warmUp + count)
        try await Task.sleep(for: .milliseconds(200))
        let after = Memory.now()
        return Memory(rss: (after.rss - before.rss) / count)
    }

    /// The child: reads a count per line from stdin, connects that many more clients (each its
    /// own identity, registered with the relay), answers "ok TOTAL"; exits when stdin closes.
    static func runChild(port: Int) -> Never {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            var clients: [RelayClient] = []
            let lines = LineReader(FileHandle.standardInput)
            while let line = lines.next(), let n = Int(line) {
                do {
                    for i in 0..<n {
                        let identity = LocalIdentity.generate(nickname: "idle\(clients.count + i)")
                        clients.append(
                            try await RelayClient.connect(
                                host: People.host, port: port, credentials: try SessionCredentials(identity: identity),
                                network: People.network))
                    }
                } catch {
                    FileHandle.standardError.write(Data("idle client failed: \(error)\n".utf8))
                    break
                }
                FileHandle.standardOutput.write(Data("ok \(clients.count)\n".utf8))
            }
            done.signal()
        }
        done.wait()
        exit(0)
    }
}

/// Lines from a pipe, blocking.
final class LineReader: @unchecked Sendable {  // read by one thread at a time
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer = Data(buffer[(newline + 1)...])
                return line
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}
