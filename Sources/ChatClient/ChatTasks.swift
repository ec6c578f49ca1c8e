import Foundation

/// The chat run's tasks: every task the chat starts is a child of one task group, owned by
/// `ChatController.run()`, and ends with the run (it is cancelled when the chat has finished).
/// Nothing the chat starts outlives it or runs unowned.
///
/// `spawn` hands a job to the group; `serially` runs jobs one at a time in the order given (the
/// store writes the chat core asks for: an outbox row before the message is marked sent, before
/// its acknowledgement is recorded). Each returns a `Completion` that fires when the job has
/// run, or when it never will (given after the run ended, or still waiting when it ended), so
/// that nobody waits for a job that is gone.
public final class ChatTasks: @unchecked Sendable {
    public typealias Job = @Sendable () async -> Void

    private let jobs: AsyncStream<Job>
    private let sink: AsyncStream<Job>.Continuation
    private let ordered: AsyncStream<Job>
    private let orderedSink: AsyncStream<Job>.Continuation
    private let lock = NSLock()
    /// Completions of jobs given and not run yet: fired when the run ends.
    private var outstanding: [ObjectIdentifier: Completion] = [:]

    init() {
        // Unbounded, but `spawn`'s buffer only holds jobs between two turns of the loop that
        // starts them, and `serially`'s the store writes of what the chat holds in memory.
        (jobs, sink) = AsyncStream.makeStream(of: Job.self)
        (ordered, orderedSink) = AsyncStream.makeStream(of: Job.self)
    }

    /// Starts `job` as a child of the run's group.
    @discardableResult
    public func spawn(_ job: @escaping Job) -> Completion {
        give(job, to: sink)
    }

    /// Runs `job` after every job given to `serially` before it.
    @discardableResult
    func serially(_ job: @escaping Job) -> Completion {
        give(job, to: orderedSink)
    }

    /// Returns once every job given to `serially` so far has run (at once when the run is over).
    func drained() async {
        await serially {}.wait()
    }

    private func give(_ job: @escaping Job, to sink: AsyncStream<Job>.Continuation) -> Completion {
        let done = Completion()
        let key = ObjectIdentifier(done)
        lock.withLock { outstanding[key] = done }
        let result = sink.yield { [self] in
            await job()
            lock.withLock { _ = outstanding.removeValue(forKey: key) }
            done.fire()
        }
        if case .terminated = result {
            lock.withLock { _ = outstanding.removeValue(forKey: key) }
            done.fire()
        }
        return done
    }

    /// Runs the jobs until `end()`; then cancels those still running and returns once all ended.
    func run() async {
        await withDiscardingTaskGroup { group in
            let ordered = ordered
            group.addTask {
                for await job in ordered { await job() }
            }
            for await job in jobs { group.addTask { await job() } }
            group.cancelAll()
        }
        // Jobs that never ran: their waiters go on.
        let left = lock.withLock {
            defer { outstanding.removeAll() }
            return Array(outstanding.values)
        }
        for done in left { done.fire() }
    }

    /// Ends the run: no new jobs; those running are cancelled.
    func end() {
        sink.finish()
        orderedSink.finish()
    }
}

/// Fires once; waiters before and after the firing all return.
public final class Completion: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func fire() {
        let resumed: [CheckedContinuation<Void, Never>] = lock.withLock {
            fired = true
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in resumed { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let now: Bool = lock.withLock {
                if fired { return true }
                waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
