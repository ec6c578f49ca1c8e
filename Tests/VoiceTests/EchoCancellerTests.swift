import Foundation
import Testing

@testable import Voice

@Suite struct EchoCancellerTests {
    /// The far end's speech with a delayed, attenuated copy of it in the microphone, as a
    /// speaker 30 ms and some distance away would put it there.
    private func echoScene(seconds: Int, delay: Int = 1_440, gain: Double = 0.5) throws -> (
        far: [[Int16]], near: [[Int16]]
    ) {
        let speech = try Assets.speechFrames().flatMap { $0 }
        let noise = Signal.noise(count: speech.count, amplitude: 0.1, seed: 7)
        // Speech alone has pauses; a mix with noise keeps the filter adapting the whole time.
        var farSignal: [Int16] = []
        while farSignal.count < seconds * 48_000 {
            farSignal += zip(speech, noise).map { Int16(clamping: Int($0) + Int($1)) }
        }
        farSignal = Array(farSignal.prefix(seconds * 48_000))
        let echo = [Int16](repeating: 0, count: delay) + farSignal.dropLast(delay).map { Int16(Double($0) * gain) }
        return (Signal.frames(farSignal), Signal.frames(echo))
    }

    @Test func echoOfTheFarEndIsRemovedAfterConvergence() throws {
        let canceller = try EchoCanceller()
        let (far, near) = try echoScene(seconds: 10)
        let output = zip(near, far).map { canceller.cancel(microphone: $0, speaker: $1) }
        // ERLE (echo return loss enhancement) over the last 3 seconds.
        let erle = 10 * log10(Signal.energy(near.suffix(150).joined()) / Signal.energy(output.suffix(150).joined()))
        print("echo canceller: ERLE \(erle.formatted2) dB after 7 s")
        #expect(erle > 10, "ERLE only \(erle) dB")
    }

    @Test func theTwoThreadFeedRemovesEchoToo() throws {
        let canceller = try EchoCanceller()
        let (far, near) = try echoScene(seconds: 10)
        var output: [[Int16]] = []
        for (speaker, microphone) in zip(far, near) {
            canceller.playback(speaker)
            output.append(canceller.capture(microphone))
        }
        let erle = 10 * log10(Signal.energy(near.suffix(150).joined()) / Signal.energy(output.suffix(150).joined()))
        print("echo canceller (playback/capture): ERLE \(erle.formatted2) dB after 7 s")
        #expect(erle > 6, "ERLE only \(erle) dB")
    }

    @Test func withTheSpeechProcessorResidualEchoGoesFurtherDown() throws {
        let canceller = try EchoCanceller()
        let processor = try SpeechProcessor(echoCanceller: canceller)
        let (far, near) = try echoScene(seconds: 10)
        let output = zip(near, far).map { processor.processed(canceller.cancel(microphone: $0, speaker: $1)).frame }
        let erle = 10 * log10(Signal.energy(near.suffix(150).joined()) / Signal.energy(output.suffix(150).joined()))
        print("echo canceller + residual echo suppression: \(erle.formatted2) dB")
        #expect(erle > 15, "only \(erle) dB")
    }

    @Test func nearEndSpeechSurvivesTheCanceller() throws {
        let canceller = try EchoCanceller()
        let (far, near) = try echoScene(seconds: 10)
        // The local talker: a 300 Hz tone in the microphone alongside the echo in the last 3 s.
        let talker = Signal.frames(Signal.sine(frequency: 300, sampleRate: 48_000, seconds: 10, amplitude: 0.2))
        let microphone = near.indices.map { index in
            index < 350 ? near[index] : zip(near[index], talker[index]).map { Int16(clamping: Int($0) + Int($1)) }
        }
        let output = zip(microphone, far).map { canceller.cancel(microphone: $0, speaker: $1) }
        let kept =
            Signal.goertzel(output.suffix(100).flatMap { $0 }, frequency: 300, sampleRate: 48_000)
            / Signal.goertzel(talker.suffix(100).flatMap { $0 }, frequency: 300, sampleRate: 48_000)
        print("echo canceller: near-end tone kept at \((10 * log10(kept)).formatted2) dB")
        #expect(10 * log10(kept) > -6)
    }

    @Test func badParametersAreRefused() {
        #expect(throws: SpeechProcessingError.self) { try EchoCanceller(tail: .milliseconds(5)) }
        #expect(throws: SpeechProcessingError.self) { try EchoCanceller(format: PCMFormat(channels: 2)) }
    }
}
