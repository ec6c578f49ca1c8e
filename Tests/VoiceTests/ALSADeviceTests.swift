import Foundation
import Testing

@testable import Voice

/// The device path against ALSA's `null` device (this machine has no sound card) and its
/// `file` plugin, which lets capture read back what playback wrote.
@Suite struct ALSADeviceTests {
    @Test func theListHasDefaultAndNull() throws {
        let devices = AudioDevices.list()
        #expect(devices.first?.name == "default")
        let null = try #require(devices.first { $0.name == "null" })
        #expect(null.playback && null.capture)
        #expect(null.description.hasPrefix("Discard all samples"))
        #expect(null.playbackOpens == true)
        #expect(null.captureOpens == true)
        let unprobed = AudioDevices.list(probe: false)
        #expect(unprobed.map(\.name) == devices.map(\.name))
        #expect(unprobed.allSatisfy { $0.playbackOpens == nil && $0.captureOpens == nil })
    }

    @Test func anUnknownDeviceIsAClearError() {
        #expect(throws: AudioDeviceError.unknownDevice(name: "parley-no-such-device")) {
            try ALSACapture(device: "parley-no-such-device")
        }
        #expect(throws: AudioDeviceError.unknownDevice(name: "parley-no-such-device")) {
            try ALSAPlayback(device: "parley-no-such-device")
        }
        #expect(
            AudioDeviceError.unknownDevice(name: "x").description
                == "audio device 'x': no such ALSA device, or no sound card behind it "
                + "('parley audio devices' lists the devices)")
    }

    @Test func captureFromNullGivesSilenceAtRealTimePace() async throws {
        let microphone = try ALSACapture(device: "null")
        let started = ContinuousClock.now
        var frames: [[Int16]] = []
        for await frame in microphone.frames {
            frames.append(frame)
            if frames.count == 25 { break }
        }
        let elapsed = ContinuousClock.now - started
        microphone.stop()
        #expect(frames.count == 25)
        #expect(frames.allSatisfy { $0.count == 960 && $0.allSatisfy { $0 == 0 } })
        // 25 frames are 500 ms; the pacer lets the thread run at most one device buffer (60 ms) ahead.
        #expect(elapsed >= .milliseconds(400), "25 frames came in \(elapsed)")
        #expect(microphone.statistics.frames >= 25)
        #expect(microphone.failure == nil)
    }

    @Test func stoppingEndsTheFrameStream() async throws {
        let microphone = try ALSACapture(device: "null")
        let reader = Task {
            var count = 0
            for await _ in microphone.frames { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(100))
        microphone.stop()
        let count = await reader.value
        #expect(count >= 1)
        microphone.stop()  // a second stop is harmless
    }

    @Test func playbackToNullWritesEveryFrameInOrder() async throws {
        let written = WrittenFrames()
        let speaker = try ALSAPlayback(device: "null", onWrite: { written.append($0) })
        let frames = (1...25).map { index in [Int16](repeating: Int16(index), count: 960) }
        for frame in frames {
            speaker.play(frame)
            try await Task.sleep(for: .milliseconds(20))
        }
        speaker.stop(drain: true)
        let sent = written.frames.filter { $0[0] != 0 }
        #expect(sent == frames)
        let statistics = speaker.statistics
        #expect(statistics.frames == written.frames.count)
        #expect(statistics.frames >= 25)
        #expect(statistics.dropped == 0)
        #expect(speaker.failure == nil)
    }

    @Test func aFullQueueDropsTheOldestFrames() throws {
        let speaker = try ALSAPlayback(device: "null", maximumQueuedFrames: 3)
        defer { speaker.stop() }
        for index in 1...50 { speaker.play([Int16](repeating: Int16(index), count: 960)) }
        #expect(speaker.queuedFrames <= 3)
        // The device thread takes a frame every 20 ms while the loop runs: those were played,
        // not dropped (a loaded machine once left 44 dropped). The rest, but the 3 queued and one
        // in the device thread's hands, were dropped.
        let statistics = speaker.statistics
        let played = statistics.frames - statistics.silence
        #expect(statistics.dropped >= 46 - played, "\(statistics)")
    }

    @Test func captureReadsBackWhatPlaybackWroteThroughTheFilePlugin() async throws {
        let directory = try TemporaryDirectory()
        let raw = directory.file("speaker.raw")
        let playbackConfig = """
            pcm.parleyloop { type file slave { pcm { type null } } file "\(raw)" format raw }
            """
        let tone = Signal.frames(Signal.sine(frequency: 1000, sampleRate: 48_000, seconds: 0.4))
        // The device thread fills any gap in the queue with silence (on a loaded machine it can
        // run between two `play` calls), so compare against what it really wrote.
        let written = WrittenFrames()
        let speaker = try ALSAPlayback(
            device: "parleyloop", maximumQueuedFrames: tone.count, configuration: playbackConfig,
            onWrite: { written.append($0) })
        for frame in tone { speaker.play(frame) }
        while speaker.queuedFrames > 0 { try await Task.sleep(for: .milliseconds(10)) }
        speaker.stop(drain: true)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: raw))
        #expect(bytes.count >= tone.count * 1920)
        #expect(speaker.statistics.dropped == 0)

        let captureConfig = """
            pcm.parleyloop { type file slave { pcm { type null } } file "/dev/null" infile "\(raw)" format raw }
            """
        // Room for the whole file: a reader starved on a loaded machine must not lose frames to
        // the live-capture policy of keeping only the newest.
        let microphone = try ALSACapture(
            device: "parleyloop", bufferedFrames: bytes.count / 1920 + 500, configuration: captureConfig)
        var heard: [Int16] = []
        for await frame in microphone.frames {
            heard += frame
            if heard.count >= bytes.count / 2 { break }
        }
        microphone.stop()
        #expect(microphone.statistics.dropped == 0)
        // The tone starts at a zero crossing: line both up at their first non-zero sample.
        let played = written.frames.flatMap { $0 }
        let toneSamples: [Int16] = tone.flatMap { $0 }
        let nonZeroPlayed = played.count { $0 != 0 }
        let nonZeroTone = toneSamples.count { $0 != 0 }
        #expect(nonZeroPlayed == nonZeroTone)
        let playedStart = try #require(played.firstIndex { $0 != 0 })
        let heardStart = try #require(heard.firstIndex { $0 != 0 }, "capture heard only silence")
        let length = played.count - playedStart
        try #require(heard.count - heardStart >= length, "capture heard only part of the tone")
        #expect(heard[heardStart..<(heardStart + length)] == played[playedStart...])
    }
}

/// Frames a playback callback saw, collected across threads.
final class WrittenFrames: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [[Int16]] = []
    func append(_ frame: [Int16]) { lock.withLock { collected.append(frame) } }
    var frames: [[Int16]] { lock.withLock { collected } }
}
