import Calls
import ChatModel
import Foundation
import ParleyApp
import Store
import TUI

/// Fixtures made by this process, removed in teardown.
enum Fixtures {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var made: [ChatFixture] = []

    static func add(_ fixture: ChatFixture) { lock.withLock { made.append(fixture) } }

    static func removeAll() {
        let all = lock.withLock {
            defer { made = [] }
            return made
        }
        for fixture in all { fixture.remove() }
    }
}

extension ChatFixture {
    /// As `make()`, registered for removal in teardown.
    static func makeRegistered() throws -> ChatFixture {
        let fixture = try make()
        Fixtures.add(fixture)
        return fixture
    }
}

/// A chat screen showing the last page of the 100k-message conversation with a call in its
/// status bar, while a real call streams speech between two engines in this process.
final class EchoRig: @unchecked Sendable {
    nonisolated(unsafe) private static var calls: [LoopbackCall] = []
    private static let lock = NSLock()

    private var screen: ChatScreen
    private var typed = 0
    private let call: LoopbackCall
    private let framesAtStart: Int
    // The poll(2) path.
    private let pipeRead: Int32
    private let pipeWrite: Int32
    private var wakes: AsyncStream<Void>.Iterator
    private let watcher: PollThread
    private var decoder = KeyDecoder()

    private init(screen: ChatScreen, call: LoopbackCall, framesAtStart: Int) throws {
        self.screen = screen
        self.call = call
        self.framesAtStart = framesAtStart
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ChatBenchmarkFailure("pipe: errno \(errno)") }
        (pipeRead, pipeWrite) = (fds[0], fds[1])
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        wakes = stream.makeAsyncIterator()
        watcher = PollThread(descriptor: fds[0], wakes: continuation)
    }

    static func make(now: Date) async throws -> EchoRig {
        let fixture = try ChatFixture.makeRegistered()
        let store = try ParleyStore(path: fixture.path)
        let stored = try store.messages(in: fixture.bigConversation, limit: ChatFixture.recentHistory)
        var screen = OpenConversation.screen(stored, conversation: fixture.bigConversation, now: now)
        _ = screen.apply(
            .call(
                CallStatus(
                    peerNickname: ChatFixture.big.nickname, phase: .active(since: now.addingTimeInterval(-95)),
                    stats: CallStats(roundTripMilliseconds: 0.4, lossPercent: 0, jitterMilliseconds: 2),
                    inputLevel: 0.4)), now: now)

        let call = try await LoopbackCall.start(streaming: speechPath)
        lock.withLock { calls.append(call) }
        // Audio must be flowing before anything is measured.
        let deadline = ContinuousClock.now + .seconds(5)
        while await call.framesReceived < 25 {
            guard ContinuousClock.now < deadline else { throw ChatBenchmarkFailure("no audio arrived within 5 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try EchoRig(screen: screen, call: call, framesAtStart: await call.framesReceived)
    }

    static func stopAll() async {
        let all = lock.withLock {
            defer { calls = [] }
            return calls
        }
        for call in all {
            let frames = await call.framesReceived
            // 20 ms frames: a call that stalled while we measured would not be load.
            print("call during the measurement: \(frames) voice frames received")
            await call.stop()
        }
        Fixtures.removeAll()
    }

    static let speechPath: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Assets/audio/speech.wav")
            .path
    }()

    /// Letters, and Ctrl-U to empty the line every 60 of them (a keystroke to echo too).
    func nextKey() -> Key {
        typed += 1
        if typed % 61 == 0 { return .control("u") }
        return .character(Character(Unicode.Scalar(UInt8(97 + typed % 26))))
    }

    /// One key handled and the frame drawn, as the screen's loop does.
    func echo(_ key: Key, now: Date) -> Frame {
        _ = screen.handle(key, now: now)
        return screen.render(rows: 24, columns: 80, now: now)
    }

    /// One byte written to the pipe; the poll thread wakes the task, which reads it, decodes the
    /// key, handles it and draws the frame.
    func echoThroughPoll(now: Date) async throws -> Frame {
        let key = nextKey()
        var byte: UInt8 = if case .control = key { 0x15 } else { UInt8(97 + typed % 26) }
        guard write(pipeWrite, &byte, 1) == 1 else { throw ChatBenchmarkFailure("write: errno \(errno)") }
        guard await wakes.next() != nil else { throw ChatBenchmarkFailure("the poll thread stopped") }
        var buffer: UInt8 = 0
        guard read(pipeRead, &buffer, 1) == 1 else { throw ChatBenchmarkFailure("read: errno \(errno)") }
        watcher.resume()
        var frame: Frame?
        for key in decoder.feed(.scalar(Unicode.Scalar(buffer))) { frame = echo(key, now: now) }
        guard let frame else { throw ChatBenchmarkFailure("byte \(buffer) decoded to no key") }
        return frame
    }

    deinit {
        watcher.stop()
        close(pipeWrite)
        close(pipeRead)
    }
}

/// What the full-screen client's input thread does (TUI's InputWatcher): poll(2) with the
/// screen's 100 ms tick as timeout; on input, wake the screen's task and wait until it has read.
final class PollThread: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private let drained = DispatchSemaphore(value: 0)

    init(descriptor: Int32, wakes: AsyncStream<Void>.Continuation) {
        let thread = Thread { [self] in
            while !isStopped {
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&entry, 1, 100)
                if isStopped { break }
                if ready > 0 {
                    wakes.yield()
                    _ = drained.wait(timeout: .now() + .seconds(1))
                }
            }
            wakes.finish()
        }
        thread.start()
    }

    private var isStopped: Bool { lock.withLock { stopped } }
    func resume() { drained.signal() }
    func stop() {
        lock.withLock { stopped = true }
        drained.signal()
    }
}
