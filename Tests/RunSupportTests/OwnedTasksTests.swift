import Foundation
import Testing

@testable import RunSupport

/// What the owned tasks did, recorded from their own tasks; `ends` hears each entry too.
private final class Record: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []
    let ends: AsyncStream<String>
    private let sink: AsyncStream<String>.Continuation

    init() { (ends, sink) = AsyncStream.makeStream(of: String.self) }

    func add(_ entry: String) {
        lock.withLock { entries.append(entry) }
        sink.yield(entry)
    }

    var all: [String] { lock.withLock { entries } }
}

/// A task that says it started on `marks`, then sleeps until cancelled and records how it ended.
private func parked(
    _ name: String, _ record: Record, _ marks: AsyncStream<String>.Continuation
) -> @Sendable () async -> Void {
    {
        marks.yield(name)
        try? await Task.sleep(for: .seconds(3600))
        record.add(Task.isCancelled ? "\(name) cancelled" : "\(name) woke")
    }
}

@Suite("OwnedTasks", .timeLimit(.minutes(1)))
struct OwnedTasksTests {
    @Test func tasksStartedBeforeTheRunBeginsRunInIt() async {
        let tasks = OwnedTasks()
        let (marks, sink) = AsyncStream.makeStream(of: String.self)
        tasks.start { sink.yield("one") }
        tasks.start { sink.yield("two") }
        async let running: Void = tasks.run()
        var seen = marks.makeAsyncIterator()
        let first = await seen.next()
        let second = await seen.next()
        #expect(Set([first, second]) == ["one", "two"])
        tasks.finish()
        await running
        #expect(tasks.dropped == 0)
    }

    @Test func finishCancelsTheTasksStillRunningAndTheRunWaitsForThem() async {
        let tasks = OwnedTasks()
        let record = Record()
        let (marks, sink) = AsyncStream.makeStream(of: String.self)
        tasks.start(parked("a", record, sink))
        tasks.start(parked("b", record, sink))
        async let running: Void = tasks.run()
        var seen = marks.makeAsyncIterator()
        _ = await seen.next()
        _ = await seen.next()
        tasks.finish()
        await running
        // Both ended, cancelled, before `run()` returned.
        #expect(Set(record.all) == ["a cancelled", "b cancelled"])
    }

    @Test func oneTaskIsCancelledOnItsOwn() async {
        let tasks = OwnedTasks()
        let record = Record()
        let (marks, sink) = AsyncStream.makeStream(of: String.self)
        let a = tasks.start(parked("a", record, sink))
        tasks.start(parked("b", record, sink))
        async let running: Void = tasks.run()
        var seen = marks.makeAsyncIterator()
        _ = await seen.next()
        _ = await seen.next()
        a.cancel()
        #expect(a.isCancelled)
        // `a` ends by itself; `b` is still parked.
        var ends = record.ends.makeAsyncIterator()
        #expect(await ends.next() == "a cancelled")
        #expect(record.all == ["a cancelled"])
        tasks.finish()
        await running
        #expect(record.all == ["a cancelled", "b cancelled"])
    }

    @Test func aTaskCancelledBeforeTheRunTakesItNeverRuns() async {
        let tasks = OwnedTasks()
        let record = Record()
        let early = tasks.start { record.add("early ran") }
        early.cancel()
        let (marks, sink) = AsyncStream.makeStream(of: String.self)
        tasks.start { sink.yield("later") }
        async let running: Void = tasks.run()
        var seen = marks.makeAsyncIterator()
        // Tasks are taken in order: once the later one ran, the early one was passed over.
        #expect(await seen.next() == "later")
        tasks.finish()
        await running
        #expect(record.all.isEmpty)
    }

    @Test func aTaskStartedAfterFinishNeverRunsAndIsCounted() async {
        let tasks = OwnedTasks()
        let record = Record()
        tasks.finish()
        let late = tasks.start { record.add("late ran") }
        await tasks.run()
        #expect(late.isCancelled)
        #expect(tasks.dropped == 1)
        #expect(record.all.isEmpty)
    }

    @Test func atMostPendingLimitTasksWaitForTheRun() async {
        let tasks = OwnedTasks(pendingLimit: 3)
        let record = Record()
        let waiting = (1...3).map { n in tasks.start { record.add("\(n)") } }
        #expect(tasks.dropped == 0, "at the limit")
        let past = tasks.start { record.add("4") }
        #expect(tasks.dropped == 1, "one past the limit")
        #expect(past.isCancelled && !waiting.contains { $0.isCancelled })
        async let running: Void = tasks.run()
        var ends = record.ends.makeAsyncIterator()
        for _ in 1...3 { _ = await ends.next() }
        tasks.finish()
        await running
        #expect(record.all.sorted() == ["1", "2", "3"])
    }

    @Test func cancellingTheRunCancelsItsTasks() async {
        let tasks = OwnedTasks()
        let record = Record()
        let (marks, sink) = AsyncStream.makeStream(of: String.self)
        tasks.start(parked("a", record, sink))
        let run = Task { await tasks.run() }
        var seen = marks.makeAsyncIterator()
        _ = await seen.next()
        run.cancel()
        await run.value
        #expect(record.all == ["a cancelled"])
    }
}
