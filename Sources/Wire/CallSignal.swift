/// Identifies one call. The caller draws it at random (64 bits); it also breaks glare ties
/// (docs/PROTOCOL.md §11.3).
public typealias CallID = UInt64

/// The codec parameters an invite offers and an accept chooses. Layout (12 bytes):
/// `sampleRate u32 · channels u8 · frameDuration u16 (tenths of ms) · bitrate u32 · flags u8`
/// (flag bit 0: in-band FEC, bit 1: DTX; other bits ignored).
public struct CallParams: Equatable, Hashable, Sendable, Codable {
    public var sampleRate: UInt32
    public var channels: UInt8
    /// Frame duration in tenths of a millisecond (200 = 20 ms).
    public var frameDurationTenthsMs: UInt16
    /// Target bitrate in bit/s. Offered: the most the offerer wants to send and receive.
    public var bitrate: UInt32
    public var fec: Bool
    public var dtx: Bool

    public init(
        sampleRate: UInt32 = 48000, channels: UInt8 = 1, frameDurationTenthsMs: UInt16 = 200,
        bitrate: UInt32 = 24000, fec: Bool = true, dtx: Bool = false
    ) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.frameDurationTenthsMs = frameDurationTenthsMs
        self.bitrate = bitrate
        self.fec = fec
        self.dtx = dtx
    }

    public static let encodedLength = 12

    /// Samples per channel in one frame at `sampleRate`.
    public var samplesPerFrame: Int { Int(sampleRate) * Int(frameDurationTenthsMs) / 10_000 }

    /// True when every field is a value Opus supports.
    public var isValid: Bool {
        VoiceLimits.sampleRates.contains(sampleRate) && VoiceLimits.channelRange.contains(channels)
            && VoiceLimits.frameDurationsTenthsMs.contains(frameDurationTenthsMs)
            && VoiceLimits.bitrateRange.contains(bitrate)
    }

    /// The answer to an offer (docs/PROTOCOL.md §11.2): field by field the less demanding of
    /// the two — lower sample rate, fewer channels, longer frames, lower bitrate — and FEC
    /// and DTX only when both want them.
    public func negotiated(with offer: CallParams) -> CallParams {
        CallParams(
            sampleRate: min(sampleRate, offer.sampleRate), channels: min(channels, offer.channels),
            frameDurationTenthsMs: max(frameDurationTenthsMs, offer.frameDurationTenthsMs),
            bitrate: min(bitrate, offer.bitrate), fec: fec && offer.fec, dtx: dtx && offer.dtx)
    }

    /// True when `chosen` could be the answer to this offer: valid, and no field asks for more
    /// than was offered.
    public func admits(_ chosen: CallParams) -> Bool {
        chosen.isValid && chosen.sampleRate <= sampleRate && chosen.channels <= channels
            && chosen.frameDurationTenthsMs >= frameDurationTenthsMs && chosen.bitrate <= bitrate
            && (fec || !chosen.fec) && (dtx || !chosen.dtx)
    }

    func write(to w: inout ByteWriter) {
        w.write(sampleRate)
        w.write(channels)
        w.write(frameDurationTenthsMs)
        w.write(bitrate)
        w.write(UInt8((fec ? 1 : 0) | (dtx ? 2 : 0)))
    }

    static func read(from r: inout ByteReader) throws(WireError) -> CallParams {
        let params = CallParams(
            sampleRate: try r.readUInt32(), channels: try r.readUInt8(), frameDurationTenthsMs: try r.readUInt16(),
            bitrate: try r.readUInt32(), fec: false, dtx: false)
        let flags = try r.readUInt8()
        var result = params
        result.fec = flags & 1 != 0
        result.dtx = flags & 2 != 0
        guard result.isValid else { throw .malformed(what: "call parameters") }
        return result
    }
}

/// Why a side hung up, carried in the hangup frame (unknown values read as `.other`).
public enum HangupReason: UInt8, Sendable, Codable {
    case normal = 0
    /// No voice or report frame arrived for the media timeout.
    case mediaTimeout = 1
    /// The accepted parameters were not an answer to the offer.
    case incompatible = 2
    case other = 255

    public init(wireValue: UInt8) { self = HangupReason(rawValue: wireValue) ?? .other }
}

/// What a receiver tells the sender about the media it gets, once a second during a call.
/// It also keeps the call alive when no voice flows (muted). Layout (18 bytes):
/// `received u32 · lost u32 · late u32 · jitter u32 (µs) · bufferDepth u16 (ms)`.
public struct CallReport: Equatable, Hashable, Sendable, Codable {
    public var framesReceived: UInt32
    public var framesLost: UInt32
    public var framesLate: UInt32
    public var jitterMicroseconds: UInt32
    public var bufferDepthMilliseconds: UInt16

    public init(
        framesReceived: UInt32 = 0, framesLost: UInt32 = 0, framesLate: UInt32 = 0, jitterMicroseconds: UInt32 = 0,
        bufferDepthMilliseconds: UInt16 = 0
    ) {
        self.framesReceived = framesReceived
        self.framesLost = framesLost
        self.framesLate = framesLate
        self.jitterMicroseconds = jitterMicroseconds
        self.bufferDepthMilliseconds = bufferDepthMilliseconds
    }

    public static let encodedLength = 18
}

/// Call signalling, one frame type per message (docs/PROTOCOL.md §11.2).
public enum CallSignal: Equatable, Hashable, Sendable {
    case invite(CallID, offer: CallParams)
    case ringing(CallID)
    case accept(CallID, chosen: CallParams)
    case decline(CallID)
    case busy(CallID)
    case cancel(CallID)
    case hangup(CallID, reason: HangupReason)
    case report(CallID, CallReport)

    public var callID: CallID {
        switch self {
        case .invite(let id, _), .ringing(let id), .accept(let id, _), .decline(let id), .busy(let id),
            .cancel(let id), .hangup(let id, _), .report(let id, _):
            id
        }
    }
}

/// One Opus packet of a call. Layout: `callID u64 · sequence u32 · timestamp u32 · payload`.
/// `sequence` counts frames from 0 (wrapping); `timestamp` counts 48 kHz samples from the
/// call's first frame (wrapping), whatever the codec's sample rate.
public struct VoicePacket: Equatable, Hashable, Sendable {
    public var callID: CallID
    public var sequence: UInt32
    public var timestamp: UInt32
    public var payload: [UInt8]

    public init(callID: CallID, sequence: UInt32, timestamp: UInt32, payload: [UInt8]) {
        self.callID = callID
        self.sequence = sequence
        self.timestamp = timestamp
        self.payload = payload
    }

    /// Bytes before the payload: callID, sequence, timestamp.
    public static let headerLength = 16
}
