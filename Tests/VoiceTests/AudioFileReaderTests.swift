import Foundation
import Testing

@testable import Voice

@Suite struct AudioFileReaderTests {
    @Test(arguments: [8_000, 16_000, 44_100, 48_000, 96_000])
    func aSineKeepsItsPitchAndDurationAtEveryInputRate(rate: Int) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("sine-\(rate).wav")
        try writeAudioFile(path, Signal.sine(frequency: 1000, sampleRate: rate, seconds: 1.5), sampleRate: rate)

        let reader = try AudioFileReader(path: path)
        #expect(reader.sourceSampleRate == rate)
        #expect(reader.duration == .milliseconds(1500))
        #expect(reader.frameCount == 75)
        let frames = try reader.readAllFrames()
        #expect(frames.count == 75)
        #expect(frames.allSatisfy { $0.count == 960 })
        let samples = frames.flatMap { $0 }
        // Away from the edges, the tone is 1 kHz within 0.1 % and keeps its level.
        let middle = Array(samples[4_800..<(samples.count - 4_800)])
        let frequency = Signal.frequency(of: middle, sampleRate: 48_000)
        #expect(abs(frequency - 1000) < 1, "measured \(frequency) Hz")
        let level = InputLevel(measuring: middle).rms
        #expect(abs(level - (-9.03)) < 0.3, "sine at half scale reads \(level) dBFS")
    }

    @Test func aFileAt48kHzMonoComesOutSampleForSample() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("exact.wav")
        let samples = Signal.noise(count: 48_000, amplitude: 0.9) + [Int16.max, Int16.min, 0, 1, -1]
        try writeAudioFile(path, samples, sampleRate: 48_000)
        let frames = try AudioFileReader(path: path).readAllFrames()
        #expect(frames.count == 51)
        #expect(Array(frames.flatMap { $0 }.prefix(samples.count)) == samples)
    }

    @Test func theLastFrameIsPaddedWithSilence() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("short.wav")
        try writeAudioFile(path, [Int16](repeating: 1000, count: 1000), sampleRate: 48_000)
        let reader = try AudioFileReader(path: path)
        #expect(reader.frameCount == 2)
        let frames = try reader.readAllFrames()
        #expect(frames.count == 2)
        #expect(frames[1][0..<40].allSatisfy { $0 == 1000 })
        #expect(frames[1][40...].allSatisfy { $0 == 0 })
        #expect(try reader.nextFrame() == nil)
    }

    @Test func stereoIsAveragedToMono() throws {
        let directory = try TemporaryDirectory()
        let tone = Signal.sine(frequency: 440, sampleRate: 48_000, seconds: 0.5)
        let same = directory.file("same.wav")
        try writeAudioFile(same, zip(tone, tone).flatMap { [$0, $1] }, sampleRate: 48_000, channels: 2)
        let opposite = directory.file("opposite.flac")
        try writeAudioFile(opposite, tone.flatMap { [$0, -$0] }, sampleRate: 48_000, channels: 2)

        let sameReader = try AudioFileReader(path: same)
        #expect(sameReader.sourceChannels == 2)
        #expect(Array(try sameReader.readAllFrames().flatMap { $0 }.prefix(tone.count)) == tone)
        let oppositeReader = try AudioFileReader(path: opposite)
        #expect(oppositeReader.sourceFormat.contains("FLAC"))
        #expect(try oppositeReader.readAllFrames().allSatisfy { frame in frame.allSatisfy { $0 == 0 } })
    }

    @Test func framesCanBeStereoAtOtherSizes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("mono16k.wav")
        try writeAudioFile(path, Signal.sine(frequency: 500, sampleRate: 16_000, seconds: 1), sampleRate: 16_000)
        let format = PCMFormat(sampleRate: 16_000, channels: 2, frameSize: 160)
        let frames = try AudioFileReader(path: path, format: format).readAllFrames()
        #expect(frames.count == 100)
        #expect(frames.allSatisfy { $0.count == 320 })
        #expect(
            frames.allSatisfy { frame in stride(from: 0, to: 320, by: 2).allSatisfy { frame[$0] == frame[$0 + 1] } })
    }

    @Test func aMissingFileNamesThePath() throws {
        #expect(throws: AudioFileError.notFound(path: "/nonexistent/speech.wav")) {
            try AudioFileReader(path: "/nonexistent/speech.wav")
        }
        let error = AudioFileError.notFound(path: "/nonexistent/speech.wav")
        #expect(error.description == "audio file '/nonexistent/speech.wav': no such file")
    }

    @Test func aDirectoryIsRefused() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: AudioFileError.unreadable(path: directory.path, reason: "it is a directory")) {
            try AudioFileReader(path: directory.path)
        }
    }

    @Test func textIsNotAudio() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("notes.wav")
        try Data("this is not a sound file, only text\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try AudioFileReader(path: path)
            Issue.record("text was accepted as audio")
        } catch {
            guard case .unsupported(let where_, let reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(where_ == path)
            #expect(!reason.isEmpty)
            #expect(error.description.hasPrefix("audio file '\(path)': not a supported audio file: "))
        }
    }

    @Test func aFileWithoutSamplesIsEmpty() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("empty.wav")
        try writeAudioFile(path, [], sampleRate: 48_000)
        #expect(throws: AudioFileError.empty(path: path)) { try AudioFileReader(path: path) }
    }

    @Test func aDamagedFlacFailsWithTheDecodersReason() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("damaged.flac")
        try writeAudioFile(path, Signal.noise(count: 96_000, amplitude: 0.5), sampleRate: 48_000)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for index in stride(from: bytes.count / 3, to: bytes.count * 2 / 3, by: 7) { bytes[index] ^= 0xA5 }
        try bytes.write(to: URL(fileURLWithPath: path))
        let reader = try AudioFileReader(path: path)  // the header is intact
        do {
            _ = try reader.readAllFrames()
            Issue.record("a damaged FLAC read without error")
        } catch {
            guard case .corrupt(let where_, let reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(where_ == path)
            #expect(reason.contains("lost sync"), "\(reason)")
        }
    }
}

extension AudioFileReaderTests {
    @Test func aTruncatedWavReadsWhatIsThere() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("cut.wav")
        try writeAudioFile(path, [Int16](repeating: 1234, count: 48_000), sampleRate: 48_000)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 44 + 24_000 * 2)
        try handle.close()
        // libsndfile trusts the data it finds over the header's length.
        let reader = try AudioFileReader(path: path)
        #expect(reader.duration == .milliseconds(500))
        let samples = try reader.readAllFrames().flatMap { $0 }
        #expect(samples.count == 24_000)
        #expect(samples.allSatisfy { $0 == 1234 })
    }
}
