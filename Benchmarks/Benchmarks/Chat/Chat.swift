// parley's chat client benchmarks (issue 6): with a 100,000-message history, opening the
// conversation and drawing its last screen (target < 50 ms), a 5,000-character paste reaching a
// drawn frame (target < 50 ms, issue 18), and a keystroke echoed on the
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

    // A 5,000-character paste (50 lines of 100) read at once, as one wake-up of the screen's
    // loop gets it: every scalar through the key decoder, the keys through the screen as one
    // batch (the input line takes the paste and asks before sending 50 lines), then one frame
    // of the 100k conversation drawn. Bracketed (the terminal marks the paste) and guessed (a
    // terminal without bracketed paste: many keys at once with line breaks inside).
    func pasteBenchmark(bracketed: Bool) {
        let lines = (1...50).map { "line \(String(format: "%02d", $0)) " + String(repeating: "x", count: 91) }
        let text = lines.joined(separator: "\r")
        let bytes = bracketed ? "\u{1B}[200~" + text + "\u{1B}[201~" : text
        let inputs = bytes.unicodeScalars.map { RawInput.scalar($0) }
        Benchmark(
            "Chat: \(bracketed ? "bracketed" : "unbracketed") paste of \(text.count) characters to frame 80x24",
            configuration: .init(
                metrics: metrics, timeUnits: .microseconds, warmupIterations: 3, maxDuration: .seconds(5),
                maxIterations: 2_000)
        ) { (benchmark: Benchmark, box: ScreenBox) in
            // A fresh copy of the screen per sample: each paste lands on an empty input line.
            var screen = box.screen
            var decoder = KeyDecoder()
            benchmark.startMeasurement()
            _ = InputBatch.handle(inputs, idle: false, decoder: &decoder, screen: &screen, now: now)
            let frame = screen.render(rows: 24, columns: 80, now: now)
            benchmark.stopMeasurement()
            guard frame.textLines.contains(where: { $0.contains("paste 50 lines") }) else {
                benchmark.error("the paste did not reach the input line: \(frame.textLines)")
                return
            }
        } setup: {
            let fixture = try ChatFixture.makeRegistered()
            let store = try ParleyStore(path: fixture.path)
            let stored = try store.messages(in: fixture.bigConversation, limit: ChatFixture.recentHistory)
            return ScreenBox(screen: OpenConversation.screen(stored, conversation: fixture.bigConversation, now: now))
        } teardown: {
            Fixtures.removeAll()
        }
    }
    pasteBenchmark(bracketed: true)
    pasteBenchmark(bracketed: false)

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

/// A screen showing the 100k conversation, copied for each sample.
struct ScreenBox: Sendable {
    let screen: ChatScreen
}

/// The fixture with its store kept open.
struct OpenedStore: Sendable {
    let fixture: ChatFixture
    let store: ParleyStore
}
