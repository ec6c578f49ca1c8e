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
    private var backlog = Backlog()

    /// Jobs given and not begun yet, per queue, and the most there ever were.
    struct Backlog: Equatable {
        var spawned = 0
        var ordered = 0
        var spawnedHighWater = 0
        var orderedHighWater = 0
    }

    init() {
        // Neither queue has a cap of its own, and neither drops: a dropped store write would
        // lose a message or its state, and a queue that blocked would block the chat's actor.
        // They are bounded by what feeds them instead (`highWater` shows how far they went):
        // - `spawn`'s holds jobs only between two turns of the loop that starts them;
        // - `serially`'s holds the store writes of what the chat holds in memory: the outbox
        //   writes of lines typed (in line mode one at a time: the next line is read once the
        //   write of the one before is done), and per message in the outbox at most its sent mark, its acknowledgements (one per session
        //   it went out on) and a recipient added to a room line that waited for a peer. So it
        //   is bounded by the outbox (the store's rows, loaded in memory) and cannot outgrow it
        //   by more than a small factor.
        (jobs, sink) = AsyncStream.makeStream(of: Job.self)
        (ordered, orderedSink) = AsyncStream.makeStream(of: Job.self)
    }

    /// The queues' backlog so far (for tests and diagnostics).
    var highWater: Backlog { lock.withLock { backlog } }

    /// Starts `job` as a child of the run's group.
    @discardableResult
    public func spawn(_ job: @escaping Job) -> Completion {
        give(job, to: sink, ordered: false)
    }

    /// Runs `job` after every job given to `serially` before it.
    @discardableResult
    func serially(_ job: @escaping Job) -> Completion {
        give(job, to: orderedSink, ordered: true)
    }

    /// Returns once every job given to `serially` so far has run (at once when the run is over).
    func drained() async {
        await serially {}.wait()
    }

    private func give(_ job: @escaping Job, to sink: AsyncStream<Job>.Continuation, ordered: Bool) -> Completion {
        let done = Completion()
        let key = ObjectIdentifier(done)
        lock.withLock {
            outstanding[key] = done
            backlog.count(ordered, by: 1)
        }
        let result = sink.yield { [self] in
            lock.withLock { backlog.count(ordered, by: -1) }
            await job()
            lock.withLock { _ = outstanding.removeValue(forKey: key) }
            done.fire()
        }
        if case .terminated = result {
            lock.withLock {
                _ = outstanding.removeValue(forKey: key)
                backlog.count(ordered, by: -1)
            }
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

extension ChatTasks.Backlog {
    mutating func count(_ ordered: Bool, by change: Int) {
        if ordered {
            self.ordered += change
            orderedHighWater = max(orderedHighWater, self.ordered)
        } else {
            spawned += change
            spawnedHighWater = max(spawnedHighWater, spawned)
        }
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
