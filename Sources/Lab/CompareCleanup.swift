import Foundation
import RunSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Everything `parley compare` created and must remove: processes, namespaces, rules. Each
/// entry is undone exactly once, newest first, when the run ends, when it fails, and on
/// SIGINT/SIGTERM (the signal handler runs the registry, then exits 130).
final class CleanupRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(id: Int, label: String, undo: @Sendable () -> Void)] = []
    private var nextID = 0
    private var closed = false

    /// Whether `runAll` has begun: the run is over (or interrupted), and whatever is made from now
    /// on is undone at once.
    var isClosed: Bool { lock.withLock { closed } }

    /// Registers `undo`; the returned token removes the entry without running it (when the
    /// thing was already undone in the normal course).
    @discardableResult
    func add(_ label: String, _ undo: @escaping @Sendable () -> Void) -> Int {
        lock.lock()
        nextID += 1
        let id = nextID
        guard !closed else {
            // Made after the end (a run still starting when Ctrl-C came): undone now.
            lock.unlock()
            undo()
            return id
        }
        entries.append((id, label, undo))
        lock.unlock()
        return id
    }

    func remove(_ id: Int) {
        lock.lock()
        defer { lock.unlock() }
        entries.removeAll { $0.id == id }
    }

    /// Runs (and forgets) the entry `id`, if still registered.
    func run(_ id: Int) {
        lock.lock()
        let entry = entries.first { $0.id == id }
        entries.removeAll { $0.id == id }
        lock.unlock()
        entry?.undo()
    }

    /// Runs every entry, newest first, and closes the registry.
    func runAll() {
        lock.withLock { closed = true }
        while true {
            lock.lock()
            guard let entry = entries.popLast() else {
                lock.unlock()
                return
            }
            lock.unlock()
            entry.undo()
        }
    }

    var labels: [String] {
        lock.lock()
        defer { lock.unlock() }
        return entries.map(\.label)
    }
}

/// Runs a short tool (ip, nft) to completion and reports its status and stderr. Blocking, for
/// a few milliseconds: used in setup, teardown and from the signal handler.
enum Tool {
    struct Result {
        var status: Int32
        var stderr: String
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) -> Result {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return Result(status: -1, stderr: "cannot run \(executable): \(error)")
        }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stderr: text)
    }

    /// Like `run`, throwing with the tool's message when it fails.
    static func check(_ executable: String, _ arguments: [String]) throws(LabFailure) {
        let result = run(executable, arguments)
        guard result.status == 0 else {
            let command = ([executable] + arguments).joined(separator: " ")
            throw LabFailure(
                message:
                    "\(command) failed (\(result.status)): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
    }

    static func find(_ name: String) -> String? {
        ["/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"].map { $0 + name }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}
