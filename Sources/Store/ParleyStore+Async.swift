import Dispatch

extension ParleyStore {
    /// Runs blocking store calls on a dispatch thread and resumes when they are done, so that
    /// async code (an actor, an event loop's task) never blocks one of Swift concurrency's few
    /// threads on SQLite, an fsync or another process's lock. Rethrows what `body` throws (the
    /// store's calls throw `StoreError`):
    ///
    ///     let pending = try await store.perform { try $0.pendingOutbox(for: peer) }
    public func perform<T: Sendable>(_ body: @escaping @Sendable (ParleyStore) throws -> T) async throws -> T {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>, Never>) in
            callers.async {
                continuation.resume(returning: Result { try body(self) })
            }
        }
        return try result.get()
    }
}
