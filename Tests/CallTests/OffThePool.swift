import Foundation

/// Runs `work` on a thread of its own and awaits it without holding a thread of the task pool.
/// The pool has one thread per core (two on the CI machine): a computation of seconds on one of
/// them leaves every other test in the process a single thread, and loopback calls running beside
/// it lose frames to the delay (seen in CI: the alignment below took one of the two threads for
/// about 10 s and a glare test elsewhere lost three frames).
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
