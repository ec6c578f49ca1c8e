import Foundation
import Testing

@testable import Voice

@Suite struct SpeechProcessorTests {
    @Test func noiseSuppressionLowersWhiteNoiseMarkedly() throws {
        let processor = try SpeechProcessor()
        let noise = Signal.frames(Signal.noise(count: 48_000 * 4, amplitude: 0.05))
        let output = noise.map { processor.processed($0).frame }
        // The first second lets the noise estimate settle; measure the rest.
        let before = Signal.energy(noise[50...].joined())
        let after = Signal.energy(output[50...].joined())
        let reduction = 10 * log10(before / after)
        print("noise suppression: white noise down \(reduction.formatted2) dB")
        #expect(reduction > 10, "white noise only \(reduction) dB down")
    }

    @Test func noiseSuppressionKeepsSpeechAndLowersTheNoise() throws {
        let processor = try SpeechProcessor()
        let speech = try Assets.speechFrames()
        // 3 s of noise alone first (a microphone hears the room before anyone talks).
        let clean = [[Int16]](repeating: PCMFormat.voice.silentFrame, count: 150) + speech
        let noise = Signal.frames(Signal.noise(count: clean.count * 960, amplitude: 0.03))
        let noisy = zip(clean, noise).map { zip($0, $1).map { Int16(clamping: Int($0) + Int($1)) } }
        let output = noisy.map { processor.processed($0).frame }

        let voiced = clean.indices.filter { InputLevel(measuring: clean[$0]).rms > -30 }
        // Noise alone, once the estimate has settled (the gaps between words are too short to
        // measure: the speech probability carries over them on purpose).
        let pauses = Array(100..<150)
        func energy(_ frames: [[Int16]], _ indices: [Int]) -> Double { Signal.energy(indices.flatMap { frames[$0] }) }
        let speechChange = 10 * log10(energy(output, voiced) / energy(clean, voiced))
        let pauseReduction = 10 * log10(energy(noisy, pauses) / energy(output, pauses))
        print(
            "noise suppression: speech changed by \(speechChange.formatted2) dB, noise alone down \(pauseReduction.formatted2) dB"
        )
        #expect(voiced.count > 100)
        #expect(abs(speechChange) < 3, "speech changed by \(speechChange) dB")
        #expect(pauseReduction > 10, "noise alone only \(pauseReduction) dB down")
    }

    @Test func aSteadyToneCountsAsNoise() throws {
        // libspeexdsp learns any stationary sound as background; a whistle fades like a fan.
        let processor = try SpeechProcessor()
        let tone = Signal.frames(Signal.sine(frequency: 440, sampleRate: 48_000, seconds: 4, amplitude: 0.3))
        let output = tone.map { processor.processed($0).frame }
        #expect(Signal.energy(output.suffix(50).joined()) < Signal.energy(tone.suffix(50).joined()) / 10)
    }

    @Test func voiceActivityIsFalseOnSilenceAndLowNoise() throws {
        let processor = try SpeechProcessor()
        let silence = [[Int16]](repeating: PCMFormat.voice.silentFrame, count: 50)
        #expect(silence.map { processor.processed($0).isSpeech }.filter { $0 }.count == 0)
        // Noise at -45 dBFS RMS, above the level floor: the speech probability must decide. It
        // takes libspeexdsp about a second to learn the noise; count from 1.5 s on.
        let quiet = Signal.frames(Signal.noise(count: 48_000 * 4, amplitude: 0.01))
        let verdicts = quiet.map { processor.processed($0).isSpeech }
        let speech = verdicts[75...].filter { $0 }.count
        #expect(speech <= 3, "\(speech) of \(verdicts.count - 75) low-noise frames called speech")
    }

    @Test func voiceActivityIsTrueOnSpeech() throws {
        let processor = try SpeechProcessor()
        // Half a second of low noise first, as a microphone would hear before someone talks.
        let lead = Signal.frames(Signal.noise(count: 48_000 * 2, amplitude: 0.01))
        for frame in lead { _ = processor.processed(frame) }
        let frames = try Assets.speechFrames()
        let verdicts = frames.map { processor.processed($0).isSpeech }
        let loud = frames.indices.filter { InputLevel(measuring: frames[$0]).rms > -35 }
        let detected = loud.filter { verdicts[$0] }.count
        print("voice activity: \(detected) of \(loud.count) voiced frames of the speech sample detected")
        #expect(loud.count > 100)
        #expect(Double(detected) >= 0.8 * Double(loud.count))
        #expect(processor.framesProcessed == lead.count + frames.count)
    }

    @Test func offPassesFramesThroughUntouched() throws {
        let processor = try SpeechProcessor(options: .off)
        let frame = Signal.noise(count: 960, amplitude: 0.5)
        let result = processor.processed(frame)
        #expect(result.frame == frame)
        #expect(result.isSpeech)
    }

    @Test func automaticGainRaisesQuietSpeech() throws {
        var options = SpeechProcessingOptions.liveMicrophone
        options.automaticGain = true
        let processor = try SpeechProcessor(options: options)
        let frames = try Assets.speechFrames().map { frame in frame.map { $0 / 16 } }  // 24 dB quieter
        var output: [[Int16]] = []
        for _ in 0..<3 { output = frames.map { processor.processed($0).frame } }
        let gain = 10 * log10(Signal.energy(output.joined()) / Signal.energy(frames.joined()))
        print("automatic gain: quiet speech raised by \(gain.formatted2) dB")
        #expect(gain > 6)
        let plain = try SpeechProcessor()
        var unchanged: [[Int16]] = []
        for _ in 0..<3 { unchanged = frames.map { plain.processed($0).frame } }
        #expect(abs(10 * log10(Signal.energy(unchanged.joined()) / Signal.energy(frames.joined()))) < 1)
    }

    @Test func badOptionsAndFormatsAreRefused() {
        var options = SpeechProcessingOptions()
        options.noiseSuppressionDecibels = 5
        #expect(throws: SpeechProcessingError.self) { try SpeechProcessor(options: options) }
        #expect(throws: SpeechProcessingError.unsupportedFormat(PCMFormat(channels: 2))) {
            try SpeechProcessor(format: PCMFormat(channels: 2))
        }
    }
}
