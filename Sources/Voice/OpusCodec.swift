import COpus
import Wire

/// A libopus failure, with libopus's own message.
public struct OpusError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Int32
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public var description: String { "\(operation): \(String(cString: opus_strerror(code)))" }
}

public enum VoiceError: Error, Sendable, Equatable, CustomStringConvertible {
    case config(VoiceConfigError)
    case opus(OpusError)
    /// A PCM frame of the wrong length was given to the encoder.
    case frameLength(got: Int, expected: Int)

    public var description: String {
        switch self {
        case .config(let e): e.description
        case .opus(let e): e.description
        case .frameLength(let got, let expected): "PCM frame of \(got) samples; expected \(expected)"
        }
    }
}

/// One libopus encoder. Not thread-safe: one owner at a time.
public final class OpusEncoder {
    public let config: VoiceConfig
    private let encoder: OpaquePointer
    private var output = [UInt8](repeating: 0, count: VoiceLimits.maxOpusPayload)

    public init(config: VoiceConfig = VoiceConfig()) throws(VoiceError) {
        do { try config.validate() } catch { throw .config(error) }
        self.config = config
        var error: Int32 = OPUS_OK
        let application: Int32 =
            switch config.application {
            case .voip: OPUS_APPLICATION_VOIP
            case .audio: OPUS_APPLICATION_AUDIO
            case .restrictedLowDelay: OPUS_APPLICATION_RESTRICTED_LOWDELAY
            }
        guard let encoder = opus_encoder_create(Int32(config.sampleRate), Int32(config.channels), application, &error),
            error == OPUS_OK
        else { throw .opus(OpusError(code: error, operation: "opus_encoder_create")) }
        self.encoder = encoder
        let settings: [(String, Int32)] = [
            ("bitrate", parley_opus_set_bitrate(encoder, Int32(config.bitrate))),
            ("complexity", parley_opus_set_complexity(encoder, Int32(config.complexity))),
            ("inband FEC", parley_opus_set_inband_fec(encoder, config.fec ? 1 : 0)),
            ("packet loss", parley_opus_set_packet_loss_perc(encoder, Int32(config.packetLossPercent))),
            ("DTX", parley_opus_set_dtx(encoder, config.dtx ? 1 : 0)),
        ]
        for (name, code) in settings where code != OPUS_OK {
            opus_encoder_destroy(encoder)
            throw .opus(OpusError(code: code, operation: "setting \(name)"))
        }
    }

    deinit { opus_encoder_destroy(encoder) }

    /// Samples (all channels, interleaved) one `encode` call takes.
    public var samplesPerCall: Int { config.samplesPerFrame * config.channels }

    /// The encoder's lookahead in samples at its sample rate (312 at 48 kHz in VoIP mode: 6.5 ms).
    public var lookahead: Int {
        var value: Int32 = 0
        _ = parley_opus_get_lookahead(encoder, &value)
        return Int(value)
    }

    /// Changes the loss hint (0…100 %), e.g. from the peer's reports.
    public func setPacketLossPercent(_ percent: Int) {
        _ = parley_opus_set_packet_loss_perc(encoder, Int32(min(max(percent, 0), 100)))
    }

    /// Turns in-band FEC on or off (it costs bits only while the loss hint is above zero).
    public func setInbandFEC(_ on: Bool) {
        _ = parley_opus_set_inband_fec(encoder, on ? 1 : 0)
    }

    /// Encodes one frame of interleaved 16-bit PCM into one Opus packet of at most
    /// `VoiceLimits.maxOpusPayload` bytes (the buffer size caps the packet, so it always fits).
    public func encode(_ pcm: [Int16]) throws(VoiceError) -> [UInt8] {
        guard pcm.count == samplesPerCall else { throw .frameLength(got: pcm.count, expected: samplesPerCall) }
        let frameSize = Int32(config.samplesPerFrame)
        let capacity = Int32(output.count)
        let length = pcm.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                opus_encode(encoder, input.baseAddress!, frameSize, out.baseAddress!, capacity)
            }
        }
        guard length >= 0 else { throw .opus(OpusError(code: length, operation: "opus_encode")) }
        return Array(output[0..<Int(length)])
    }
}

/// One libopus decoder, with packet loss concealment and FEC recovery.
public final class OpusDecoder {
    public let sampleRate: Int
    public let channels: Int
    /// Samples per channel of one frame (the playout unit).
    public let samplesPerFrame: Int
    private let decoder: OpaquePointer
    private var output: [Int16]

    public init(sampleRate: Int = 48000, channels: Int = 1, samplesPerFrame: Int = 960) throws(VoiceError) {
        var config = VoiceConfig()
        config.sampleRate = sampleRate
        config.channels = channels
        do { try config.validate() } catch { throw .config(error) }
        self.sampleRate = sampleRate
        self.channels = channels
        self.samplesPerFrame = samplesPerFrame
        var error: Int32 = OPUS_OK
        guard let decoder = opus_decoder_create(Int32(sampleRate), Int32(channels), &error), error == OPUS_OK else {
            throw .opus(OpusError(code: error, operation: "opus_decoder_create"))
        }
        self.decoder = decoder
        // 120 ms, the longest packet Opus can carry, so a peer's longer packet never overflows.
        output = [Int16](repeating: 0, count: sampleRate / 1000 * 120 * channels)
    }

    public convenience init(config: VoiceConfig) throws(VoiceError) {
        try self.init(sampleRate: config.sampleRate, channels: config.channels, samplesPerFrame: config.samplesPerFrame)
    }

    deinit { opus_decoder_destroy(decoder) }

    /// Decodes one packet. A corrupt packet throws; the caller conceals instead.
    public func decode(_ packet: [UInt8]) throws(VoiceError) -> [Int16] {
        try run(packet, frameSize: output.count / channels, fec: false)
    }

    /// Recovers the frame *before* `nextPacket` from the FEC data it carries (when it has none,
    /// libopus conceals instead). Always one frame long.
    public func decodeFEC(from nextPacket: [UInt8]) throws(VoiceError) -> [Int16] {
        try run(nextPacket, frameSize: samplesPerFrame, fec: true)
    }

    /// Packet loss concealment: one frame extrapolated from what came before.
    public func conceal() -> [Int16] {
        (try? run(nil, frameSize: samplesPerFrame, fec: false))
            ?? [Int16](repeating: 0, count: samplesPerFrame * channels)
    }

    private func run(_ packet: [UInt8]?, frameSize: Int, fec: Bool) throws(VoiceError) -> [Int16] {
        let samples: Int32 = output.withUnsafeMutableBufferPointer { out in
            if let packet {
                return packet.withUnsafeBufferPointer { p in
                    opus_decode(decoder, p.baseAddress, Int32(p.count), out.baseAddress!, Int32(frameSize), fec ? 1 : 0)
                }
            }
            return opus_decode(decoder, nil, 0, out.baseAddress!, Int32(frameSize), 0)
        }
        guard samples >= 0 else { throw .opus(OpusError(code: samples, operation: "opus_decode")) }
        return Array(output[0..<Int(samples) * channels])
    }
}
