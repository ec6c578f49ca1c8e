import Foundation
import Testing

@testable import ChatClient

/// The chat run's task queues: ordered jobs (the store writes) all run, in order, none dropped,
/// however many wait; how many waited is counted.
@Suite("ChatTasks", .timeLimit(.minutes(1)))
struct ChatTasksTests {
    @Test func orderedJobsAllRunInOrderAndTheirBacklogIsCounted() async {
        let tasks = ChatTasks()
        let ran = Locked<[Int]>([])
        // Given before the run takes them: all of them wait.
        let completions = (0..<500).map { index in tasks.serially { ran.withLock { $0.append(index) } } }
        let spawned = tasks.spawn {}
        #expect(
            tasks.highWater == ChatTasks.Backlog(spawned: 1, ordered: 500, spawnedHighWater: 1, orderedHighWater: 500))
        async let running: Void = tasks.run()
        for done in completions { await done.wait() }
        await spawned.wait()
        #expect(ran.withLock { $0 } == Array(0..<500))
        #expect(
            tasks.highWater == ChatTasks.Backlog(spawned: 0, ordered: 0, spawnedHighWater: 1, orderedHighWater: 500))
        tasks.end()
        await running
        // Given after the run ended: never runs, its waiter goes on, and it is not left counted.
        await tasks.serially { ran.withLock { $0.append(-1) } }.wait()
        #expect(ran.withLock { $0.count } == 500 && tasks.highWater.ordered == 0)
    }
}

/// A value behind a lock, for what concurrent jobs record.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}
