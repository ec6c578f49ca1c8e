import ArgumentParser
import Calls
import Foundation
import RunSupport
import Voice

/// Codec options of a call; each is checked against what libopus accepts.
struct CodecOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Opus bitrate in bit/s (500 to 512000).", valueName: "bps"))
    var bitrate = 24000

    @Option(
        name: .long, help: ArgumentHelp("Encoder complexity, 0 to 10 (higher: better, more CPU).", valueName: "n"))
    var complexity = 8

    @Option(
        name: .customLong("frame-ms"),
        help: ArgumentHelp("Frame duration in milliseconds: 2.5, 5, 10, 20, 40 or 60.", valueName: "ms"))
    var frameMs = 20.0

    @Flag(inversion: .prefixedNo, help: "In-band forward error correction.")
    var fec = true

    @Option(
        name: .customLong("loss-percent"),
        help: ArgumentHelp(
            "The least packet loss the encoder expects, 0 to 100 %; the loss the peer reports raises it, and above 0 turns FEC on.",
            valueName: "percent"))
    var lossPercent = 0

    @Flag(name: .long, help: "Discontinuous transmission: send almost nothing during silence.")
    var dtx = false

    var config: VoiceConfig {
        var config = VoiceConfig()
        config.bitrate = bitrate
        config.complexity = complexity
        config.frameDurationTenthsMs = Int((frameMs * 10).rounded())
        config.fec = fec
        config.packetLossPercent = lossPercent
        config.dtx = dtx
        return config
    }

    func validate() throws {
        guard (frameMs * 10).rounded() == frameMs * 10 else {
            throw ValidationError("--frame-ms \(frameMs): must be 2.5, 5, 10, 20, 40 or 60")
        }
        do {
            try config.validate()
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// Where a call's audio comes from and goes to.
struct CallAudioOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Send this audio file (WAV, FLAC, Ogg Opus; resampled as needed) instead of a microphone.",
            valueName: "file"))
    var input: String?

    @Option(
        name: .customLong("input-device"),
        help: ArgumentHelp("Capture from this ALSA device ('parley audio devices' lists them).", valueName: "name"))
    var inputDevice: String?

    @Option(
        name: .customLong("output-device"), help: ArgumentHelp("Play the call on this ALSA device.", valueName: "name"))
    var outputDevice: String?

    @Option(name: .long, help: ArgumentHelp("Record what you hear to this Ogg Opus file (.wav or .flac: lossless PCM).", valueName: "file"))
    var record: String?

    @Flag(name: .customLong("no-noise-suppression"), help: "Do not suppress background noise on the microphone.")
    var noNoiseSuppression = false

    @Flag(name: .customLong("no-vad"), help: "Do not gate the microphone by voice activity.")
    var noVAD = false

    @Flag(name: .customLong("no-echo-cancel"), help: "No echo cancellation when microphone and speaker are both live.")
    var noEchoCancel = false

    func validate() throws {
        if input != nil && inputDevice != nil {
            throw ValidationError("--input and --input-device cannot be used together")
        }
        for (name, value) in [("--input", input), ("--record", record)] {
            if let value, value.isEmpty { throw ValidationError("\(name) needs a file name") }
        }
        for (name, value) in [("--input-device", inputDevice), ("--output-device", outputDevice)] {
            if let value, value.isEmpty { throw ValidationError("\(name) needs a device name") }
        }
    }

    /// Opens the input file once, so that a missing or unreadable file fails before calling.
    func checkInputFile() throws {
        guard let input else { return }
        do {
            _ = try AudioFileReader(path: input)
        } catch {
            throw Failure(message: error.description, code: .failure)
        }
    }

    func apply(to options: inout CallEngineOptions) {
        if let input { options.input = .file(input) }
        if let inputDevice { options.input = .device(inputDevice) }
        options.outputDevice = outputDevice
        options.recordPath = record
        options.speech = SpeechProcessingOptions(
            noiseSuppression: !noNoiseSuppression, voiceActivityDetection: !noVAD)
        options.echoCancellation = !noEchoCancel
    }
}

extension CallEngineOptions {
    /// Options from the command line's option groups (shared by `parley call` and, for the
    /// lead's chat wiring, `parley chat`).
    init(
        codec: CodecOptions, audio: CallAudioOptions, autoAnswer: AutoAnswer = .off,
        ringTimeout: Duration = .seconds(30), hangupAtEndOfInput: Bool = false
    ) {
        self.init()
        voice = codec.config
        timers.ringTimeout = ringTimeout
        audio.apply(to: &self)
        self.autoAnswer = autoAnswer
        self.hangupAtEndOfInput = hangupAtEndOfInput
    }
}

extension ChatCommand {
    /// The call engine's options: the audio and codec options, ALSA's default devices for
    /// what they leave open.
    var callOptions: CallEngineOptions {
        var options = CallEngineOptions(codec: codec, audio: audio, autoAnswer: autoAnswer ? .answer : .off)
        if audio.input == nil && audio.inputDevice == nil { options.input = .device("default") }
        if audio.outputDevice == nil { options.outputDevice = "default" }
        return options
    }
}
