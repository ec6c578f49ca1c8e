import Wire

/// How this side encodes a call. Defaults: 48 kHz mono, 20 ms frames, VoIP mode, 24 kbit/s,
/// complexity 8, in-band FEC offered with no loss hint (a call's encoder sends FEC only once
/// the peer reports loss: `CodecAdaptation`), DTX off. `validate()` checks every field against
/// what libopus accepts.
public struct VoiceConfig: Sendable, Equatable, Codable {
    public enum Application: String, Sendable, Codable, CaseIterable {
        /// `OPUS_APPLICATION_VOIP`: tuned for speech intelligibility.
        case voip
        /// `OPUS_APPLICATION_AUDIO`: tuned for music and fidelity.
        case audio
        /// `OPUS_APPLICATION_RESTRICTED_LOWDELAY`: CELT only, 2.5 ms lookahead, no speech modes.
        case restrictedLowDelay = "lowdelay"
    }

    public var sampleRate: Int = 48000
    public var channels: Int = 1
    /// Frame duration in tenths of a millisecond: 25, 50, 100, 200, 400 or 600.
    public var frameDurationTenthsMs: Int = 200
    public var application: Application = .voip
    /// Target bitrate in bit/s, 500…512000.
    public var bitrate: Int = 24000
    /// Encoder complexity 0…10 (higher: better quality, more CPU). 8 is the lowest that scores
    /// as well as 10 on the speech sample (PESQ-WB 3.94 at 24 kbit/s; 5 scores 3.48).
    public var complexity: Int = 8
    /// In-band forward error correction: each packet carries a coarse copy of the previous frame.
    /// Offered and decoded when true; Opus spends bits on it only while the loss hint is above 0.
    public var fec: Bool = true
    /// Expected packet loss 0…100 %, the hint that makes the encoder spend bits on FEC. In a
    /// call, the floor under the loss the peer reports.
    public var packetLossPercent: Int = 0
    /// Discontinuous transmission: send (almost) nothing during silence.
    public var dtx: Bool = false

    public init() {}

    public static let validSampleRates = VoiceLimits.sampleRates.map(Int.init)
    public static let validFrameDurations = VoiceLimits.frameDurationsTenthsMs.map(Int.init)
    public static let validBitrates =
        Int(VoiceLimits.bitrateRange.lowerBound)...Int(VoiceLimits.bitrateRange.upperBound)
    public static let validComplexities = 0...10
    public static let validPacketLoss = 0...100

    /// Throws `VoiceConfigError` naming the first field out of range and what is allowed.
    public func validate() throws(VoiceConfigError) {
        guard Self.validSampleRates.contains(sampleRate) else {
            throw .invalid("sample rate", sampleRate, allowed: "8000, 12000, 16000, 24000 or 48000 Hz")
        }
        guard channels == 1 || channels == 2 else { throw .invalid("channels", channels, allowed: "1 or 2") }
        guard Self.validFrameDurations.contains(frameDurationTenthsMs) else {
            throw .invalid(
                "frame duration (tenths of ms)", frameDurationTenthsMs, allowed: "2.5, 5, 10, 20, 40 or 60 ms")
        }
        guard Self.validBitrates.contains(bitrate) else {
            throw .invalid("bitrate", bitrate, allowed: "500 to 512000 bit/s")
        }
        guard Self.validComplexities.contains(complexity) else {
            throw .invalid("complexity", complexity, allowed: "0 to 10")
        }
        guard Self.validPacketLoss.contains(packetLossPercent) else {
            throw .invalid("packet loss", packetLossPercent, allowed: "0 to 100 %")
        }
    }

    /// Samples per channel in one frame.
    public var samplesPerFrame: Int { sampleRate * frameDurationTenthsMs / 10_000 }

    /// The frame duration.
    public var frameDuration: Duration { .microseconds(frameDurationTenthsMs * 100) }

    /// What this side offers in an invite.
    public var callParams: CallParams {
        CallParams(
            sampleRate: UInt32(sampleRate), channels: UInt8(clamping: channels),
            frameDurationTenthsMs: UInt16(clamping: frameDurationTenthsMs), bitrate: UInt32(clamping: bitrate),
            fec: fec,
            dtx: dtx)
    }

    /// This configuration with the negotiated call parameters in force (the local-only settings,
    /// application, complexity and loss hint, are kept).
    public func applying(_ params: CallParams) -> VoiceConfig {
        var config = self
        config.sampleRate = Int(params.sampleRate)
        config.channels = Int(params.channels)
        config.frameDurationTenthsMs = Int(params.frameDurationTenthsMs)
        config.bitrate = Int(params.bitrate)
        config.fec = params.fec
        config.dtx = params.dtx
        return config
    }
}

public enum VoiceConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String, Int, allowed: String)

    public var description: String {
        switch self {
        case .invalid(let field, let value, let allowed): "invalid \(field) \(value): must be \(allowed)"
        }
    }
}
