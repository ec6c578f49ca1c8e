/// Limits on voice and call-signalling frames (docs/PROTOCOL.md §11), each with its reason.
/// Tests check each at the limit and one past it.
public enum VoiceLimits {
    /// Largest Opus payload in one voice frame. RFC 6716 §3.4 (R5) caps an Opus packet at
    /// 1275 bytes of compressed data per 20 ms frame; parley sends one packet per frame, so a
    /// longer payload is never a valid packet.
    public static let maxOpusPayload = 1275

    /// Smallest Opus payload: one TOC byte. An empty payload would mean "lost" to the decoder;
    /// a sender that has nothing to send (DTX) sends no frame instead.
    public static let minOpusPayload = 1

    /// The sample rates Opus encodes and decodes (RFC 6716 §2).
    public static let sampleRates: [UInt32] = [8000, 12000, 16000, 24000, 48000]

    /// Frame durations Opus supports, in tenths of a millisecond: 2.5, 5, 10, 20, 40, 60 ms.
    public static let frameDurationsTenthsMs: [UInt16] = [25, 50, 100, 200, 400, 600]

    /// The bitrate range libopus accepts (`OPUS_SET_BITRATE`): 500 bit/s to 512 kbit/s.
    public static let bitrateRange: ClosedRange<UInt32> = 500...512_000

    /// Opus carries one or two channels in the formats parley uses.
    public static let channelRange: ClosedRange<UInt8> = 1...2
}
