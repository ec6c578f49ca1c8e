import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C: stop everything once, say so, exit 130. Whoever comes second (the signal handler or
/// the run failing because its peers were just killed) waits for the first to exit.
final class Interruption: @unchecked Sendable {
    private let status: Int32
    private let flag = NSLock()
    private let once = NSLock()
    private var set = false

    init(status: Int32) { self.status = status }

    var isSet: Bool {
        flag.lock()
        defer { flag.unlock() }
        return set
    }

    func stop(cleanup: CleanupRegistry, progress: CompareProgress) -> Never {
        flag.lock()
        set = true
        flag.unlock()
        once.lock()  // never unlocked: the process exits below
        progress.finish()
        cleanup.runAll()
        FileHandle.standardError.write(Data("parley compare: interrupted; every peer and namespace removed\n".utf8))
        exit(status)
    }
}
