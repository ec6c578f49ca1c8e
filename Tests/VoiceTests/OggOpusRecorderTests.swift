import Foundation
import Testing

@testable import Voice

@Suite struct OggOpusRecorderTests {
    /// Records `seconds` of a 440 Hz tone in 20 ms frames.
    private func recordTone(to path: String, seconds: Double) throws -> OggOpusRecorder {
        let recorder = try OggOpusRecorder(path: path, title: "parley test call")
        for frame in Signal.frames(Signal.sine(frequency: 440, sampleRate: 48_000, seconds: seconds)) {
            try recorder.write(frame)
        }
        try recorder.finish()
        return recorder
    }

    /// A call recorded to a `.wav` or `.flac` name keeps every sample as played; any other name
    /// is Ogg Opus.
    @Test(arguments: ["heard.wav", "heard.FLAC"]) func pcmNamesRecordLosslessly(name: String) throws {
        let directory = try TemporaryDirectory()
        let tone = Signal.sine(frequency: 440, sampleRate: 48_000, seconds: 0.5)
        let recording = try openCallRecording(path: directory.file(name), format: .voice)
        #expect(recording is AudioFileWriter)
        for frame in Signal.frames(tone) { try recording.write(frame) }
        try recording.finish()
        #expect(throws: AudioFileError.self) { try recording.write(Signal.frames(tone)[0]) }
        let back = try AudioFileReader(path: directory.file(name)).readAllFrames().flatMap { $0 }
        #expect(back == Array(tone.prefix(back.count)) && back.count == tone.count)
        #expect(try openCallRecording(path: directory.file("heard.opus"), format: .voice) is OggOpusRecorder)
    }

    /// A call that ends before anything was played (hung up within the first 20 ms): the file
    /// is finished, and valid, instead of libopusenc aborting the process when it is drained
    /// empty. Both ways out: `finish()`, and deinit without it.
    @Test func aRecordingWithNothingWrittenIsFinishedNotAborted() throws {
        let directory = try TemporaryDirectory()
        let finished = try OggOpusRecorder(path: directory.file("empty.opus"))
        try finished.finish()
        #expect(finished.duration == .milliseconds(20), "one frame of silence")
        do { _ = try OggOpusRecorder(path: directory.file("dropped.opus")) }
        for name in ["empty.opus", "dropped.opus"] {
            let size = try FileManager.default.attributesOfItem(atPath: directory.file(name))[.size] as? Int ?? 0
            #expect(size > 0, "\(name)")
            if toolExists("opusinfo") {
                let (status, output) = try runTool(["opusinfo", directory.file(name)])
                #expect(status == 0, "\(name): \(output)")
            }
        }
    }

    @Test func opusinfoAcceptsTheRecordingAndReportsItsLengthAndComments() throws {
        try #require(toolExists("opusinfo"), "opusinfo (Debian opus-tools) is needed; see .ci/deps")
        let directory = try TemporaryDirectory()
        let path = directory.file("call.opus")
        let recorder = try recordTone(to: path, seconds: 3)
        #expect(recorder.duration == .seconds(3))

        let (status, output) = try runTool(["opusinfo", path])
        #expect(status == 0, "opusinfo said: \(output)")
        #expect(output.contains("Channels: 1"), "\(output)")
        #expect(output.contains("TITLE=parley test call"), "\(output)")
        #expect(output.contains("ENCODER=parley"), "\(output)")
        #expect(output.contains("Playback length: 0m:03"), "\(output)")
        #expect(!output.lowercased().contains("warning"), "\(output)")
    }

    @Test func opusdecDecodesTheRecordingToTheSameDuration() throws {
        try #require(toolExists("opusdec"), "opusdec (Debian opus-tools) is needed; see .ci/deps")
        let directory = try TemporaryDirectory()
        let path = directory.file("call.opus")
        _ = try recordTone(to: path, seconds: 2)
        let decoded = directory.file("decoded.wav")
        let (status, output) = try runTool(["opusdec", "--quiet", "--rate", "48000", path, decoded])
        #expect(status == 0, "opusdec said: \(output)")

        let reader = try AudioFileReader(path: decoded)
        #expect(reader.sourceSampleRate == 48_000)
        #expect(reader.duration == .seconds(2))
        let samples = try reader.readAllFrames().flatMap { $0 }
        let frequency = Signal.frequency(of: Array(samples[4_800..<91_200]), sampleRate: 48_000)
        #expect(abs(frequency - 440) < 1, "decoded tone is \(frequency) Hz")
    }

    @Test func theOpusFileReaderReadsWhatTheRecorderWrote() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("call.opus")
        _ = try recordTone(to: path, seconds: 1)
        let reader = try AudioFileReader(path: path)
        #expect(reader.sourceFormat == "Ogg Opus")
        #expect(reader.sourceSampleRate == 48_000)
        #expect(reader.sourceChannels == 1)
        #expect(reader.duration == .seconds(1))
        let frames = try reader.readAllFrames()
        #expect(frames.count == 50)
        let samples = frames.flatMap { $0 }
        let frequency = Signal.frequency(of: Array(samples[4_800..<43_200]), sampleRate: 48_000)
        #expect(abs(frequency - 440) < 1, "tone read back is \(frequency) Hz")
        // A 440 Hz sine at half scale reads about -9 dBFS; Opus at 32 kbit/s keeps it within 1 dB.
        #expect(abs(InputLevel(measuring: samples[4_800..<43_200]).rms - (-9.03)) < 1)
    }

    @Test func aRecordingAtAnotherRateStillPlaysAtItsOwnSpeed() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("wideband.opus")
        let format = PCMFormat(sampleRate: 16_000, channels: 1, frameSize: 320)
        let recorder = try OggOpusRecorder(path: path, format: format)
        for frame in Signal.frames(Signal.sine(frequency: 1000, sampleRate: 16_000, seconds: 1), size: 320) {
            try recorder.write(frame)
        }
        try recorder.finish()
        let samples = try AudioFileReader(path: path).readAllFrames().flatMap { $0 }
        #expect(samples.count == 48_000)
        #expect(abs(Signal.frequency(of: Array(samples[4_800..<43_200]), sampleRate: 48_000) - 1000) < 1)
    }

    @Test func aDamagedOpusFileSkipsTheBadPages() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("damaged.opus")
        _ = try recordTone(to: path, seconds: 3)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for index in stride(from: bytes.count / 2, to: bytes.count / 2 + 400, by: 5) { bytes[index] ^= 0x5A }
        try bytes.write(to: URL(fileURLWithPath: path))
        let reader = try AudioFileReader(path: path)
        let frames = try reader.readAllFrames()
        print("damaged Opus: \(frames.count) of \(reader.frameCount) frames read")
        // Pages failing their checksum are dropped, as opusdec drops them; the rest still plays.
        #expect(frames.count < reader.frameCount)
        #expect(frames.count > reader.frameCount / 2)
    }

    @Test func aMissingDirectoryIsAClearError() throws {
        let path = "/nonexistent-parley-dir/call.opus"
        do {
            _ = try OggOpusRecorder(path: path)
            Issue.record("created a file in a missing directory")
        } catch {
            guard case .unwritable(let where_, let reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(where_ == path)
            #expect(reason.contains("No such file or directory"), "reason: \(reason)")
        }
    }

    @Test func anUnwritableDirectoryIsAClearError() throws {
        let directory = try TemporaryDirectory()
        let locked = directory.file("locked")
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: locked)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: locked) }
        let path = locked + "/call.opus"
        // root writes anywhere; then a read-only directory cannot show the error.
        if access(locked, W_OK) == 0 {
            #expect(throws: AudioFileError.self) { try OggOpusRecorder(path: "/proc/parley-call.opus") }
            return
        }
        #expect(throws: AudioFileError.self) { try OggOpusRecorder(path: path) }
    }

    @Test func aFullDiskIsReportedWhenWritingOrFinishing() throws {
        try #require(FileManager.default.fileExists(atPath: "/dev/full"), "/dev/full stands for a full disk")
        let recorder = try OggOpusRecorder(path: "/dev/full")
        var failure: AudioFileError?
        do {
            for frame in Signal.frames(Signal.noise(count: 48_000 * 5, amplitude: 0.5)) { try recorder.write(frame) }
            try recorder.finish()
        } catch {
            failure = error
        }
        let error = try #require(failure, "writing to a full disk reported no error")
        #expect(error.path == "/dev/full")
        #expect(error.description.contains("No space left on device"), "\(error)")
        #expect(throws: AudioFileError.self) { try recorder.write(Signal.noise(count: 960, amplitude: 0.1)) }
    }

    @Test func badParametersAreRefused() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: AudioFileError.self) { try OggOpusRecorder(path: directory.file("a.opus"), bitrate: 100) }
        #expect(throws: AudioFileError.self) {
            try OggOpusRecorder(path: directory.file("b.opus"), format: PCMFormat(channels: 3))
        }
    }
}
