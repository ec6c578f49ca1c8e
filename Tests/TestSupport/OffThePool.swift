import Foundation

/// Runs `work` on a thread of its own and awaits it without holding a thread of the task pool.
/// The pool has one thread per core (two on the CI machine): blocking work (a child process, file
/// copies) or a computation of seconds on one of them leaves every other test in the process a
/// single thread, and the loopback calls and transfers running beside it miss their deadlines
/// (seen in CI: an alignment took one of the two threads for about 10 s and a glare test
/// elsewhere lost three frames).
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// `offThePool` for work that cannot fail.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}
