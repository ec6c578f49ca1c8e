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

    @Test func openingErrorsAreThrownAtOnce() {
        #expect(throws: AudioFileError.notFound(path: "/nonexistent/x.wav")) {
            try AudioFileReader.pacedFrames(path: "/nonexistent/x.wav")
        }
    }
}
