// parley's chat client benchmarks (issue 6): with a 100,000-message history, opening the
// conversation and drawing its last screen (target < 50 ms), and a keystroke echoed on the
// screen while a call runs in the same process (target: within one frame). The database is a
// real SQLite file made through ParleyStore before the measurements; the call is two real
// CallEngines over an encrypted loopback session streaming Assets/audio/speech.wav.
// Targets are checked by ../../run.sh.

import Benchmark
import Calls
import ChatModel
import Foundation
import ParleyApp
import Store
import TUI

let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal]
    let now = Date(timeIntervalSince1970: 1_797_280_000)

    // Opening: the store opened (schema checked), the last page of the big conversation read,
    // turned into the screen's model, and one frame drawn. As `parley chat` does on start.
    func openBenchmark(rows: Int, columns: Int) {
        Benchmark(
            "Chat: open 100k-message history + last screen \(columns)x\(rows)",
            configuration: .init(
                metrics: metrics, timeUnits: .microseconds, warmupIterations: 3, maxDuration: .seconds(5),
                maxIterations: 2_000)
        ) { (benchmark: Benchmark, fixture: ChatFixture) in
            // One open per sample; the store is closed after the measurement (closing checkpoints
            // the WAL and waits for the disk: that is quitting's cost, not opening's).
            var opened: ParleyStore?
            benchmark.startMeasurement()
            do {
                let store = try ParleyStore(path: fixture.path)
                let stored = try store.messages(in: fixture.bigConversation, limit: ChatFixture.recentHistory)
                var screen = OpenConversation.screen(stored, conversation: fixture.bigConversation, now: now)
                blackHole(screen.render(rows: rows, columns: columns, now: now))
                opened = store
            } catch {
                benchmark.error("opening failed: \(error)")
            }
            benchmark.stopMeasurement()
            opened = nil
        } setup: {
            try ChatFixture.makeRegistered()
        } teardown: {
            Fixtures.removeAll()
        }
    }
    openBenchmark(rows: 24, columns: 80)
    openBenchmark(rows: 60, columns: 200)

    // The store already open (switching windows, `/win N`): the page read, the model, a frame.
    Benchmark(
        "Chat: switch to the 100k conversation, store open, 80x24",
        configuration: .init(
            metrics: metrics, timeUnits: .microseconds, warmupIterations: 3, maxDuration: .seconds(5),
            maxIterations: 5_000)
    ) { (benchmark: Benchmark, opened: OpenedStore) in
        for _ in benchmark.scaledIterations {
            do {
                let stored = try opened.store.messages(
                    in: opened.fixture.bigConversation, limit: ChatFixture.recentHistory)
                var screen = OpenConversation.screen(stored, conversation: opened.fixture.bigConversation, now: now)
                blackHole(screen.render(rows: 24, columns: 80, now: now))
            } catch {
                benchmark.error("reading failed: \(error)")
                return
            }
        }
    } setup: {
        let fixture = try ChatFixture.makeRegistered()
        return OpenedStore(fixture: fixture, store: try ParleyStore(path: fixture.path))
    } teardown: {
        Fixtures.removeAll()
    }

    // A keystroke on the screen's task: the line editor, then the whole frame drawn again, the
    // conversation's last page and the call's status bar included.
    Benchmark(
        "Chat: keystroke to frame 80x24 while a call runs",
        configuration: .init(
            metrics: metrics, timeUnits: .microseconds, warmupIterations: 20, maxDuration: .seconds(4),
            maxIterations: 20_000)
    ) { (benchmark: Benchmark, rig: EchoRig) in
        // One key per sample, then a yield: the screen's task runs in bursts, and a busy loop on
        // a pool one thread wide (--one-cpu) would starve the call this runs beside.
        let key = rig.nextKey()
        benchmark.startMeasurement()
        blackHole(rig.echo(key, now: now))
        benchmark.stopMeasurement()
        await Task.yield()
    } setup: {
        try await EchoRig.make(now: now)
    } teardown: {
        await EchoRig.stopAll()
    }

    // The same, woken the way the full-screen client is: a thread blocked in poll(2) on a file
    // descriptor (a pipe here, the terminal there) hands "input" to the screen's task through an
    // AsyncStream; the task reads the byte, decodes it, handles the key and draws the frame.
    Benchmark(
        "Chat: keystroke through a poll(2) thread to frame 80x24 while a call runs",
        configuration: .init(
            metrics: metrics, timeUnits: .microseconds, warmupIterations: 20, maxDuration: .seconds(4),
            maxIterations: 20_000)
    ) { (benchmark: Benchmark, rig: EchoRig) in
        for _ in benchmark.scaledIterations {
            do {
                blackHole(try await rig.echoThroughPoll(now: now))
            } catch {
                benchmark.error("\(error)")
                return
            }
        }
    } setup: {
        try await EchoRig.make(now: now)
    } teardown: {
        await EchoRig.stopAll()
    }
}

/// The fixture with its store kept open.
struct OpenedStore: Sendable {
    let fixture: ChatFixture
    let store: ParleyStore
}
