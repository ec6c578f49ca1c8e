import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

private func sendSignal(_ pid: pid_t, _ number: Int32) -> Bool { kill(pid, number) == 0 }

/// A child process started with `posix_spawn`, in place of Foundation's `Process`, whose
/// `run()` on Linux (swift-corelibs-foundation up to 6.3) over-reads a heap buffer while
/// listing `/proc/self/fd` and now and then dies of SIGSEGV (swiftlang/swift-corelibs-foundation#5472).
///
/// The same shape as `Process`: set `executableURL` (an absolute path: no PATH search),
/// `arguments`, `environment` (nil: this process's), and `standardInput`/`Output`/`Error` (a
/// `Pipe`, a `FileHandle`, `FileHandle.nullDevice`, or nil to share this process's own), then
/// `run()`. The child gets those three descriptors and no other: every other descriptor is
/// closed in it, so a pipe of one child never leaks into another and each pipe's reader sees
/// end of file when the child that writes it exits. After the start, the parent closes its copy
/// of the child's end of each `Pipe`, as `Process` does. The child runs in a process group of its
/// own (as with `Process`) with no signal blocked; ignored signals stay ignored across exec.
///
/// A thread of its own waits for the exit (never a task of the cooperative pool), then runs
/// `terminationHandler` on that thread. Signals are sent only while the child has not been
/// reaped, so they never reach another process that was given its ID.
public final class ChildProcess: @unchecked Sendable {
    public enum TerminationReason: Sendable, Equatable { case exit, uncaughtSignal }

    public struct SpawnError: Error, CustomStringConvertible {
        public let path: String
        public let code: Int32
        public var description: String { "cannot start \(path): \(String(cString: strerror(code)))" }
    }

    public var executableURL: URL?
    public var arguments: [String]?
    public var environment: [String: String]?
    public var standardInput: Any?
    public var standardOutput: Any?
    public var standardError: Any?
    /// Called once, on the waiting thread, when the child has exited.
    public var terminationHandler: (@Sendable (ChildProcess) -> Void)? {
        get { condition.withLock { handler } }
        set { condition.withLock { handler = newValue } }
    }

    private let condition = NSCondition()
    private var handler: (@Sendable (ChildProcess) -> Void)?
    private var pid: pid_t = 0
    private var started = false
    private var exited = false
    private var status: Int32 = 0
    private var reason = TerminationReason.exit

    public init() {}

    /// The child's process ID once started, 0 before.
    public var processIdentifier: Int32 { condition.withLock { pid } }

    /// Whether the child was started and has not exited yet.
    public var isRunning: Bool { condition.withLock { started && !exited } }

    /// The exit code, or the number of the signal that ended it; only once it has exited.
    public var terminationStatus: Int32 {
        condition.withLock {
            precondition(exited, "ChildProcess: terminationStatus read before the child exited")
            return status
        }
    }

    public var terminationReason: TerminationReason {
        condition.withLock {
            precondition(exited, "ChildProcess: terminationReason read before the child exited")
            return reason
        }
    }

    /// Starts the child. Throws `SpawnError` when it cannot (no such file, not executable).
    public func run() throws {
        guard let path = executableURL?.path else { throw SpawnError(path: "(no executable)", code: ENOENT) }
        precondition(condition.withLock { !started }, "ChildProcess: run() called twice")
        let argv = [path] + (arguments ?? [])
        let envp = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let ends = [standardInput, standardOutput, standardError]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, end) in ends.enumerated() {
            let target = Int32(target)
            switch end {
            case let pipe as Pipe:
                let handle = target == 0 ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target)
            case let handle as FileHandle where handle === FileHandle.nullDevice || handle.fileDescriptor < 0:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case let handle as FileHandle:
                posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target)
            default:
                break  // nil: the child shares this process's descriptor
            }
        }
        #if os(Linux)
            guard let addCloseFrom = Self.addCloseFrom else { throw SpawnError(path: path, code: ENOSYS) }
            let closing = addCloseFrom(&actions, 3)
            guard closing == 0 else { throw SpawnError(path: path, code: closing) }
            let closeOthers: Int32 = 0
        #else
            let closeOthers = Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP) | closeOthers))

        var child: pid_t = 0
        let result = Self.withCStrings(argv) { cArguments in
            if let envp {
                return Self.withCStrings(envp) { posix_spawn(&child, path, &actions, &attributes, cArguments, $0) }
            }
            return posix_spawn(&child, path, &actions, &attributes, cArguments, environ)
        }
        guard result == 0 else { throw SpawnError(path: path, code: result) }
        let spawned = child

        // The child holds its ends now; the parent's copies would keep the pipes from ending.
        // (One pipe may serve both stdout and stderr: each end is closed once.)
        var closed = Set<ObjectIdentifier>()
        for (target, end) in ends.enumerated() {
            guard let pipe = end as? Pipe else { continue }
            let handle = target == 0 ? pipe.fileHandleForReading : pipe.fileHandleForWriting
            if closed.insert(ObjectIdentifier(handle)).inserted { try? handle.close() }
        }
        condition.withLock {
            pid = spawned
            started = true
        }
        let waiter = Thread { [self] in waitForExit(spawned) }
        waiter.name = "ChildProcess \(spawned)"
        waiter.stackSize = 1 << 17
        waiter.start()
    }

    /// Blocks the calling thread until the child has exited (never call it from async code).
    public func waitUntilExit() {
        condition.withLock {
            while started && !exited { condition.wait() }
        }
    }

    /// Sends `number` to the child unless it has exited; returns whether it was sent.
    @discardableResult
    public func signal(_ number: Int32) -> Bool {
        condition.withLock {
            guard started && !exited else { return false }
            return sendSignal(pid, number)
        }
    }

    /// SIGTERM, as `Process.terminate()`.
    public func terminate() { signal(SIGTERM) }

    /// SIGINT, as `Process.interrupt()`.
    public func interrupt() { signal(SIGINT) }

    /// SIGKILL.
    public func kill() { signal(SIGKILL) }

    private func waitForExit(_ child: pid_t) {
        // Wait without reaping first: until it is reaped, the ID stays the child's, so `signal`
        // (which holds the lock) cannot reach a stranger. Then reap under the lock.
        var info = siginfo_t()
        while waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        let handler: (@Sendable (ChildProcess) -> Void)? = condition.withLock {
            var raw: Int32 = 0
            while waitpid(child, &raw, 0) == -1 && errno == EINTR {}
            // WIFSIGNALED / WTERMSIG / WEXITSTATUS, which Swift does not import as macros.
            let signalNumber = raw & 0x7f
            if signalNumber != 0 && signalNumber != 0x7f {
                (status, reason) = (signalNumber, .uncaughtSignal)
            } else {
                (status, reason) = ((raw >> 8) & 0xff, .exit)
            }
            exited = true
            condition.broadcast()
            defer { self.handler = nil }
            return self.handler
        }
        handler?(self)
    }

    #if os(Linux)
        /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which its header
        /// declares only under _GNU_SOURCE, which Swift's Glibc module does not define.
        private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
                return nil
            }
            return unsafeBitCast(
                symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        }()
    #endif

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}
