import Testing

@testable import Voice

@Suite struct InputLevelTests {
    @Test func fullScaleSineReadsMinusThreeDecibelsRMSAndZeroPeak() {
        let sine = Signal.sine(frequency: 1000, sampleRate: 48_000, seconds: 0.02, amplitude: 1)
        let level = InputLevel(measuring: sine)
        #expect(abs(level.rms - (-3.01)) < 0.05)
        #expect(abs(level.peak) < 0.01)
    }

    @Test func silenceReadsTheFloorAndHalfScaleSixDecibelsLess() {
        #expect(InputLevel(measuring: PCMFormat.voice.silentFrame) == InputLevel(rms: -96, peak: -96))
        let half = InputLevel(measuring: [Int16](repeating: 16_384, count: 960))
        #expect(abs(half.rms - (-6.02)) < 0.01 && abs(half.peak - (-6.02)) < 0.01)
        #expect(InputLevel(measuring: [Int16.min]).peak == 0)
        #expect(abs(InputLevel(measuring: [1]).rms - (-90.309)) < 0.001)
    }

    @Test func theFractionMapsSixtyDecibelsOntoTheBar() {
        #expect(InputLevel(rms: 0, peak: 0).fraction() == 1)
        #expect(InputLevel(rms: -30, peak: -20).fraction() == 0.5)
        #expect(InputLevel(rms: -96, peak: -96).fraction() == 0)
    }

    @Test func theVoiceFormatIsTwentyMillisecondsOfMono48kHz() {
        let format = PCMFormat.voice
        #expect(format.samplesPerFrame == 960)
        #expect(format.frameDuration == .milliseconds(20))
        #expect(format.description == "48000 Hz mono, 20 ms frames")
        #expect(PCMFormat.frames(ofMilliseconds: 10, sampleRate: 16_000, channels: 2).samplesPerFrame == 320)
        #expect(PCMFormat(sampleRate: 44_100, frameSize: 441).description == "44100 Hz mono, 10 ms frames")
    }
}
