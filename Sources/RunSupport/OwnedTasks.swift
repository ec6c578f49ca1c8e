import Foundation

/// The tasks of one run, owned: each is started from anywhere (an actor method, a signal
/// handler, a server's accept callback) and runs as a child of the task group inside `run()`,
/// so every one of them has ended when `run()` returns. Each can be cancelled on its own
/// through the handle `start` returns, as `Task.cancel()` would. (Mutable state is behind `lock`.)
///
/// Tasks started before `run()` takes them wait for it (at most `pendingLimit` of them); tasks
/// started after `finish()` never run.
public final class OwnedTasks: @unchecked Sendable {
    /// Tasks that may wait for `run()` to take them, by default. An owner starts a handful before
    /// its run takes them (the call engine: its timer and the three media tasks of a call);
    /// more than this waiting means nobody runs the group, and further ones are dropped and
    /// counted (`dropped`). An owner that starts one task per accepted connection raises it to
    /// what its listener admits.
    public static let defaultPendingLimit = 64

    public let pendingLimit: Int
    private let starts: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation
    private let lock = NSLock()
    private var droppedCount = 0

    public init(pendingLimit: Int = OwnedTasks.defaultPendingLimit) {
        self.pendingLimit = pendingLimit
        (starts, continuation) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .bufferingOldest(pendingLimit))
    }

    /// Starts `body` as a child of `run()`'s group.
    @discardableResult
    public func start(_ body: @escaping @Sendable () async -> Void) -> OwnedTask {
        let handle = OwnedTask()
        switch continuation.yield(Job(handle: handle, body: body)) {
        case .enqueued: break
        case .dropped, .terminated:
            lock.withLock { droppedCount += 1 }
            handle.cancel()
        @unknown default: break
        }
        return handle
    }

    /// Tasks that could not start: after `finish()`, or more than `pendingLimit` waiting.
    public var dropped: Int { lock.withLock { droppedCount } }

    /// Runs every task started, until `finish()` is called or the calling task is cancelled;
    /// then cancels those still running and returns once all of them have ended. Called once,
    /// by the owner, inside its own run.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await job in starts {
                group.addTask { await job.handle.run(job.body) }
            }
            group.cancelAll()
        }
    }

    /// Ends `run()`: tasks started after this never run, and those running or still waiting
    /// are cancelled.
    public func finish() {
        continuation.finish()
    }

    struct Job: Sendable {
        let handle: OwnedTask
        let body: @Sendable () async -> Void
    }
}

/// One task of an `OwnedTasks` group, to cancel it on its own.
public final class OwnedTask: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var waiter: CheckedContinuation<Void, Never>?

    init() {}

    /// Cancels the task (it sees `Task.isCancelled`, its sleeps throw); a task that has not
    /// begun never runs.
    public func cancel() {
        let waiting = lock.withLock {
            cancelled = true
            defer { waiter = nil }
            return waiter
        }
        waiting?.resume()
    }

    public var isCancelled: Bool { lock.withLock { cancelled } }

    /// Runs `body` until it returns or this handle (or the enclosing group) cancels it.
    func run(_ body: @escaping @Sendable () async -> Void) async {
        guard !isCancelled else { return }
        await withTaskGroup(of: Void.self) { inner in
            inner.addTask { await body() }
            inner.addTask { await self.cancellation() }
            await inner.next()
            inner.cancelAll()
        }
    }

    /// Returns once `cancel()` is called or the calling task is cancelled.
    private func cancellation() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = lock.withLock {
                    if cancelled { return true }
                    waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            self.cancel()
        }
    }
}
