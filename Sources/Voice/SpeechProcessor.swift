import CSpeexDSP
import Foundation

/// Which speech processing runs on microphone frames. Each part can be switched off.
public struct SpeechProcessingOptions: Sendable, Hashable {
    /// Suppress steady background noise (fans, hiss).
    public var noiseSuppression: Bool
    /// How far noise is pushed down, in dB (negative; libspeexdsp's default is -15).
    public var noiseSuppressionDecibels: Int
    /// Report whether each frame holds speech.
    public var voiceActivityDetection: Bool
    /// Even out the speaker's level over time.
    public var automaticGain: Bool
    /// The loudness automatic gain aims for, on libspeexdsp's own scale (a weighted amplitude
    /// in 16-bit units, 1...32767; its default 8000 brings speech to roughly -20 dBFS RMS).
    public var automaticGainLevel: Int

    public init(
        noiseSuppression: Bool = true, noiseSuppressionDecibels: Int = -30, voiceActivityDetection: Bool = true,
        automaticGain: Bool = false, automaticGainLevel: Int = 8000
    ) {
        self.noiseSuppression = noiseSuppression
        self.noiseSuppressionDecibels = noiseSuppressionDecibels
        self.voiceActivityDetection = voiceActivityDetection
        self.automaticGain = automaticGain
        self.automaticGainLevel = automaticGainLevel
    }

    /// For a live microphone: noise suppression and voice activity on, automatic gain off.
    public static let liveMicrophone = SpeechProcessingOptions()
    /// Nothing: frames pass through untouched and always count as speech (for files).
    public static let off = SpeechProcessingOptions(
        noiseSuppression: false, voiceActivityDetection: false, automaticGain: false)

    /// True when nothing would run.
    public var isOff: Bool { !noiseSuppression && !voiceActivityDetection && !automaticGain }

    /// Why these options cannot be used, or nil.
    public var problem: String? {
        if !(-100...0).contains(noiseSuppressionDecibels) {
            return "noise suppression of \(noiseSuppressionDecibels) dB is outside -100...0"
        }
        if !(1...32767).contains(automaticGainLevel) {
            return "automatic gain level \(automaticGainLevel) is outside 1...32767"
        }
        return nil
    }
}

/// Noise suppression, voice activity detection and automatic gain on microphone frames, with
/// libspeexdsp's preprocessor. Given an ``EchoCanceller``, it also suppresses the echo that the
/// canceller leaves behind.
///
/// One frame at a time, in order, from one thread at a time (a lock keeps it safe to hand over).
public final class SpeechProcessor: @unchecked Sendable {
    public let format: PCMFormat
    public let options: SpeechProcessingOptions
    private let state: OpaquePointer
    private let echoCanceller: EchoCanceller?
    private let lock = NSLock()
    private var gate = VoiceActivityGate()
    /// Frames processed and frames judged to hold speech.
    public private(set) var framesProcessed = 0
    public private(set) var speechFrames = 0

    /// `format` must be mono. Throws ``SpeechProcessingError`` for out-of-range options.
    public init(
        format: PCMFormat = .voice, options: SpeechProcessingOptions = .liveMicrophone,
        echoCanceller: EchoCanceller? = nil
    ) throws(SpeechProcessingError) {
        guard format.channels == 1 else { throw .unsupportedFormat(format) }
        if let problem = options.problem { throw .badOption(problem) }
        guard let state = speex_preprocess_state_init(Int32(format.frameSize), Int32(format.sampleRate)) else {
            throw .unsupportedFormat(format)
        }
        self.state = state
        self.format = format
        self.options = options
        self.echoCanceller = echoCanceller
        set(SPEEX_PREPROCESS_SET_DENOISE, options.noiseSuppression ? 1 : 0)
        set(SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, Int32(options.noiseSuppressionDecibels))
        // SPEEX_PREPROCESS_SET_VAD is never called: it prints a warning to standard error (into
        // a full-screen call). The probability it would use is read after each frame instead.
        set(SPEEX_PREPROCESS_SET_AGC, options.automaticGain ? 1 : 0)
        if options.automaticGain {
            var level = Float(options.automaticGainLevel)
            speex_preprocess_ctl(state, SPEEX_PREPROCESS_SET_AGC_LEVEL, &level)
        }
        // libspeexdsp's own thresholds (35 % to start, 20 % to continue) call steady noise
        // speech for good; measured on white noise, its speech probability settles at 25-40 %
        // and on speech at 95-99 %: `VoiceActivityGate` uses stricter ones.
        set(SPEEX_PREPROCESS_SET_DEREVERB, 0)
        if let echoCanceller {
            speex_preprocess_ctl(state, SPEEX_PREPROCESS_SET_ECHO_STATE, UnsafeMutableRawPointer(echoCanceller.state))
        }
    }

    deinit { speex_preprocess_state_destroy(state) }

    /// Processes one frame in place and returns whether it holds speech (always true when voice
    /// activity detection is off).
    @discardableResult
    public func process(_ frame: inout [Int16]) -> Bool {
        precondition(frame.count == format.samplesPerFrame, "SpeechProcessor: frame of \(frame.count) samples")
        lock.lock()
        defer { lock.unlock() }
        framesProcessed += 1
        if options.isOff && echoCanceller == nil {
            speechFrames += 1
            return true
        }
        let level = InputLevel(measuring: frame).rms
        // With an echo canceller attached, libspeexdsp reads its state here: hold its lock so
        // the playback thread does not change it meanwhile.
        if let echoCanceller {
            _ = echoCanceller.locked {
                frame.withUnsafeMutableBufferPointer { speex_preprocess_run(state, $0.baseAddress) }
            }
        } else {
            _ = frame.withUnsafeMutableBufferPointer { speex_preprocess_run(state, $0.baseAddress) }
        }
        var probability: Int32 = 0
        speex_preprocess_ctl(state, SPEEX_PREPROCESS_GET_PROB, &probability)
        let speech =
            options.voiceActivityDetection ? gate.frame(probabilityPercent: probability, levelDecibels: level) : true
        if speech { speechFrames += 1 }
        return speech
    }

    /// The processed frame and whether it holds speech.
    public func processed(_ frame: [Int16]) -> (frame: [Int16], isSpeech: Bool) {
        var copy = frame
        let speech = process(&copy)
        return (copy, speech)
    }

    private func set(_ request: Int32, _ value: Int32) {
        var value = value
        speex_preprocess_ctl(state, request, &value)
    }
}

/// Why speech processing could not be set up.
public enum SpeechProcessingError: Error, Equatable, CustomStringConvertible {
    case unsupportedFormat(PCMFormat)
    case badOption(String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let format): "speech processing needs mono frames, not \(format)"
        case .badOption(let problem): "speech processing: \(problem)"
        }
    }
}
