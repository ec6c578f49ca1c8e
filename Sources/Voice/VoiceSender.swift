import Wire

/// PCM frames in, voice packets out: encodes with Opus and numbers the frames. No I/O.
public final class VoiceSender {
    public let callID: CallID
    public let encoder: OpusEncoder
    public private(set) var sequence: UInt32 = 0
    public private(set) var timestamp: UInt32 = 0
    public private(set) var framesSent = 0
    /// Frames the encoder marked "do not send" (DTX during silence).
    public private(set) var framesSkipped = 0
    public private(set) var payloadBytesSent = 0

    /// 48 kHz media-clock ticks per frame, whatever the codec's sample rate.
    private let timestampStep: UInt32

    public init(callID: CallID, config: VoiceConfig = VoiceConfig()) throws(VoiceError) {
        self.callID = callID
        encoder = try OpusEncoder(config: config)
        timestampStep = UInt32(48 * config.frameDurationTenthsMs / 10)
    }

    /// Samples (interleaved) one call to `send` takes.
    public var samplesPerFrame: Int { encoder.samplesPerCall }

    /// Encodes one frame. Returns nil when there is nothing to send (DTX); the sequence number
    /// and timestamp advance either way, so the receiver conceals the gap.
    public func send(_ pcm: [Int16]) throws(VoiceError) -> VoicePacket? {
        let payload = try encoder.encode(pcm)
        defer {
            sequence &+= 1
            timestamp &+= timestampStep
        }
        // libopus returns 1 or 2 bytes for a frame DTX says not to transmit.
        if encoder.config.dtx, payload.count <= 2 {
            framesSkipped += 1
            return nil
        }
        framesSent += 1
        payloadBytesSent += payload.count
        return VoicePacket(callID: callID, sequence: sequence, timestamp: timestamp, payload: payload)
    }

    /// Average payload bitrate over `framesSent + framesSkipped` frames, in kbit/s.
    public var averageKbps: Double {
        let frames = framesSent + framesSkipped
        guard frames > 0 else { return 0 }
        let seconds = Double(frames) * Double(encoder.config.frameDurationTenthsMs) / 10_000
        return Double(payloadBytesSent * 8) / seconds / 1000
    }
}
