import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Load tests (floods, attacks, a thousand queued messages) take turns: each holds an exclusive
/// lock on one file while it runs, so at most one of them loads the 2 cores beside the rest of
/// the suite, whose tests wait for events with deadlines. A file lock, because the load tests
/// live in several test modules (EndToEndTests has the same gate on the same file). Waiting never
/// blocks a thread of the task pool.
enum LoadGate {
    static let path = NSTemporaryDirectory() + "parley-tests-load.lock"

    static func exclusive<T>(_ body: () async throws -> T) async throws -> T {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return try await body() }  // no lock to be had: run as before
        defer { close(fd) }  // closing releases the lock
        while flock(fd, LOCK_EX | LOCK_NB) != 0 { try await Task.sleep(for: .milliseconds(50)) }
        return try await body()
    }
}
