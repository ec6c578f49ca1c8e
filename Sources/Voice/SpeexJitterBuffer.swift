import CSpeexDSP
import Wire

/// libspeexdsp's jitter buffer (the one Mumble uses) behind the same `JitterBuffer` protocol,
/// so both can be compared on the same traces (Tests/VoiceTests/JitterComparisonTests.swift,
/// docs/VOICE.md). Speex measures arrival against its own playout pointer, advanced once per
/// `next`; the `arrival` instants are not used. Timestamps given to it are sequence numbers
/// times `step`. Not thread-safe: one owner.
public final class SpeexJitterBuffer: JitterBuffer {
    private let buffer: OpaquePointer
    private let frameDuration: Duration
    private let fec: Bool
    private static let step: UInt32 = 960
    public private(set) var counters = JitterBufferCounters()
    private var started = false
    private var playedUpTo: UInt32?
    /// Payloads put and not yet played, by sequence number: the FEC data at hand for a miss.
    private var waiting: [UInt32: [UInt8]] = [:]
    private var output = [CChar](repeating: 0, count: VoiceLimits.maxOpusPayload)
    private var lastAvailable = 0

    /// `margin`: extra frames of delay speex keeps beyond what it measures (Mumble's default: 1).
    public init(frameDuration: Duration = .milliseconds(20), fec: Bool = true, marginFrames: Int = 1) {
        buffer = jitter_buffer_init(Int32(Self.step))!
        self.frameDuration = frameDuration
        self.fec = fec
        var margin = Int32(marginFrames) * Int32(Self.step)
        _ = jitter_buffer_ctl(buffer, JITTER_BUFFER_SET_MARGIN, &margin)
    }

    deinit { jitter_buffer_destroy(buffer) }

    public var depth: Duration { frameDuration * lastAvailable }
    /// Speex does not expose its target; reported as the current depth.
    public var targetDepth: Duration { depth }

    public func put(_ packet: VoicePacket, arrival: MediaTime) {
        counters.received += 1
        if let playedUpTo, Int32(bitPattern: packet.sequence &- playedUpTo) <= 0 {
            counters.late += 1
            return
        }
        guard waiting.updateValue(packet.payload, forKey: packet.sequence) == nil else {
            counters.duplicates += 1
            return
        }
        var payload = packet.payload.map { CChar(bitPattern: $0) }
        payload.withUnsafeMutableBufferPointer { bytes in
            var p = JitterBufferPacket(
                data: bytes.baseAddress, len: UInt32(bytes.count), timestamp: packet.sequence &* Self.step,
                span: Self.step, sequence: UInt16(truncatingIfNeeded: packet.sequence), user_data: 0)
            jitter_buffer_put(buffer, &p)
        }
        started = true
        if waiting.count > 256, let playedUpTo {
            // Packets speex dropped internally never come back out: forget those behind playout.
            waiting = waiting.filter { Int32(bitPattern: $0.key &- playedUpTo) > 0 }
        }
    }

    public func next(now: MediaTime) -> Playout {
        guard started else { return .silence }
        defer {
            jitter_buffer_tick(buffer)
            var available: Int32 = 0
            _ = jitter_buffer_ctl(buffer, JITTER_BUFFER_GET_AVAILABLE_COUNT, &available)
            lastAvailable = Int(available)
        }
        let pointer = UInt32(bitPattern: jitter_buffer_get_pointer_timestamp(buffer)) / Self.step
        var startOffset: Int32 = 0
        let (status, packet) = output.withUnsafeMutableBufferPointer { out -> (Int32, JitterBufferPacket) in
            var p = JitterBufferPacket(
                data: out.baseAddress, len: UInt32(out.count), timestamp: 0, span: 0, sequence: 0, user_data: 0)
            let status = jitter_buffer_get(buffer, &p, Int32(Self.step), &startOffset)
            if status == JITTER_BUFFER_OK { _ = jitter_buffer_update_delay(buffer, &p, nil) }
            return (status, p)
        }
        switch status {
        case JITTER_BUFFER_OK:
            let sequence = packet.timestamp / Self.step
            waiting[sequence] = nil
            playedUpTo = sequence
            let payload = output.prefix(Int(packet.len)).map { UInt8(bitPattern: $0) }
            return .packet(sequence: sequence, payload: payload)
        case JITTER_BUFFER_MISSING:
            playedUpTo = pointer
            counters.missed += 1
            waiting[pointer] = nil
            if fec, let next = waiting[pointer &+ 1] { return .fec(sequence: pointer, next: next) }
            return .conceal(sequence: pointer)
        default:
            counters.stalls += 1
            return .conceal(sequence: nil)
        }
    }
}
