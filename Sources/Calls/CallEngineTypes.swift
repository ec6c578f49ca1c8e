import Foundation
import Identity
import Session
import Voice
import Wire

/// Where a call's outgoing audio comes from.
public enum CallInput: Sendable, Equatable {
    /// Nothing is sent; reports keep the call alive.
    case none
    /// An audio file (WAV, FLAC, Ogg Opus, ...), paced like a microphone; `repeating` starts it
    /// over at its end.
    case file(String, repeating: Bool = false)
    /// A live ALSA capture device.
    case device(String)
}

/// What an incoming call meets when nobody is there to answer it.
public enum AutoAnswer: Sendable, Equatable {
    /// It rings until the user answers or declines (or the caller gives up).
    case off
    case answer
    case decline
}

/// How a `CallEngine` runs its calls.
public struct CallEngineOptions: Sendable {
    /// Codec settings; the parameters offered and accepted come from it.
    public var voice = VoiceConfig()
    /// Ring timeout, media timeout and report interval.
    public var timers = CallConfig()
    public var input: CallInput = .none
    /// A live ALSA playback device, or nil for none.
    public var outputDevice: String?
    /// Records what is heard to this Ogg Opus file; the second call of an engine records to
    /// `NAME-2.EXT`, and so on.
    public var recordPath: String?
    /// Speech processing for a live microphone (files are sent as they are).
    public var speech = SpeechProcessingOptions.liveMicrophone
    /// Echo cancellation when both the microphone and the speaker are live devices.
    public var echoCancellation = true
    public var autoAnswer = AutoAnswer.off
    /// The call ends (hangup) when the input file ends.
    public var hangupAtEndOfInput = false
    /// ALSA configuration text defining private device names (tests).
    public var alsaConfiguration: String?
    /// Called with every voice packet just before it is handed to the session (the compare lab
    /// records send times with it, so a send time never follows the frame's arrival).
    public var packetSent: (@Sendable (VoicePacket) -> Void)?
    /// TEST ONLY: the fraction (0...1) of encoded voice frames thrown away before they are
    /// encrypted and sent, chosen by a generator seeded with `dropSeedForTestingOnly`, so a
    /// test can measure concealment and FEC over a real session (a Noise transport cannot lose
    /// frames on the wire: its nonces are sequential). Never set outside tests.
    public var dropOutgoingVoiceForTestingOnly: Double = 0
    public var dropSeedForTestingOnly: UInt64 = 1

    public init() {}

    /// The call machine's configuration: the timers with the codec's parameters.
    public var callConfig: CallConfig {
        var config = timers
        config.params = voice.callParams
        return config
    }
}

/// What a `CallEngine` tells its owner.
public enum CallEngineEvent: Sendable {
    /// A step of the call (calling, ringing, incoming, active, rejected-busy, glare, report).
    /// The end of a call comes as `.ended` instead.
    case call(CallEvent)
    /// Once a second during a call: this side's statistics.
    case stats(CallStats)
    /// A call ended; its statistics if it had been active.
    case ended(CallSummary)
    /// Something went wrong with the audio; the call goes on where it can.
    case warning(String)
}

/// One finished call, as `parley call` prints it.
public struct CallSummary: Sendable {
    public let peer: PeerID
    public let nickname: String?
    public let callID: CallID
    public let reason: CallEndReason
    /// True when the call had been answered (media flowed).
    public let wasActive: Bool
    /// From answer to end.
    public let duration: Duration
    public let stats: CallStats
    /// The parameters in force, if the call was active.
    public let params: CallParams?
    /// The last report the peer sent about the audio it got from us.
    public let peerReport: CallReport?
    /// The recording, if one was made.
    public let recording: String?
}

extension CallEndReason {
    /// A stable word for scripts (`endReason` in JSON).
    public var code: String {
        switch self {
        case .hungUp: "hung-up"
        case .peerHungUp(.normal): "peer-hung-up"
        case .peerHungUp(.mediaTimeout): "peer-media-timeout"
        case .peerHungUp(.incompatible): "peer-incompatible"
        case .peerHungUp: "peer-hung-up"
        case .cancelled: "cancelled"
        case .peerCancelled: "peer-cancelled"
        case .declined: "declined"
        case .peerDeclined: "peer-declined"
        case .peerBusy: "peer-busy"
        case .noAnswer: "no-answer"
        case .mediaTimeout: "media-timeout"
        case .connectionLost: "connection-lost"
        case .incompatible: "incompatible"
        }
    }
}

extension CallParams {
    /// "48 kHz mono, 20 ms, 24 kbit/s, FEC".
    public var summaryText: String {
        let rate = sampleRate % 1000 == 0 ? "\(sampleRate / 1000) kHz" : "\(Double(sampleRate) / 1000) kHz"
        let channels = channels == 1 ? "mono" : "stereo"
        let ms =
            frameDurationTenthsMs % 10 == 0 ? "\(frameDurationTenthsMs / 10)" : "\(Double(frameDurationTenthsMs) / 10)"
        var text = "\(rate) \(channels), \(ms) ms, \(Double(bitrate) / 1000) kbit/s"
        if fec { text += ", FEC" }
        if dtx { text += ", DTX" }
        return text
    }

    /// The PCM the pipeline handles for these parameters.
    public var pcmFormat: PCMFormat {
        PCMFormat(sampleRate: Int(sampleRate), channels: Int(channels), frameSize: samplesPerFrame)
    }
}

extension Instant {
    var mediaTime: MediaTime { MediaTime(nanoseconds: nanoseconds) }
}
