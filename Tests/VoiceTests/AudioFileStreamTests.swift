import Foundation
import Testing

@testable import Voice

@Suite struct AudioFileStreamTests {
    @Test func aFileStreamsAtRealTimePaceAndEnds() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("short.wav")
        let samples = Signal.sine(frequency: 1000, sampleRate: 16_000, seconds: 0.2)
        try writeAudioFile(path, samples, sampleRate: 16_000)
        let started = ContinuousClock.now
        var frames: [[Int16]] = []
        for try await frame in try AudioFileReader.pacedFrames(path: path) { frames.append(frame) }
        let elapsed = ContinuousClock.now - started
        #expect(frames.count == 10)
        #expect(frames == (try AudioFileReader(path: path).readAllFrames()))
        #expect(elapsed >= .milliseconds(180), "10 frames of 20 ms came in \(elapsed)")
    }

    @Test func repeatingStartsOverAtTheEnd() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("tiny.wav")
        try writeAudioFile(path, [Int16](repeating: 500, count: 960 * 2), sampleRate: 48_000)
        var count = 0
        for try await frame in try AudioFileReader.pacedFrames(path: path, repeating: true) {
            #expect(frame.allSatisfy { $0 == 500 })
            count += 1
            if count == 5 { break }
        }
        #expect(count == 5)
    }

    /// The frames are read in the consuming task: cancelling it ends the sequence, without an
    /// error, even a repeating one that never ends by itself.
    @Test func cancellingTheConsumerEndsTheSequence() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("loop.wav")
        try writeAudioFile(path, [Int16](repeating: 500, count: 960 * 2), sampleRate: 48_000)
        let frames = try AudioFileReader.pacedFrames(path: path, repeating: true)
        let (started, didStart) = AsyncStream.makeStream(of: Void.self)
        let outcome = await withTaskGroup(of: Result<Int, any Error>.self) { group in
            group.addTask {
                var count = 0
                do {
                    for try await _ in frames {
                        count += 1
                        if count == 2 { didStart.finish() }
                    }
                    return .success(count)
                } catch {
                    return .failure(error)
                }
            }
            for await _ in started {}
            group.cancelAll()
            return await group.next()
        }
        let count = try #require(try outcome?.get())
        #expect(count >= 2)
    }

    /// A consumer that falls behind gets at most `backlog` frames it missed; older ones are
    /// skipped, as a microphone's buffer overruns.
    @Test func aConsumerFarBehindSkipsAllButTheBacklog() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("numbered.wav")
        // Frame k holds the value k: 150 frames of 20 ms at 48 kHz.
        let samples = (0..<150).flatMap { [Int16](repeating: Int16($0), count: 960) }
        try writeAudioFile(path, samples, sampleRate: 48_000)
        var iterator = try AudioFileReader.pacedFrames(path: path).makeAsyncIterator()
        #expect(try await iterator.next()?.first == 0)
        // 1.5 s late: 75 frames were due; the oldest 26 of them are gone.
        try await Task.sleep(for: .milliseconds(1500))
        let next = try #require(try await iterator.next()?.first)
        #expect(next >= 75 - PacedFrames<ContinuousClock>.backlog + 1, "frame \(next)")
        // The frames after it follow in order, none skipped while the consumer keeps up.
        let after = try #require(try await iterator.next()?.first)
        #expect(after == next + 1)
    }

    /// Far behind near the end of a file: the frames left (fewer than the backlog) all come, at
    /// once, then the end.
    @Test func aConsumerFarBehindNearTheEndGetsEveryFrameLeft() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("ten.wav")
        let samples = (0..<10).flatMap { [Int16](repeating: Int16($0), count: 960) }
        try writeAudioFile(path, samples, sampleRate: 48_000)
        var iterator = try AudioFileReader.pacedFrames(path: path).makeAsyncIterator()
        #expect(try await iterator.next()?.first == 0)
        try await Task.sleep(for: .milliseconds(1500))
        var rest: [Int16] = []
        while let frame = try await iterator.next() { rest.append(frame[0]) }
        #expect(rest == Array(1..<10))
    }

    @Test func openingErrorsAreThrownAtOnce() {
        #expect(throws: AudioFileError.notFound(path: "/nonexistent/x.wav")) {
            try AudioFileReader.pacedFrames(path: "/nonexistent/x.wav")
        }
    }
}
